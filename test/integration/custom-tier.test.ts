/**
 * The custom tier's evidence is the recipe test command's own JUnit report
 * when it writes one, failing or not, and never a report left by an earlier
 * attempt. The activity runs for real (a real command, real files); the tier
 * needs no deploy, so no Swarm is touched.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRecipeActivities } from '../../activities/recipe-activities';
import { docker } from '../../adapters/swarm';
import type { RecipeSpec, RunEnv } from '../../contract/types';
import { CI } from '../helpers/pool';

const FAILING_REPORT =
  '<testsuite name="own"><testcase classname="own" name="login works"><failure message="401"/></testcase><testcase classname="own" name="home loads"/></testsuite>';

async function customTier(dir: string, script: string) {
  const env = {
    stateDir: dir,
    configDir: dir,
    abra: { bin: 'abra', dir },
    server: 'default',
    ciDomain: `${CI}`,
    liveWarmDomains: [],
  } as unknown as RunEnv;
  env.timeouts = { mirrorSyncSeconds: 10, deploySeconds: 10, convergeSeconds: 10, teardownSeconds: 10, backupSeconds: 10 };
  const recipe = {
    name: 'hello',
    health: { url: 'http://{domain}/' },
    test: { command: ['sh', '-c', script, 'sh', '{junit}'], timeoutSeconds: 10 },
  } as unknown as RecipeSpec;
  const acts = createRecipeActivities(docker());
  const runDir = path.join(dir, 'runs', 'sweep-1', 'hello');
  const result = await new MockActivityEnvironment(undefined, { logger: new DefaultLogger('WARN') }).run(
    (i: Parameters<typeof acts.runTier>[0]) => acts.runTier(i),
    {
      env,
      recipe,
      tier: 'custom' as const,
      version: '1.0.0',
      runDir,
      domain: `cold-hello.${CI}`,
      commit: 'a'.repeat(40),
      previous: null,
      backup: false,
    },
  );
  return { result, report: await readFile(path.join(runDir, 'junit', 'custom.xml'), 'utf8'), runDir };
}

describe('custom tier evidence', () => {
  it("keeps the test command's own report when its tests fail", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'custom-tier-'));
    const { result, report } = await customTier(dir, `printf '%s' '${FAILING_REPORT}' > "$1"; exit 1`);
    expect(result).toMatchObject({ tier: 'custom', status: 'fail', reason: '1 of 2 tests failed: own.login works' });
    expect(report).toBe(FAILING_REPORT);
  });

  it('never reads a report an earlier attempt left', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'custom-tier-'));
    const stale = path.join(dir, 'runs', 'sweep-1', 'hello', 'junit', 'custom.xml');
    await mkdir(path.dirname(stale), { recursive: true });
    await writeFile(stale, FAILING_REPORT);
    const { result, report } = await customTier(dir, 'exit 0');
    expect(result).toMatchObject({ status: 'pass', reason: 'test command passed (no JUnit report written)' });
    expect(report).toMatch(/<testcase classname="hello" name="custom" time="[\d.]+"><\/testcase>/);
  });
});

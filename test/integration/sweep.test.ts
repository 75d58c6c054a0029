/**
 * The weekly sweep end to end through the CLI contract, on real Temporal,
 * real Swarm and real git: every label from one sweep, then run-twice.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, stackLeftovers } from '../../adapters/swarm';
import { stackName } from '../../domain/stack-name';
import { makeFixture, type Fixture } from '../helpers/fixture';
import { cli, endRunningSweep, startWorker } from '../helpers/temporal';
import { CI, CI_STACK, publishRelease } from '../helpers/pool';
import { NOTHING_LEFT } from '../helpers/remove-apps';

interface CliResult {
  recipe: string;
  label: string;
  reason: string;
  version: string | null;
  canonical: { before: string | null; after: string | null };
  tiers: { tier: string; status: string }[];
}

async function sweep(f: Fixture): Promise<{ workflowId: string; byRecipe: Record<string, CliResult> }> {
  const r = await cli(f, ['sweep', 'start', '--wait', '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout) as { workflowId: string; results: CliResult[] };
  return { workflowId: out.workflowId, byRecipe: Object.fromEntries(out.results.map((x) => [x.recipe, x])) };
}

const canonical = async (f: Fixture, recipe: string) =>
  JSON.parse(await readFile(path.join(f.stateDir, 'registry', recipe, 'canonical.json'), 'utf8')) as Record<string, string>;

describe('weekly sweep', () => {
  let f: Fixture;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  beforeAll(async () => {
    f = await makeFixture('sweep', [
      {
        name: 'hello',
        from: 'hello',
        extra: { test: { command: ['node', path.resolve('recipes/tests/http-body.mjs'), '{url}', '{version}', '{junit}'] } },
      },
      { name: 'broken', from: 'broken', upTo: '1.0.0+2.0', port: 18082 },
      { name: 'unreleased', from: 'unreleased', port: 18083 },
      { name: 'vanished', port: 18084 },
    ]);
    worker = await startWorker(f);
  });
  afterAll(async () => {
    await endRunningSweep();
    await worker?.stop();
  });

  it('labels every kind of recipe from one sweep, then run-twice skips the promoted and retries the red', async () => {
    // Sweep 1: seeds.
    const one = await sweep(f);
    expect(one.workflowId).toMatch(/^sweep-\d{8}T\d{6}Z$/);
    const r1 = one.byRecipe;
    expect(r1.hello).toMatchObject({ label: 'PROMOTED', version: '1.1.0+1.1', canonical: { before: null, after: '1.1.0+1.1' } });
    expect(r1.hello!.tiers.map((t) => `${t.tier}:${t.status}`)).toEqual(['install:pass', 'upgrade:pass', 'backup:pass', 'restore:pass', 'custom:pass']);
    expect(r1.broken).toMatchObject({ label: 'PROMOTED', version: '1.0.0+2.0' });
    expect(r1.broken!.tiers.map((t) => `${t.tier}:${t.status}`)).toEqual(['install:pass', 'upgrade:n/a', 'backup:n/a', 'restore:n/a', 'custom:n/a']);
    expect(r1.unreleased).toMatchObject({ label: 'SKIPPED', reason: 'never-released', version: null });
    expect(r1.vanished).toMatchObject({ label: 'FAILED', canonical: { before: null, after: null } });
    expect(r1.vanished!.reason).toMatch(/^mirror-sync failed: .*(does not appear to be a git repository|not found)/s);

    // The canonical records the tested version and the tag's own commit.
    const rec = await canonical(f, 'hello');
    const tagCommit = (await import('execa')).execa('git', ['-C', f.upstream('hello'), 'rev-parse', '1.1.0+1.1^{commit}']);
    expect(rec).toMatchObject({ recipe: 'hello', version: '1.1.0+1.1', commit: (await tagCommit).stdout, status: 'idle', domain: `warm-hello.${CI}` });
    // Idle: undeployed, volumes kept for the next warm reattach. Cold apps: gone entirely.
    const warm = await stackLeftovers(docker(), stackName(`warm-hello.${CI}`));
    expect(warm.services).toEqual([]);
    expect(warm.volumes).toEqual([`warm-hello_${CI_STACK}_data`]);
    for (const r of ['hello', 'broken']) {
      expect(await stackLeftovers(docker(), stackName(`cold-${r}.${CI}`))).toEqual(NOTHING_LEFT);
    }
    // Every tier left its result and JUnit file under the run directory.
    const runDir = path.join(f.stateDir, 'runs', one.workflowId, 'hello');
    for (const t of ['install', 'upgrade', 'backup', 'restore', 'custom']) {
      expect((await stat(path.join(runDir, 'junit', `${t}.xml`))).size).toBeGreaterThan(0);
      expect(JSON.parse(await readFile(path.join(runDir, 'tiers', `${t}.json`), 'utf8'))).toMatchObject({ tier: t, status: 'pass' });
    }
    expect(await readFile(path.join(f.stateDir, 'runs', one.workflowId, 'report.md'), 'utf8')).toMatch(/\| \[hello\]\(\S+\) \| PROMOTED \| 1\.1\.0\+1\.1 \|/);

    // A new, broken release is published upstream.
    await publishRelease('broken', f.upstream('broken'), '1.1.0+2.1');
    const two = (await sweep(f)).byRecipe;
    expect(two.hello).toMatchObject({ label: 'SKIPPED', reason: 'no-new-version', tiers: [] });
    expect(two.broken).toMatchObject({ label: 'FAILED', version: '1.1.0+2.1', canonical: { before: '1.0.0+2.0', after: '1.0.0+2.0' } });
    expect(two.broken!.reason).toMatch(/^install: .*not healthy.*(ECONNREFUSED|ECONNRESET).*\(canonical unchanged: 1\.0\.0\+2\.0\)$/s);
    expect(two.unreleased).toMatchObject({ label: 'SKIPPED', reason: 'never-released' });
    expect(two.vanished!.label).toBe('FAILED');
    expect((await canonical(f, 'broken')).version).toBe('1.0.0+2.0');

    // Run-twice: nothing promoted runs again; the red ones are retried.
    const three = (await sweep(f)).byRecipe;
    expect(three.hello).toMatchObject({ label: 'SKIPPED', reason: 'no-new-version' });
    expect(three.broken).toMatchObject({ label: 'FAILED', version: '1.1.0+2.1' });
    expect(three.broken!.tiers[0]).toMatchObject({ tier: 'install', status: 'fail' });
    expect(three.vanished!.label).toBe('FAILED');

    // hello's promote happened exactly once over three sweeps.
    const deploys = (await f.abraCalls()).filter((a) => a[1] === 'deploy' && a[2] === `warm-hello.${CI}`);
    expect(deploys).toHaveLength(1);
  }, 600_000);
});

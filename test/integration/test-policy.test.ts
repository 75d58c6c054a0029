/**
 * The recipe test policy on real Temporal, a real Swarm, real git and the
 * strict abra double: tiers expected n/a (reported with their reason, the
 * recipe promoted), an upgrade base taken from `upgradeFrom` (and one that
 * cannot be used, failing the upgrade tier by name), and a custom tier that
 * fails once and passes on its re-run, reported flaky.
 */
import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSweep } from '../../client/sweep';
import { SA } from '../../contract/search-attributes';
import { makeFixture, type Fixture } from '../helpers/fixture';
import { endRunningSweep, startWorker, testClient } from '../helpers/temporal';
import { exampleCompose } from '../helpers/pool';

const NO_BACKUPS = { backup: { expected: 'n/a', reason: 'tested elsewhere' }, restore: { expected: 'n/a', reason: 'tested elsewhere' } };

/** A third hello release, 1.2.0+1.2 (hello ships two), so the default upgrade base and upgradeFrom differ. */
async function releaseHello120(repo: string) {
  const git = (...args: string[]) => execa('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args]);
  const compose = await exampleCompose('hello', '1.1.0+1.1');
  await execa('sh', ['-c', 'cat > compose.yml'], { cwd: repo, input: compose.replaceAll('1.1.0+1.1', '1.2.0+1.2') });
  await git('commit', '--quiet', '--all', '-m', 'release 1.2.0+1.2');
  await git('tag', '--annotate', '--message', 'release 1.2.0+1.2', '1.2.0+1.2');
}

describe('recipe test policy', () => {
  let f: Fixture;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  beforeAll(async () => {
    f = await makeFixture('test-policy', [
      { name: 'na', from: 'hello', extra: { tiers: { upgrade: { expected: 'n/a', reason: 'moving image tag upstream' }, ...NO_BACKUPS } } },
      { name: 'base', from: 'hello', extra: { upgradeFrom: '1.0.0+1.0', tiers: NO_BACKUPS } },
      { name: 'badbase', from: 'hello', extra: { upgradeFrom: '1.1.0+1.1', tiers: NO_BACKUPS } },
      {
        name: 'flake',
        from: 'hello',
        upTo: '1.0.0+1.0',
        extra: {
          flakeRetries: 1,
          tiers: NO_BACKUPS,
          // Fails the first time it runs (leaves a mark in the config's directory), passes after.
          test: { command: ['sh', '-c', 'if [ -e flaked ]; then exit 0; fi; touch flaked; echo "timeout talking to the app"; exit 1'] },
        },
      },
    ]);
    await releaseHello120(f.upstream('base'));
    worker = await startWorker(f);
  });
  afterAll(async () => {
    await endRunningSweep();
    await worker?.stop();
  });

  it('expected n/a tiers, an upgrade base, a bad one named, and a flake re-run and reported', async () => {
    const client = await testClient();
    const handle = await startSweep(client, f.loaded.config);
    const { results } = await handle.result();
    const [na, base, badbase, flake] = results;

    expect(na).toMatchObject({ label: 'PROMOTED', version: '1.1.0+1.1' });
    expect(na!.tiers.find((t) => t.tier === 'upgrade')).toMatchObject({ status: 'n/a', reason: 'expected n/a: moving image tag upstream' });
    const junit = await readFile(path.join(f.stateDir, 'runs', handle.workflowId, 'na', 'junit', 'upgrade.xml'), 'utf8');
    expect(junit).toContain('expected n/a: moving image tag upstream');

    // The upgrade tier started from upgradeFrom, not from 1.1.0 (the release before 1.2.0).
    expect(base).toMatchObject({ label: 'PROMOTED', version: '1.2.0+1.2' });
    const news = (await f.abraCalls()).filter((a) => a[1] === 'new' && a[2] === 'base').map((a) => a[3]);
    expect(news).toContain('1.0.0+1.0');
    expect(news).not.toContain('1.1.0+1.1');

    expect(badbase).toMatchObject({
      label: 'FAILED',
      reason: 'upgrade: upgradeFrom 1.1.0+1.1 is not older than the tested 1.1.0+1.1 (canonical unchanged: none)',
    });

    expect(flake).toMatchObject({ label: 'PROMOTED' });
    expect(flake!.tiers.find((t) => t.tier === 'custom')).toMatchObject({
      status: 'pass',
      flaky: 1,
      reason: expect.stringMatching(/^flaky: passed on re-run 1 after: /),
    });
    const described = await client.workflow.getHandle(`${handle.workflowId}/flake`).describe();
    expect(described.typedSearchAttributes.get(SA.flaky)).toBe('custom');
    const report = await readFile(path.join(f.stateDir, 'runs', handle.workflowId, 'report.md'), 'utf8');
    expect(report).toContain('custom: pass flaky×1');
    expect(report).toContain('upgrade: n/a (expected n/a: moving image tag upstream)');
  }, 600_000);
});

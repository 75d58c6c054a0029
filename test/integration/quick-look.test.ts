/**
 * The quick path on real git and a real worker: a recipe whose mirror is
 * current and whose canonical is at the latest release is labelled from a
 * read-only look (a local activity): no mirror-sync activity, no recipe
 * lock. Anything new upstream (here a commit on the default branch) sends it
 * through the sync under the lock again, and an upstream that is gone is
 * reported by that sync, not by the look. No deploy is involved: the
 * canonical's record is written as a promote would leave it.
 */
import type { Client } from '@temporalio/client';
import { execa } from 'execa';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotOf } from '../../contract/snapshot';
import { canonicals } from '../../state/canonicals';
import { makeFixture, type Fixture } from '../helpers/fixture';
import { cli, startWorker, testClient } from '../helpers/temporal';

const V1 = '1.0.0+1.0';

/** What one recipe workflow ran: its activity types (remote and local) and whether it started a child (the lock). */
async function ranIn(client: Client, workflowId: string) {
  const { events } = await client.workflow.getHandle(workflowId).fetchHistory();
  const remote = events!.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType!.name!] : []));
  const local = events!.flatMap((e) => {
    const m = e.markerRecordedEventAttributes;
    if (m?.markerName !== 'core_local_activity') return [];
    const data = m.details?.data?.payloads?.[0]?.data;
    const marker = data ? (JSON.parse(Buffer.from(data).toString()) as { activity_type?: string; activityType?: string }) : {};
    return [marker.activity_type ?? marker.activityType ?? '?'];
  });
  return { remote, local, children: events!.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes).length };
}

describe('the quick look', () => {
  let f: Fixture;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let client: Client;
  beforeAll(async () => {
    f = await makeFixture('quick-look', [{ name: 'hello', from: 'hello', upTo: V1 }, { name: 'gone' }]);
    const { env } = snapshotOf(f.loaded.config, f.configFile, f.loaded.digest);
    const commit = (await execa('git', ['-C', f.upstream('hello'), 'rev-parse', `${V1}^{commit}`])).stdout;
    await canonicals.write(env.stateDir, { recipe: 'hello', version: V1, commit, domain: 'warm-hello.ci.test.local' });
    worker = await startWorker(f);
    client = await testClient();
  });
  afterAll(async () => {
    await worker?.stop();
  });

  const sweepHello = async () => {
    const r = await cli(f, ['sweep', 'start', '--wait', '--json']);
    expect(r.code).toBe(0);
    const [hello, gone] = (JSON.parse(r.stdout) as { results: { label: string; reason: string; workflowId: string }[] }).results;
    expect(hello).toMatchObject({ label: 'SKIPPED', reason: 'no-new-version' });
    // An upstream that is gone is never settled by the look: the sync under the lock fails and says why, every time.
    expect(gone).toMatchObject({ label: 'FAILED', reason: expect.stringMatching(/^mirror-sync failed: .*does not appear to be a git repository/s) });
    return ranIn(client, hello!.workflowId);
  };

  it('labels an unchanged recipe from the look alone, and syncs under the lock when upstream moved', async () => {
    // First sweep: no mirror yet, so the look cannot settle it.
    const first = await sweepHello();
    expect(first.local).toEqual(['lookAtRecipe', 'readCanonical', 'writeRecipeResult']);
    expect(first.remote).toEqual(['syncRecipe', 'readCanonical']);
    expect(first.children).toBe(1);

    // Nothing changed upstream: the look settles it.
    const second = await sweepHello();
    expect(second).toEqual({ local: ['lookAtRecipe', 'readCanonical', 'writeRecipeResult'], remote: [], children: 0 });

    // A commit upstream (no release): the mirror is behind, so the recipe syncs under the lock, then skips.
    await writeFile(path.join(f.upstream('hello'), 'NOTES'), 'work in progress\n');
    await execa('git', ['-C', f.upstream('hello'), 'add', 'NOTES']);
    await execa('git', ['-C', f.upstream('hello'), '-c', 'user.name=t', '-c', 'user.email=t@localhost', 'commit', '--quiet', '-m', 'wip']);
    const third = await sweepHello();
    expect(third.remote).toEqual(['syncRecipe', 'readCanonical']);
    expect(third.children).toBe(1);

    // And once synced, quick again.
    expect((await sweepHello()).remote).toEqual([]);
  }, 120_000);
});

/**
 * The quick path on real git and a real worker: a recipe whose mirror is
 * current and whose canonical is at the latest release is settled by the
 * sweep's own read-only look (a local activity in the sweep): no recipe
 * workflow, no mirror-sync activity, no recipe lock, and `coopci history`
 * still lists the week. Anything new upstream (here a commit on the default
 * branch) sends it through its recipe workflow and the sync under the lock
 * again, and an upstream that is gone is reported by that sync, not by the
 * look. No deploy is involved: the canonical's record is written as a
 * promote would leave it.
 */
import type { Client } from '@temporalio/client';
import { execa } from 'execa';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recipeWorkflowId } from '../../contract/ids';
import { snapshotOf } from '../../contract/snapshot';
import { canonicals } from '../../state/canonicals';
import { makeFixture, type Fixture } from '../helpers/fixture';
import { cli, startWorker, testClient, waitFor } from '../helpers/temporal';
import { CI } from '../helpers/pool';

const V1 = '1.0.0+1.0';

/** What one workflow ran: its activity types (remote and local) and the children it started (a recipe's lock, a sweep's recipes). */
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
  const children = events!.flatMap((e) => {
    const c = e.startChildWorkflowExecutionInitiatedEventAttributes;
    return c ? [c.workflowId!] : [];
  });
  return { remote, local, children };
}

describe('the quick look', () => {
  let f: Fixture;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let client: Client;
  beforeAll(async () => {
    f = await makeFixture('quick-look', [{ name: 'hello', from: 'hello', upTo: V1 }, { name: 'gone' }]);
    const { env } = snapshotOf(f.loaded.config, f.configFile, f.loaded.digest);
    const commit = (await execa('git', ['-C', f.upstream('hello'), 'rev-parse', `${V1}^{commit}`])).stdout;
    await canonicals.write(env.stateDir, { recipe: 'hello', version: V1, commit, domain: `warm-hello.${CI}` });
    worker = await startWorker(f);
    client = await testClient();
  });
  afterAll(async () => {
    await worker?.stop();
  });

  /** One sweep: hello's result, what hello's workflow ran (the sweep itself when its look settled hello), and what the sweep ran. */
  const sweepHello = async () => {
    const r = await cli(f, ['sweep', 'start', '--wait', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { workflowId: string; results: { label: string; reason: string; workflowId: string }[] };
    const [hello, gone] = out.results;
    expect(hello).toMatchObject({ label: 'SKIPPED', reason: 'no-new-version' });
    // An upstream that is gone is never settled by the look: the sync under the lock fails and says why, every time.
    expect(gone).toMatchObject({ label: 'FAILED', reason: expect.stringMatching(/^mirror-sync failed: .*does not appear to be a git repository/s) });
    return { hello: hello!, sweepId: out.workflowId, ran: await ranIn(client, hello!.workflowId), sweep: await ranIn(client, out.workflowId) };
  };

  it('settles an unchanged recipe from the sweep’s look alone, and syncs under the lock when upstream moved', async () => {
    // First sweep: no mirror yet, so the look cannot settle it; hello's workflow syncs under its lock (and does not look again).
    const first = await sweepHello();
    expect(first.sweep.local.filter((a) => a === 'lookAtRecipe')).toHaveLength(2);
    expect(first.hello.workflowId).not.toBe(first.sweepId);
    expect(first.ran.local).toEqual(['readCanonical', 'writeRecipeResult']);
    expect(first.ran.remote).toEqual(['syncRecipe', 'readCanonical']);
    expect(first.ran.children).toHaveLength(1);

    // Nothing changed upstream: the sweep's look settles it, and hello has no workflow of its own.
    const second = await sweepHello();
    expect(second.hello.workflowId).toBe(second.sweepId);
    expect(second.sweep.local).toEqual(['lookAtRecipe', 'writeRecipeResult', 'lookAtRecipe']);
    expect(second.sweep.children.filter((id) => id.includes('/hello'))).toEqual([]);
    await expect(client.workflow.getHandle(recipeWorkflowId(second.sweepId, 'hello', 1)).describe()).rejects.toThrow(/not found/i);

    // A commit upstream (no release): the mirror is behind, so the recipe syncs under the lock, then skips.
    await writeFile(path.join(f.upstream('hello'), 'NOTES'), 'work in progress\n');
    await execa('git', ['-C', f.upstream('hello'), 'add', 'NOTES']);
    await execa('git', ['-C', f.upstream('hello'), '-c', 'user.name=t', '-c', 'user.email=t@localhost', 'commit', '--quiet', '-m', 'wip']);
    const third = await sweepHello();
    expect(third.ran.remote).toEqual(['syncRecipe', 'readCanonical']);
    expect(third.ran.children).toHaveLength(1);

    // And once synced, quick again.
    const fourth = await sweepHello();
    expect(fourth.hello.workflowId).toBe(fourth.sweepId);

    // coopci history lists every week, the settled ones from the sweep's run directory, linking to the sweep.
    const history = await waitFor(
      'four weeks of hello in coopci history',
      async () => {
        const r = await cli(f, ['history', 'hello', '--json']);
        const list = JSON.parse(r.stdout) as { workflowId: string; sweepId: string; label: string; reason: string; version: string; ui: string }[];
        return list.length === 4 ? list : null;
      },
      30_000,
    );
    expect(history.map((e) => [e.sweepId, e.workflowId, e.label, e.reason, e.version])).toEqual([
      [fourth.sweepId, fourth.sweepId, 'SKIPPED', 'no-new-version', V1],
      [third.sweepId, third.hello.workflowId, 'SKIPPED', 'no-new-version', V1],
      [second.sweepId, second.sweepId, 'SKIPPED', 'no-new-version', V1],
      [first.sweepId, first.hello.workflowId, 'SKIPPED', 'no-new-version', V1],
    ]);
    expect(history[0]!.ui).toMatch(new RegExp(`/workflows/${encodeURIComponent(fourth.sweepId)}$`));
  }, 120_000);
});

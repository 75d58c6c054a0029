/**
 * One deploy per warm app at a time, whoever started it (a manual deploy,
 * the schedule, a converge): each takes the app's deploy lock (the real lock
 * workflow on the real dev server), a second waits its turn, never deploying
 * beside the first; a lock no running deploy holds is retaken; a deploy that
 * waits too long, or is aborted while waiting, ends SKIPPED, saying why.
 */
import type { Client } from '@temporalio/client';
import { afterEach, describe, expect, it } from 'vitest';
import { warmLockId } from '../../contract/ids';
import { abortSignal, warmDeployStatusQuery } from '../../contract/messages';
import type { convergeWorkflow } from '../../workflows/converge';
import type { warmDeployWorkflow } from '../../workflows/warm';
import { Hold, terminateLeftovers, uniqueId, withWorker } from './harness';
import { warmWorld, type Span, type WarmScript } from './warm-world';

const startDeploy = (client: Client, taskQueue: string, app: string, workflowId = uniqueId(`deploy-${app}`)) =>
  client.workflow.start<typeof warmDeployWorkflow>('warmDeployWorkflow', { workflowId, taskQueue, args: [{ app }] });

const healthy: WarmScript = { latest: '2.0.0+2.0', lastGood: '1.0.0+1.0', healthy: ['1.0.0+1.0', '2.0.0+2.0'], gateMs: 1_500 };

type Handle = Awaited<ReturnType<typeof startDeploy>>;

/** Waits until one of the deploys says it waits for another one: [the waiting one, the one it waits for]. */
async function waiting(...handles: Handle[]): Promise<[string, string]> {
  for (;;) {
    for (const h of handles) {
      const s = await h.query(warmDeployStatusQuery);
      if (s.phase === 'waiting') return [h.workflowId, s.waitingFor!];
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** [first start, last end] of each deploy's Swarm-touching steps, by workflow id. */
function windows(spans: Span[]): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  for (const s of spans) {
    const w = out.get(s.workflowId);
    out.set(s.workflowId, w ? [Math.min(w[0], s.start), Math.max(w[1], s.end)] : [s.start, s.end]);
  }
  return out;
}

describe('one deploy per warm app', { timeout: 60_000 }, () => {
  afterEach(terminateLeftovers);

  it('a manual and a scheduled deploy started at once: one waits for the other, never overlapping', async () => {
    const app = uniqueId('px');
    const [manual, scheduled] = [`deploy-${app}`, `deploy-${app}-scheduled-2026-01-04T03:00:00Z`];
    const world = warmWorld({ [app]: healthy });
    const { results, waiter, holder } = await withWorker(world.mocks, async ({ client, taskQueue }) => {
      const handles = await Promise.all([startDeploy(client, taskQueue, app, manual), startDeploy(client, taskQueue, app, scheduled)]);
      const [waiter, holder] = await waiting(...handles);
      return { results: await Promise.all(handles.map((h) => h.result())), waiter, holder };
    });
    expect([waiter, holder].sort()).toEqual([manual, scheduled].sort());
    expect(results.map((r) => r.outcome)).toEqual(['HEALTHY', 'HEALTHY']);
    const w = windows(world.spans);
    expect(w.get(holder)![1]).toBeLessThanOrEqual(w.get(waiter)![0]);
    expect(world.deploys(app)).toEqual(['2.0.0+2.0', '2.0.0+2.0']);
  });

  it("a manual deploy started during a converge waits for the converge's deploy of the app", async () => {
    const app = uniqueId('px');
    const world = warmWorld({ [app]: healthy });
    const { converge, manual, waited } = await withWorker(world.mocks, async ({ client, taskQueue }) => {
      const c = await client.workflow.start<typeof convergeWorkflow>('convergeWorkflow', { workflowId: uniqueId('converge-warm'), taskQueue, args: [] });
      // The converge's child holds the lock once its deploy has started.
      while (!world.spans.length && !world.log.of('deployWarm').length) await new Promise((r) => setTimeout(r, 50));
      const m = await startDeploy(client, taskQueue, app);
      const [, waited] = await waiting(m);
      return { converge: await c.result(), manual: await m.result(), waited };
    });
    expect(waited).toBe(`${converge.workflowId}/${app}`);
    expect(converge.apps).toMatchObject([{ app, outcome: 'HEALTHY' }]);
    expect(manual.outcome).toBe('HEALTHY');
    const w = windows(world.spans);
    expect(w.get(`${converge.workflowId}/${app}`)![1]).toBeLessThanOrEqual(w.get(manual.workflowId)![0]);
  });

  it('a lock no running deploy holds is stale: terminated by its run id and retaken', async () => {
    const app = uniqueId('px');
    const world = warmWorld({ [app]: healthy });
    const { result, stale } = await withWorker(world.mocks, async ({ client, taskQueue }) => {
      // Started by hand, so no deploy holds it: nothing would ever release it.
      const stale = await client.workflow.start('lockWorkflow', { workflowId: warmLockId(app), taskQueue, args: [] });
      const result = await (await startDeploy(client, taskQueue, app)).result();
      const runId = stale.firstExecutionRunId;
      return { result, stale: { runId, status: (await client.workflow.getHandle(warmLockId(app), runId).describe()).status.name } };
    });
    expect(result.outcome).toBe('HEALTHY');
    expect(stale.status).toBe('TERMINATED');
    expect(world.log.of('clearStaleWarmLock')).toEqual([{ app, runId: stale.runId, why: 'stale: no deploy holds it (started by hand)' }]);
  });

  it('a deploy that waits longer than its bound ends SKIPPED, naming the deploy it waited for; one aborted while waiting too', async () => {
    const app = uniqueId('px');
    const gateHold = new Hold();
    const world = warmWorld({ [app]: { ...healthy, gateMs: 0, gateHold, lockWaitSeconds: 1 } });
    const { timedOut, aborted, first } = await withWorker(world.mocks, async ({ client, taskQueue }) => {
      const first = await startDeploy(client, taskQueue, app);
      await gateHold.reached;
      const timedOut = await (await startDeploy(client, taskQueue, app)).result();
      const patient = await startDeploy(client, taskQueue, app);
      await patient.signal(abortSignal, 'not now');
      const aborted = await patient.result();
      gateHold.release();
      return { timedOut, aborted, first: await first.result() };
    });
    expect(first.outcome).toBe('HEALTHY');
    expect(timedOut).toMatchObject({ outcome: 'SKIPPED', version: 'latest', lastGood: null, alert: null });
    expect(timedOut.reason).toBe(`another deploy of ${app} (${first.workflowId}) ran for longer than 1 min; nothing was deployed; try again once it has ended`);
    expect(aborted).toMatchObject({ outcome: 'SKIPPED', reason: `aborted while waiting for ${first.workflowId}: not now` });
    // Only the first deploy touched the app.
    expect(new Set(world.spans.map((s) => s.workflowId))).toEqual(new Set([first.workflowId]));
  });
});

/**
 * One writer per recipe, on a real Swarm with the real activities: a sweep
 * terminated by hand while its recipe's promote is in flight keeps the
 * sweep's lock until that recipe has stopped (a new sweep is refused, then
 * runs after it), and a recipe run started by hand during a sweep waits for
 * the sweep's run of that recipe, then finds the canonical current and
 * touches nothing (abra's ledger).
 */
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSweep, SweepRunningError } from '../../client/sweep';
import { recipeStatusQuery } from '../../contract/messages';
import { snapshotOf } from '../../contract/snapshot';
import type { RecipeResult } from '../../contract/types';
import { canonicals } from '../../state/canonicals';
import type { recipeWorkflow } from '../../workflows/recipe';
import type { sweepWorkflow } from '../../workflows/sweep';
import { makeFixture, type Fixture } from '../helpers/fixture';
import { endRunningSweep, startWorker, testClient, waitFor } from '../helpers/temporal';
import { CI, publishRelease } from '../helpers/pool';

describe('one writer per recipe', () => {
  let f: Fixture;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  beforeAll(async () => {
    // Short deploys: the promote held below is a hung abra cut off at 15 s.
    const timeouts = { mirrorSyncSeconds: 30, deploySeconds: 15, convergeSeconds: 30, teardownSeconds: 60, backupSeconds: 60 };
    f = await makeFixture('one-writer', [{ name: 'solo', from: 'hello', upTo: '1.0.0+1.0' }], { timeouts });
    worker = await startWorker(f);
  });
  afterEach(() => {
    delete process.env.ABRA_LOCAL_HANG_ON;
  });
  afterAll(async () => {
    await endRunningSweep();
    await worker?.stop();
  });
  const lines = async () => (await f.abraCalls()).length;

  it('a sweep terminated mid-promote: a new sweep is refused until the promote has stopped, then runs', async () => {
    const client = await testClient();
    // The promote's deploy of the canonical hangs once (abra stuck on a server), as long as the test needs it in flight.
    process.env.ABRA_LOCAL_HANG_ON = '^app deploy warm-solo';
    const first = await startSweep(client, f.loaded.config);
    await waitFor('the promote in flight', async () => (await f.abraCalls()).some((a) => a[1] === 'deploy' && a[2] === `warm-solo.${CI}`));
    await first.terminate('operator test: terminated by hand');
    delete process.env.ABRA_LOCAL_HANG_ON;

    // Refused by the client (coopci sweep start) and, past it, by the sweep itself: the dead sweep's recipe still runs.
    await expect(startSweep(client, f.loaded.config)).rejects.toThrow(new SweepRunningError(first.workflowId));
    const past = await client.workflow.start<typeof sweepWorkflow>('sweepWorkflow', {
      workflowId: `sweep-past-the-client-${Date.now()}`,
      taskQueue: f.loaded.config.temporal.taskQueue,
      args: [{}],
    });
    const refused = await past.result().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WorkflowFailedError);
    expect((refused as WorkflowFailedError).cause?.message).toMatch(
      new RegExp(`^another sweep is running: ${first.workflowId} \\(${first.workflowId} is terminated, but 1 of its workflows still run\\)`),
    );
    // The termination cancels the recipe: its promote (a seed) stops once the hung deploy has, and it tears down.
    const dead = (await client.workflow.getHandle(`${first.workflowId}/solo`).result()) as RecipeResult;
    expect(dead).toMatchObject({ label: 'FAILED', reason: expect.stringMatching(/^aborted/) });

    // Its recipe has ended: the lock is stale now, and the next sweep takes it and seeds solo afresh.
    const next = await startSweep(client, f.loaded.config);
    const seeded = (await next.result()).results[0]!;
    expect(seeded).toMatchObject({ label: 'PROMOTED', version: '1.0.0+1.0' });
    expect(Date.parse(seeded.startedAt)).toBeGreaterThan(Date.parse(dead.endedAt));
  }, 300_000);

  it("a recipe run started by hand waits for the sweep's run of the recipe, then finds it current", async () => {
    const client = await testClient();
    await publishRelease('hello', f.upstream('solo'), '1.1.0+1.1');
    const sweep = await startSweep(client, f.loaded.config);
    await waitFor('the cold run', async () => (await f.abraCalls()).some((a) => a[1] === 'new' && a[3] === '1.1.0+1.1'));
    const { env, recipes } = snapshotOf(f.loaded.config, f.loaded.file, f.loaded.digest);
    const manual = await client.workflow.start<typeof recipeWorkflow>('recipeWorkflow', {
      workflowId: `by-hand-solo-${Date.now()}`,
      taskQueue: f.loaded.config.temporal.taskQueue,
      args: [{ sweepId: 'by-hand', env, recipe: recipes[0]! }],
    });
    await waitFor('the manual run waiting', async () => (await manual.query(recipeStatusQuery)).phase === 'waiting', 30_000);

    const swept = (await sweep.result()).results[0]!;
    expect(swept).toMatchObject({ label: 'PROMOTED', version: '1.1.0+1.1' });
    const afterSweep = await lines();
    const byHand = await manual.result();
    expect(byHand).toMatchObject({ label: 'SKIPPED', reason: 'no-new-version' });
    expect(Date.parse(byHand.startedAt)).toBeLessThan(Date.parse(swept.endedAt)); // it was there during the sweep…
    expect(await lines()).toBe(afterSweep); // …and touched nothing
    expect(await canonicals.read(f.stateDir, 'solo')).toMatchObject({ version: '1.1.0+1.1', status: 'idle' });
  }, 300_000);
});

/**
 * Skip and retry as Updates: the sweep answers an accepted request with what
 * it will do, and its validators reject an unknown recipe, or a retry of a
 * recipe that is not red, before anything is recorded.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterEach, describe, expect, it } from 'vitest';
import { retryUpdate, skipUpdate } from '../../contract/messages';
import { causeMessage } from '../../workflows/errors';
import { Hold, terminateLeftovers, withWorker } from './harness';
import { startSweep, sweepWorld } from './sweep-world';

/** The rejection of an update, as the client sees it. */
async function rejection(update: Promise<unknown>): Promise<string> {
  const e = await update.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(WorkflowUpdateFailedError);
  return causeMessage(e);
}

describe.sequential('sweep updates', { timeout: 30_000 }, () => {
  afterEach(terminateLeftovers);

  it('skipRecipe accepts a pending recipe, which is then skipped, and rejects an unknown one', async () => {
    const hold = new Hold();
    const world = sweepWorld({ first: { hold }, later: { tags: [] } });
    const { result, answer, unknown } = await withWorker(world.mocks, async ({ client, taskQueue }) => {
      const handle = await startSweep(client, taskQueue);
      await hold.reached;
      const answer = await handle.executeUpdate(skipUpdate, { args: ['later'] });
      const unknown = await rejection(handle.executeUpdate(skipUpdate, { args: ['nosuchrecipe'] }));
      hold.release();
      return { result: await handle.result(), answer, unknown };
    });
    expect(answer).toEqual({ recipe: 'later', message: 'later will be skipped' });
    expect(unknown).toContain('nosuchrecipe');
    expect(result.results.map((r) => [r.recipe, r.label, r.reason])).toEqual([
      ['first', 'PROMOTED', 'canonical is 1.0.0+1.0'],
      ['later', 'SKIPPED', 'skipped by operator'],
    ]);
    expect(world.log.of('syncRecipe').map((i) => i.recipe.name)).toEqual(['first']);
  });

  it('retryRecipe accepts a FAILED recipe (re-run once after the pass) and rejects unknown, PROMOTED and pending ones', async () => {
    const hold = new Hold();
    const world = sweepWorld({ green: {}, red: { redTier: 'install' }, slow: { hold }, later: { tags: [] } });
    const { result, answer, refusals } = await withWorker(world.mocks, async ({ client, taskQueue }) => {
      const handle = await startSweep(client, taskQueue);
      await hold.reached; // green is PROMOTED, red is FAILED, later has not started
      const refusals = {
        unknown: await rejection(handle.executeUpdate(retryUpdate, { args: ['nosuchrecipe'] })),
        promoted: await rejection(handle.executeUpdate(retryUpdate, { args: ['green'] })),
        pending: await rejection(handle.executeUpdate(retryUpdate, { args: ['later'] })),
      };
      const answer = await handle.executeUpdate(retryUpdate, { args: ['red'] });
      hold.release();
      return { result: await handle.result(), answer, refusals };
    });
    expect(answer).toEqual({ recipe: 'red', message: 'red will be retried once after the pass' });
    expect(refusals.unknown).toContain('nosuchrecipe');
    expect(refusals.promoted).toContain('green');
    expect(refusals.pending).toContain('later');
    const id = result.sweepId;
    // Only the accepted retry ran, after the whole pass; the refused ones left nothing behind.
    expect(world.log.calls.filter((c) => c.activity === 'syncRecipe').map((c) => c.workflowId)).toEqual([
      `${id}/green`,
      `${id}/red`,
      `${id}/slow`,
      `${id}/later`,
      `${id}/red/retry-1`,
    ]);
    expect(result.results.find((r) => r.recipe === 'red')?.workflowId).toBe(`${id}/red/retry-1`);
  });
});

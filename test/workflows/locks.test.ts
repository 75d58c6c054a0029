/**
 * One writer per recipe and one sweep at a time, on the real server's lock
 * workflows: a recipe run started by hand waits for the sweep's run of the
 * same recipe; a sweep terminated by hand still holds the sweep lock while
 * its recipe finishes a promote; two sweeps racing on a stale lock cannot
 * both run; a scheduled sweep waits for a manual one instead of failing.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { afterEach, describe, expect, it } from 'vitest';
import { recipeLockId, warmLockId } from '../../contract/ids';
import { recipeStatusQuery, releaseSignal, sweepStatusQuery } from '../../contract/messages';
import type { lockWorkflow } from '../../workflows/lock';
import type { recipeWorkflow } from '../../workflows/recipe';
import { env, Hold, pause, terminateLeftovers, uniqueId, withWorker } from './harness';
import { spec, startSweep, sweepWorld } from './sweep-world';

const UNRELEASED = { tags: [] };

describe.sequential('locks', { timeout: 60_000 }, () => {
  afterEach(terminateLeftovers);

  it("a recipe run started by hand waits for the sweep's run of the same recipe, then runs", async () => {
    const hold = new Hold();
    const world = sweepWorld({ solo: { hold } });
    const { manualId, sweepId } = await withWorker(world.mocks, async ({ client, taskQueue }) => {
      const sweep = await startSweep(client, taskQueue);
      await hold.reached;
      const manual = await client.workflow.start<typeof recipeWorkflow>('recipeWorkflow', {
        workflowId: uniqueId('manual-solo'),
        taskQueue,
        args: [{ sweepId: 'by-hand', env, recipe: spec('solo') }],
      });
      await pause(2_000);
      expect((await manual.query(recipeStatusQuery)).phase).toBe('waiting');
      hold.release();
      await sweep.result();
      await manual.result();
      return { manualId: manual.workflowId, sweepId: sweep.workflowId };
    });
    // Nothing of the manual run but its read-only look happened before the sweep's run of solo had ended.
    const calls = world.log.calls.filter((c) => c.activity !== 'lookAtRecipe');
    const order = calls.map((c) => c.workflowId);
    const lastOfSweep = order.lastIndexOf(`${sweepId}/solo`);
    const firstOfManual = order.indexOf(manualId);
    expect(firstOfManual).toBeGreaterThan(lastOfSweep);
    expect(world.log.by(manualId)[0]!.activity).toBe('lookAtRecipe');
    expect(world.log.by(manualId).map((c) => c.activity)).toContain('syncRecipe');
  });

  it('a recipe with nothing new is labelled without the lock; one with a release to test waits for it', async () => {
    const world = sweepWorld({
      steady: { tags: ['2.0.0+1.0'], canonical: '2.0.0+1.0', mirrorCurrent: true },
      fresh: { tags: ['2.0.0+1.0'], canonical: '1.0.0+1.0', mirrorCurrent: true },
    });
    await withWorker(world.mocks, async ({ client, taskQueue }) => {
      // Both recipes' locks held, as another run of each would hold them.
      const locks = await Promise.all(
        ['steady', 'fresh'].map((r) => client.workflow.start<typeof lockWorkflow>('lockWorkflow', { workflowId: recipeLockId(r), taskQueue })),
      );
      const run = (r: string) =>
        client.workflow.start<typeof recipeWorkflow>('recipeWorkflow', {
          workflowId: uniqueId(`by-hand-${r}`),
          taskQueue,
          args: [{ sweepId: 'by-hand', env, recipe: spec(r) }],
        });
      const steady = await run('steady');
      expect(await steady.result()).toMatchObject({ label: 'SKIPPED', reason: 'no-new-version' });
      const fresh = await run('fresh');
      await pause(2_000);
      expect((await fresh.query(recipeStatusQuery)).phase).toBe('waiting');
      expect(world.log.by(fresh.workflowId).map((c) => c.activity)).toEqual(['lookAtRecipe']);
      await Promise.all(locks.map((l) => l.signal(releaseSignal)));
      expect(await fresh.result()).toMatchObject({ label: 'PROMOTED', version: '2.0.0+1.0' });
    });
  });

  it("a sweep terminated mid-promote keeps the lock while its recipe's promote is in flight: a new sweep is refused, then runs after it", async () => {
    const promoteHold = new Hold();
    const world = sweepWorld({ keep: { promoteHold } });
    const { firstId, nextId } = await withWorker(world.mocks, async ({ client, taskQueue }) => {
      const first = await startSweep(client, taskQueue);
      await promoteHold.reached;
      await first.terminate('operator test: terminated by hand');
      const refused = await (await startSweep(client, taskQueue)).result().catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(WorkflowFailedError);
      expect((refused as WorkflowFailedError).cause?.message).toMatch(
        new RegExp(`^another sweep is running: ${first.workflowId} \\(${first.workflowId} is terminated, but 1 of its workflows still run\\)`),
      );
      promoteHold.release();
      await client.workflow.getHandle(`${first.workflowId}/keep`).result();
      // Its recipe has ended: the lock is stale now, and the next sweep takes it.
      const next = await startSweep(client, taskQueue);
      await next.result();
      return { firstId: first.workflowId, nextId: next.workflowId };
    });
    const order = world.log.calls.map((c) => c.workflowId);
    expect(order.indexOf(`${nextId}/keep`)).toBeGreaterThan(order.lastIndexOf(`${firstId}/keep`));
  });

  it('two sweeps racing on a stale lock never run at once', async () => {
    const hold = new Hold();
    const long = new Hold();
    const world = sweepWorld({ r: UNRELEASED, held: { hold }, long: { hold: long } });
    const outcomes = await withWorker(world.mocks, async ({ client, taskQueue }) => {
      const first = await startSweep(client, taskQueue);
      await hold.reached;
      await first.terminate('operator test: terminated by hand');
      hold.release(); // for the racers' own runs of it
      await client.workflow
        .getHandle(`${first.workflowId}/held`)
        .result()
        .catch(() => undefined); // cancelled with its parent; its teardown runs first
      const racers = await Promise.all([startSweep(client, taskQueue), startSweep(client, taskQueue)]);
      // The winner stops in "long"; the loser meanwhile must have been refused.
      const settled = racers.map((h) =>
        h.result().then(
          (r) => `ran ${r.sweepId}`,
          (e: WorkflowFailedError) => `refused: ${e.cause?.message}`,
        ),
      );
      const loser = await Promise.race(settled);
      long.release();
      return [loser, ...(await Promise.all(settled))];
    });
    const [first, ...both] = outcomes;
    expect(first).toMatch(/^refused: another sweep is running: sweep-\S+; wait for it or abort it first$/);
    expect(both.filter((o) => o.startsWith('ran '))).toHaveLength(1);
  });

  it('a scheduled sweep waits for a sweep started by hand, then runs', async () => {
    const hold = new Hold();
    const world = sweepWorld({ slow: { hold } });
    const scheduled = await withWorker(world.mocks, async ({ client, taskQueue }) => {
      const manual = await startSweep(client, taskQueue);
      await hold.reached;
      const scheduled = await startSweep(client, taskQueue, {}, uniqueId('sweep-scheduled'));
      await pause(2_000);
      expect(world.log.of('loadConfigSnapshot')).toHaveLength(1); // still waiting for the lock
      hold.release();
      await manual.result();
      return scheduled.result();
    });
    expect(scheduled.results.map((r) => [r.recipe, r.label])).toEqual([['slow', 'SKIPPED']]);
  });

  it('a sweep does not start its recipes while the proxy is being deployed, then runs', async () => {
    const world = sweepWorld({ solo: UNRELEASED }, { proxyApp: 'proxy-app' });
    const result = await withWorker(world.mocks, async ({ client, taskQueue }) => {
      // The proxy's warm lock, held as a deploy of it holds it (one started by hand has no parent: held all the same).
      const deploy = await client.workflow.start<typeof lockWorkflow>('lockWorkflow', { workflowId: warmLockId('proxy-app'), taskQueue });
      const sweep = await startSweep(client, taskQueue);
      await pause(2_500);
      expect(world.log.of('syncRecipe')).toHaveLength(0);
      expect((await sweep.query(sweepStatusQuery)).state).toBe('starting');
      await deploy.signal(releaseSignal);
      return sweep.result();
    });
    expect(result.results.map((r) => [r.recipe, r.label])).toEqual([['solo', 'SKIPPED']]);
  });

  it('scale-out: a recipe whose canonical lives on a node runs there, and records it', async () => {
    const world = sweepWorld(
      { pinned: { tags: ['2.0.0+2.0'], canonical: '1.0.0+1.0' }, a: UNRELEASED, b: UNRELEASED },
      {
        nodes: [
          { name: 'n1', server: 's1' },
          { name: 'n2', server: 's2' },
        ],
        pins: { pinned: 'n2' },
      },
    );
    const result = await withWorker(world.mocks, async ({ client, taskQueue }) => (await startSweep(client, taskQueue)).result());
    expect(result.results.map((r) => [r.recipe, r.label])).toEqual([
      ['pinned', 'PROMOTED'],
      ['a', 'SKIPPED'],
      ['b', 'SKIPPED'],
    ]);
    // The first lane (n1) would have taken it first; the pin sent it to n2's server.
    expect(world.log.of('syncRecipe').find((i) => i.recipe.name === 'pinned')!.env.server).toBe('s2');
    expect(world.log.of('recordCanonical')).toMatchObject([{ recipe: { name: 'pinned' }, version: '2.0.0+2.0', node: 'n2' }]);
    // A node keeps its recipes' mirrors and records: the sweep does not look itself, each recipe's workflow does, on its node.
    expect(world.log.by(result.sweepId).filter((c) => c.activity === 'lookAtRecipe')).toEqual([]);
    expect(
      world.log
        .of('lookAtRecipe')
        .map((i) => i.recipe.name)
        .sort(),
    ).toEqual(['a', 'b', 'pinned']);
  });
});

/**
 * The sweep and recipe workflows with mocked activities: labels, teardown,
 * lanes, continue-as-new, and the operator's abort, skip and retry signals.
 * One sweep at a time on the whole server (the lock has a fixed id), so the
 * tests run one after the other and leave nothing running.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SWEEP_LOCK_ID } from '../../contract/ids';
import { SA } from '../../contract/search-attributes';
import { abortSignal, retrySignal, skipSignal } from '../../contract/messages';
import { Hold, sharedClient, terminateLeftovers, withWorker } from './harness';
import { GREEN_AND_PROMOTED, startSweep, sweepWorld } from './sweep-world';

/** A recipe with no release: four quick steps, for tests about the sweep rather than one recipe. */
const UNRELEASED = { tags: [] };
const NEVER_RELEASED = ['SKIPPED', 'never-released'];

const labels = (r: { results: { recipe: string; label: string; reason: string }[] }) => r.results.map((x) => [x.recipe, x.label, x.reason]);

describe.sequential('sweep workflow', { timeout: 30_000 }, () => {
  afterEach(terminateLeftovers);

  it('labels each recipe from what happened, tears the cold app down after the tiers even when one is red', async () => {
    const world = sweepWorld({
      hello: {},
      broken: { redTier: 'upgrade' },
      unreleased: { tags: [] },
      oldstyle: { tags: ['v2.4.8', 'v2.5.0'] },
      current: { tags: ['2.0.0+1.0'], canonical: '2.0.0+1.0' },
      vanished: { syncFails: 'git fetch: repository not found' },
      flaky: { promoteFails: 'warm deploy not healthy' },
      steady: { tags: ['2.0.0+1.0'], canonical: '2.0.0+1.0', mirrorCurrent: true },
      fresh: { mirrorCurrent: true },
    });
    const result = await withWorker(world.mocks, async ({ client, taskQueue }) => (await startSweep(client, taskQueue)).result());

    expect(labels(result)).toEqual([
      ['hello', 'PROMOTED', 'canonical is 1.0.0+1.0'],
      ['broken', 'FAILED', 'upgrade: upgrade broke (canonical unchanged: none)'],
      ['unreleased', 'SKIPPED', 'never-released'],
      [
        'oldstyle',
        'SKIPPED',
        'never-released; ignored tags: v2.4.8 (v-prefixed: Co-op Cloud release tags are <version>+<upstream>, without a v), v2.5.0 (v-prefixed: Co-op Cloud release tags are <version>+<upstream>, without a v)',
      ],
      ['current', 'SKIPPED', 'no-new-version'],
      ['vanished', 'FAILED', 'mirror-sync failed: git fetch: repository not found (canonical unchanged: none)'],
      ['flaky', 'GREEN_BUT_PROMOTE_FAILED', 'canonical=none, expected 1.0.0+1.0: warm deploy not healthy'],
      ['steady', 'SKIPPED', 'no-new-version'],
      ['fresh', 'PROMOTED', 'canonical is 1.0.0+1.0'],
    ]);
    const id = result.sweepId;
    expect(world.steps(`${id}/hello`)).toEqual(GREEN_AND_PROMOTED);
    expect(world.log.of('recordCanonical')).toMatchObject([
      { recipe: { name: 'hello' }, version: '1.0.0+1.0', commit: '1.0.0+1.0-commit' },
      { recipe: { name: 'fresh' }, version: '1.0.0+1.0', commit: '1.0.0+1.0-commit' },
    ]);
    // A red tier stops the tiers after it, the teardown still runs, nothing is promoted.
    expect(world.steps(`${id}/broken`)).toEqual([
      'syncRecipe',
      'readCanonical',
      'prepareColdRun',
      'runTier:install',
      'runTier:upgrade',
      'teardownColdApp',
      'readCanonical',
      'writeRecipeResult',
    ]);
    // Skips decide from the tags and the registry only: no cold run at all.
    // The sweep looks at every recipe first; it finds each mirror behind upstream (the world's default), so each syncs under the lock.
    const sweepCalls = world.log.by(id);
    expect(sweepCalls.filter((c) => c.activity === 'lookAtRecipe').map((c) => (c.input as { recipe: { name: string } }).recipe.name)).toEqual([
      'hello',
      'broken',
      'unreleased',
      'oldstyle',
      'current',
      'vanished',
      'flaky',
      'steady',
      'fresh',
    ]);
    expect(world.steps(`${id}/unreleased`)).toEqual(['syncRecipe', 'readCanonical', 'readCanonical', 'writeRecipeResult']);
    expect(world.steps(`${id}/current`)).toEqual(['syncRecipe', 'readCanonical', 'readCanonical', 'writeRecipeResult']);
    expect(world.steps(`${id}/vanished`)).toEqual(['syncRecipe', 'readCanonical', 'writeRecipeResult']);
    // Nothing new upstream since the mirror's last sync, canonical at the latest release: the sweep's look settles it,
    // with its result file written by the sweep, and no recipe workflow at all.
    expect(world.steps(`${id}/steady`)).toEqual([]);
    expect(sweepCalls.filter((c) => c.activity === 'writeRecipeResult').map((c) => (c.input as { result: { recipe: string } }).result)).toEqual([
      expect.objectContaining({ recipe: 'steady', label: 'SKIPPED', reason: 'no-new-version', workflowId: id, decision: 'skip no-new-version' }),
    ]);
    expect(result.results.find((r) => r.recipe === 'steady')).toMatchObject({
      workflowId: id,
      version: '2.0.0+1.0',
      canonical: { before: '2.0.0+1.0', after: '2.0.0+1.0' },
    });
    // A mirror already current with a release to test: the look falls through to the whole run.
    expect(world.steps(`${id}/fresh`)).toEqual(GREEN_AND_PROMOTED);
    // A failed promote stops before the record; the cold app was torn down before it.
    expect(world.steps(`${id}/flaky`)).toEqual([...GREEN_AND_PROMOTED.slice(0, 10), 'readCanonical', 'writeRecipeResult']);
    expect(world.log.of('writeSweepReport')).toMatchObject([{ result: { sweepId: id, aborted: false, configDigest: 'digest-1' } }]);
  });

  it('runs two recipes at once with lanes: 2', async () => {
    // Each recipe waits in mirror-sync for a second one to be in flight: with one lane they would fail.
    const world = sweepWorld({ a: UNRELEASED, b: UNRELEASED, c: UNRELEASED }, { lanes: 2, meetInSync: true });
    const result = await withWorker(world.mocks, async ({ client, taskQueue }) => (await startSweep(client, taskQueue)).result());
    expect(result.results.map((r) => r.reason)).toEqual(['never-released', 'never-released', 'never-released']);
    expect(world.maxInFlight()).toBe(2);
  });

  it('never runs two recipes at once with one lane', async () => {
    const world = sweepWorld({ a: UNRELEASED, b: UNRELEASED, c: UNRELEASED }, { lanes: 1, syncMs: 200 });
    const result = await withWorker(world.mocks, async ({ client, taskQueue }) => (await startSweep(client, taskQueue)).result());
    expect(result.results.map((r) => r.reason)).toEqual(['never-released', 'never-released', 'never-released']);
    expect(world.maxInFlight()).toBe(1);
  });

  it('continues as new when its history is long, keeps every result and releases the lock', async () => {
    const names = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'];
    const world = sweepWorld(Object.fromEntries(names.map((n) => [n, UNRELEASED])));
    const { result, firstRun } = await withWorker(world.mocks, async ({ client, taskQueue }) => {
      const handle = await startSweep(client, taskQueue, { continueAsNewAfterEvents: 30 });
      const result = await handle.result();
      return { result, firstRun: await client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).describe() };
    });
    expect(firstRun.status.name).toBe('CONTINUED_AS_NEW');
    expect(labels(result)).toEqual(names.map((n) => [n, ...NEVER_RELEASED]));
    // Each recipe ran once: the next run took over where the last one stopped.
    expect(world.log.of('syncRecipe').map((i) => i.recipe.name)).toEqual(names);
    expect(world.log.of('loadConfigSnapshot')).toHaveLength(1);
    const lock = await (await sharedClient()).workflow.getHandle(SWEEP_LOCK_ID).describe();
    expect(lock.status.name).toBe('COMPLETED');
  });

  it('on abort cancels the running recipe (its teardown still runs) and skips the rest', async () => {
    const hold = new Hold();
    const world = sweepWorld({ a: UNRELEASED, b: { hold }, c: UNRELEASED });
    const result = await withWorker(world.mocks, async ({ client, taskQueue }) => {
      const handle = await startSweep(client, taskQueue);
      await hold.reached;
      await handle.signal(abortSignal, 'maintenance window');
      return handle.result();
    });
    expect(result).toMatchObject({ aborted: true, abortReason: 'maintenance window' });
    expect(labels(result)).toEqual([
      ['a', ...NEVER_RELEASED],
      ['b', 'FAILED', 'aborted: maintenance window (canonical unchanged: none)'],
      ['c', 'SKIPPED', 'aborted: maintenance window'],
    ]);
    expect(hold.cancelled).toBe(true);
    expect(world.steps(`${result.sweepId}/b`)).toEqual([
      'syncRecipe',
      'readCanonical',
      'prepareColdRun',
      'runTier:install',
      'teardownColdApp',
      'readCanonical',
      'writeRecipeResult',
    ]);
    expect(world.log.of('syncRecipe').map((i) => i.recipe.name)).toEqual(['a', 'b']);
  });

  it('skips a pending recipe when an operator signals skip', async () => {
    const hold = new Hold();
    const world = sweepWorld({ a: { hold }, b: UNRELEASED, c: UNRELEASED });
    const result = await withWorker(world.mocks, async ({ client, taskQueue }) => {
      const handle = await startSweep(client, taskQueue);
      await hold.reached;
      await handle.signal(skipSignal, 'b');
      hold.release();
      return handle.result();
    });
    expect(labels(result)).toEqual([
      ['a', 'PROMOTED', 'canonical is 1.0.0+1.0'],
      ['b', 'SKIPPED', 'skipped by operator'],
      ['c', ...NEVER_RELEASED],
    ]);
    expect(world.log.of('syncRecipe').map((i) => i.recipe.name)).toEqual(['a', 'c']);
  });

  it('re-runs a red recipe once after the pass when an operator signals retry', async () => {
    const hold = new Hold();
    const world = sweepWorld({ red: { redTier: 'install' }, slow: { hold } });
    const result = await withWorker(world.mocks, async ({ client, taskQueue }) => {
      const handle = await startSweep(client, taskQueue);
      await hold.reached; // red has finished, FAILED
      await handle.signal(retrySignal, 'red');
      hold.release();
      return handle.result();
    });
    const id = result.sweepId;
    expect(result.results.map((r) => [r.recipe, r.label, r.workflowId])).toEqual([
      ['red', 'FAILED', `${id}/red/retry-1`],
      ['slow', 'PROMOTED', `${id}/slow`],
    ]);
    // The retry came after the whole pass, once.
    expect(world.log.of('syncRecipe').map((i) => i.recipe.name)).toEqual(['red', 'slow', 'red']);
    expect(world.log.calls.filter((c) => c.activity === 'syncRecipe').map((c) => c.workflowId)).toEqual([`${id}/red`, `${id}/slow`, `${id}/red/retry-1`]);
  });

  it('keeps an abort that arrives while it is still starting: nothing runs, every recipe SKIPPED aborted', async () => {
    const loadHold = new Hold();
    const world = sweepWorld({ a: {}, b: {} }, { loadHold });
    const result = await withWorker(world.mocks, async ({ client, taskQueue }) => {
      const handle = await startSweep(client, taskQueue);
      await loadHold.reached;
      await handle.signal(abortSignal, 'wrong day');
      loadHold.release();
      return handle.result();
    });
    expect(result).toMatchObject({ aborted: true, abortReason: 'wrong day' });
    expect(labels(result)).toEqual([
      ['a', 'SKIPPED', 'aborted: wrong day'],
      ['b', 'SKIPPED', 'aborted: wrong day'],
    ]);
    expect(world.log.of('syncRecipe')).toEqual([]);
  });

  it("carries short reasons, so many red recipes with long output stay within Temporal's payload limits", async () => {
    // 16 recipes whose red tier printed 150 KB each: 4.8 MB of reasons (tier and recipe) would break the 2 MB payload limit.
    const names = Array.from({ length: 16 }, (_, i) => `red${i}`);
    const long = `exited 1: ${'output '.repeat(150_000 / 7)}`;
    const world = sweepWorld(Object.fromEntries(names.map((n) => [n, { redTier: 'install' as const, redReason: `first line\n${long}` }])), { lanes: 4 });
    const result = await withWorker(world.mocks, async ({ client, taskQueue }) => (await startSweep(client, taskQueue)).result());
    expect(result.results.map((r) => [r.label, r.reason])).toEqual(names.map(() => ['FAILED', 'install: first line…']));
    expect(result.results.every((r) => r.tiers.every((t) => (t.reason?.length ?? 0) <= 400))).toBe(true);
  }, 60_000);

  it('re-runs a red tier on a fresh cold app up to flakeRetries: a later pass is green and reported flaky; a steady failure stays red', async () => {
    const world = sweepWorld({
      flake: { redTier: 'custom', redRuns: 1, redReason: 'timeout talking to the app', flakeRetries: 2 },
      steady: { redTier: 'custom', flakeRetries: 2 },
      strict: { redTier: 'custom', redRuns: 1 },
    });
    const result = await withWorker(world.mocks, async ({ client, taskQueue }) => (await startSweep(client, taskQueue)).result());
    expect(labels(result)).toEqual([
      ['flake', 'PROMOTED', 'canonical is 1.0.0+1.0'],
      ['steady', 'FAILED', 'custom: custom broke (canonical unchanged: none)'],
      ['strict', 'FAILED', 'custom: custom broke (canonical unchanged: none)'],
    ]);
    expect(result.results[0]!.tiers.find((t) => t.tier === 'custom')).toMatchObject({
      status: 'pass',
      flaky: 1,
      reason: 'flaky: passed on re-run 1 after: timeout talking to the app',
    });
    const customRuns = (r: string) => world.log.of('runTier').filter((i) => i.recipe.name === r && i.tier === 'custom');
    expect(customRuns('flake').map((i) => Boolean(i.fresh))).toEqual([false, true]);
    expect(customRuns('steady').map((i) => Boolean(i.fresh))).toEqual([false, true, true]);
    expect(customRuns('strict')).toHaveLength(1);
    const client = await sharedClient();
    const described = await client.workflow.getHandle(`${result.sweepId}/flake`).describe();
    expect(described.typedSearchAttributes.get(SA.flaky)).toBe('custom');
  });

  it('a failed advance puts the canonical back: snapshot before, restore of the recorded version after', async () => {
    const world = sweepWorld({ adv: { tags: ['1.0.0+1.0', '2.0.0+2.0'], canonical: '1.0.0+1.0', promoteFails: 'warm-adv not healthy (crash-looping)' } });
    const result = await withWorker(world.mocks, async ({ client, taskQueue }) => (await startSweep(client, taskQueue)).result());
    expect(result.results[0]).toMatchObject({ label: 'GREEN_BUT_PROMOTE_FAILED', canonical: { before: '1.0.0+1.0', after: '1.0.0+1.0' } });
    expect(result.results[0]!.reason).toMatch(
      /warm-adv not healthy \(crash-looping\); canonical restored: warm-adv\.ci\.test\.local back at 1\.0\.0\+1\.0, healthy, idle$/,
    );
    expect(world.steps(`${result.sweepId}/adv`).slice(-7)).toEqual([
      'teardownColdApp',
      'snapshotCanonical',
      'promoteDeploy',
      'restoreCanonical',
      'dropCanonicalSnapshot',
      'readCanonical',
      'writeRecipeResult',
    ]);
    expect(world.log.of('restoreCanonical')).toMatchObject([{ version: '1.0.0+1.0', domain: 'warm-adv.ci.test.local' }]);
  });

  it('a failed advance that cannot be put back keeps the snapshot, says so and alerts a person', async () => {
    const world = sweepWorld({
      adv: { tags: ['1.0.0+1.0', '2.0.0+2.0'], canonical: '1.0.0+1.0', promoteFails: 'warm-adv not healthy', restoreFails: 'restore: disk full' },
    });
    const result = await withWorker(world.mocks, async ({ client, taskQueue }) => (await startSweep(client, taskQueue)).result());
    expect(result.results[0]).toMatchObject({ label: 'GREEN_BUT_PROMOTE_FAILED', canonical: { before: '1.0.0+1.0', after: '1.0.0+1.0' } });
    expect(result.results[0]!.reason).toMatch(/; canonical NOT restored \(restore: disk full\): its snapshot is kept .*snapshots\/adv; restore it by hand/);
    expect(world.log.of('dropCanonicalSnapshot')).toEqual([]);
    expect(world.log.of('writeAlert')).toMatchObject([
      {
        alert: {
          app: 'adv',
          reason: 'canonical-not-restored',
          version: '2.0.0+2.0',
          lastGood: '1.0.0+1.0',
          state: expect.stringMatching(/^canonical NOT restored/),
        },
      },
    ]);
  });

  it('a good advance drops its snapshot; a seed takes none', async () => {
    const world = sweepWorld({ adv: { tags: ['2.0.0+2.0'], canonical: '1.0.0+1.0' }, seed: {} });
    const result = await withWorker(world.mocks, async ({ client, taskQueue }) => (await startSweep(client, taskQueue)).result());
    expect(result.results.map((r) => r.label)).toEqual(['PROMOTED', 'PROMOTED']);
    expect(world.log.of('snapshotCanonical').map((i) => i.recipe.name)).toEqual(['adv']);
    expect(world.log.of('dropCanonicalSnapshot').map((i) => i.recipe.name)).toEqual(['adv']);
    expect(world.log.of('restoreCanonical')).toEqual([]);
  });
});

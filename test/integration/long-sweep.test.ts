/**
 * A long sweep continues as new between recipes, carrying its state, so its
 * history stays short however many recipes there are; the lock survives the
 * hand-over, and a lock left by a sweep terminated by hand does not block the
 * next one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runningSweep, startSweep } from '../../client/sweep';
import { SWEEP_LOCK_ID } from '../../contract/ids';
import { makeFixture, type Fixture } from '../helpers/fixture';
import { endRunningSweep, startWorker, testClient, waitFor } from '../helpers/temporal';

const NAMES = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'];

describe('long sweeps', () => {
  let f: Fixture;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  beforeAll(async () => {
    f = await makeFixture(
      'long',
      NAMES.map((name) => ({ name, from: 'unreleased' })),
      { sweep: { lanes: 2 } },
    );
    worker = await startWorker(f);
  });
  afterAll(async () => {
    await endRunningSweep();
    await worker?.stop();
  });

  it('continue as new with every result kept, and release the lock at the end', async () => {
    const client = await testClient();
    const handle = await startSweep(client, f.loaded.config, { continueAsNewAfterEvents: 30 });
    const result = await handle.result();
    expect(result.results.map((r) => [r.recipe, r.label, r.reason])).toEqual(NAMES.map((n) => [n, 'SKIPPED', 'never-released']));

    const runs: number[] = [];
    for await (const w of client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) runs.push(w.historyLength ?? 0);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...runs)).toBeLessThan(80);

    // The next sweep starts at once: the lock was released (or is cleared as stale).
    const next = await startSweep(client, f.loaded.config, { recipes: ['u1'] });
    expect((await next.result()).results).toHaveLength(1);
  });

  it('clear the lock of a sweep that was terminated by hand', async () => {
    const client = await testClient();
    const stuck = await startSweep(client, f.loaded.config);
    await waitFor('the lock', async () => (await client.workflow.getHandle(SWEEP_LOCK_ID).describe()).status.name === 'RUNNING');
    await stuck.terminate('operator test');
    expect((await client.workflow.getHandle(SWEEP_LOCK_ID).describe()).status.name).toBe('RUNNING'); // abandoned, outlives its sweep
    // The lock counts as held until the dead sweep's recipes have ended (cancelled with it), then it is stale.
    await waitFor('its recipes to end', async () => (await runningSweep(client)) === null, 60_000);
    const next = await startSweep(client, f.loaded.config, { recipes: ['u2'], workflowId: `${stuck.workflowId}-next` });
    expect((await next.result()).results.map((r) => r.label)).toEqual(['SKIPPED']);
  });
});

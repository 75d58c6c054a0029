/**
 * The converge workflow with mocked activities: apps deploy in dependency
 * order (each as a real warmDeployWorkflow child), and an app that does not
 * come up blocks the apps after it but not independent ones.
 */
import type { Client } from '@temporalio/client';
import { afterEach, describe, expect, it } from 'vitest';
import type { convergeWorkflow } from '../../workflows/converge';
import { terminateLeftovers, uniqueId, withWorker } from './harness';
import { warmWorld } from './warm-world';

const startConverge = (client: Client, taskQueue: string) =>
  client.workflow.start<typeof convergeWorkflow>('convergeWorkflow', { workflowId: uniqueId('converge-warm'), taskQueue, args: [] });

const healthy = { latest: '1.0.0+1.0', lastGood: null, healthy: ['1.0.0+1.0'] };

describe('converge workflow', { timeout: 30_000 }, () => {
  afterEach(terminateLeftovers);

  it('deploys dependencies first, reports in config order, and counts a rolled-back app as up', async () => {
    // dash is listed first but comes after the proxy; the proxy's new release is rolled back.
    const world = warmWorld({
      dash: { ...healthy, after: ['proxy'] },
      proxy: { latest: '2.0.0+2.0', lastGood: '1.0.0+1.0', healthy: ['1.0.0+1.0'] },
      solo: healthy,
    });
    const result = await withWorker(world.mocks, async ({ client, taskQueue }) => (await startConverge(client, taskQueue)).result());
    expect(result.apps.map((a) => [a.app, a.outcome, a.version])).toEqual([
      ['dash', 'HEALTHY', '1.0.0+1.0'],
      ['proxy', 'ROLLED_BACK', '2.0.0+2.0'],
      ['solo', 'HEALTHY', '1.0.0+1.0'],
    ]);
    expect(world.log.of('loadWarmApp').map((i) => i.app)).toEqual(['proxy', 'dash', 'solo']);
    expect(world.log.calls.filter((c) => c.activity === 'loadWarmApp').map((c) => c.workflowId)).toEqual(
      ['proxy', 'dash', 'solo'].map((a) => `${result.workflowId}/${a}`),
    );
  });

  it('skips the apps after one that did not come up, and still runs independent ones', async () => {
    const world = warmWorld({
      proxy: { latest: '1.0.0+1.0', lastGood: null, healthy: [] },
      dash: { ...healthy, after: ['proxy'] },
      widget: { ...healthy, after: ['dash'] },
      solo: healthy,
    });
    const result = await withWorker(world.mocks, async ({ client, taskQueue }) => (await startConverge(client, taskQueue)).result());
    expect(result.apps.map((a) => [a.app, a.outcome, a.outcome === 'SKIPPED' ? a.reason : a.version])).toEqual([
      ['proxy', 'FAILED', '1.0.0+1.0'],
      ['dash', 'SKIPPED', 'proxy did not come up'],
      ['widget', 'SKIPPED', 'dash did not come up'],
      ['solo', 'HEALTHY', '1.0.0+1.0'],
    ]);
    expect(world.log.of('loadWarmApp').map((i) => i.app)).toEqual(['proxy', 'solo']);
  });
});

/**
 * The health-gated warm deploy with mocked activities: every branch of the
 * rollback tree, each with the outcome, the alert and the steps it took.
 */
import type { Client } from '@temporalio/client';
import { afterEach, describe, expect, it } from 'vitest';
import { abortSignal } from '../../contract/messages';
import type { warmDeployWorkflow } from '../../workflows/warm';
import { Hold, terminateLeftovers, uniqueId, withWorker } from './harness';
import { warmWorld, type WarmScript } from './warm-world';

const startDeploy = (client: Client, taskQueue: string) =>
  client.workflow.start<typeof warmDeployWorkflow>('warmDeployWorkflow', { workflowId: uniqueId('deploy-traefik'), taskQueue, args: [{ app: 'traefik' }] });

/** Deploys traefik in a world scripted by `s` and returns the result with the world's log. */
async function deploy(s: WarmScript) {
  const world = warmWorld({ traefik: s });
  const result = await withWorker(world.mocks, async ({ client, taskQueue }) => (await startDeploy(client, taskQueue)).result());
  return { result, world, alerts: world.log.of('writeAlert').map((i) => i.alert), lastGoodRecorded: world.log.of('recordLastGood').map((i) => i.version) };
}

describe('warm deploy workflow', { timeout: 30_000 }, () => {
  afterEach(terminateLeftovers);

  it('healthy: records the release as last-good, no alert', async () => {
    const { result, world, alerts, lastGoodRecorded } = await deploy({ latest: '2.0.0+2.0', lastGood: '1.0.0+1.0', healthy: ['2.0.0+2.0'] });
    expect(result).toMatchObject({ outcome: 'HEALTHY', version: '2.0.0+2.0', lastGood: '2.0.0+2.0', alert: null, reason: 'healthy after 2 probes (2s)' });
    expect(world.deploys('traefik')).toEqual(['2.0.0+2.0']);
    expect(lastGoodRecorded).toEqual(['2.0.0+2.0']);
    expect(alerts).toEqual([]);
  });

  it('unhealthy with an older last-good: rolls back to it, gates it again, alerts unhealthy-on-latest', async () => {
    const { result, world, alerts, lastGoodRecorded } = await deploy({ latest: '2.0.0+2.0', lastGood: '1.0.0+1.0', healthy: ['1.0.0+1.0'] });
    expect(result).toMatchObject({ outcome: 'ROLLED_BACK', version: '2.0.0+2.0', lastGood: '1.0.0+1.0' });
    expect(result.reason).toBe('unhealthy on 2.0.0+2.0: ECONNREFUSED after 10s; traefik serving last-good 1.0.0+1.0 again');
    expect(world.deploys('traefik')).toEqual(['2.0.0+2.0', '1.0.0+1.0']);
    expect(world.log.of('gateWarm')).toHaveLength(2);
    expect(lastGoodRecorded).toEqual([]);
    expect(alerts).toMatchObject([{ app: 'traefik', reason: 'unhealthy-on-latest', version: '2.0.0+2.0', lastGood: '1.0.0+1.0' }]);
    expect(result.alert).toBe(`/nonexistent/state/alerts/${world.log.of('writeAlert')[0]!.key}.json`);
  });

  it('unhealthy and the rollback unhealthy too: FAILED, alerts unhealthy-after-rollback', async () => {
    const { result, world, alerts, lastGoodRecorded } = await deploy({ latest: '2.0.0+2.0', lastGood: '1.0.0+1.0', healthy: [] });
    expect(lastGoodRecorded).toEqual([]);
    expect(result).toMatchObject({ outcome: 'FAILED', lastGood: '1.0.0+1.0' });
    expect(result.reason).toContain('traefik rolled back to 1.0.0+1.0, which is unhealthy too (ECONNREFUSED)');
    expect(world.deploys('traefik')).toEqual(['2.0.0+2.0', '1.0.0+1.0']);
    expect(alerts).toMatchObject([{ reason: 'unhealthy-after-rollback', version: '2.0.0+2.0', lastGood: '1.0.0+1.0' }]);
  });

  it('unhealthy with no last-good: FAILED, left at the release, alerts unhealthy-no-last-good', async () => {
    const { result, world, alerts, lastGoodRecorded } = await deploy({ latest: '2.0.0+2.0', lastGood: null, healthy: [] });
    expect(lastGoodRecorded).toEqual([]);
    expect(result).toMatchObject({ outcome: 'FAILED', lastGood: null });
    expect(world.deploys('traefik')).toEqual(['2.0.0+2.0']);
    expect(alerts).toMatchObject([
      {
        reason: 'unhealthy-no-last-good',
        version: '2.0.0+2.0',
        lastGood: null,
        state: 'traefik left at 2.0.0+2.0, unhealthy; no last-good version to roll back to',
      },
    ]);
  });

  it('unhealthy on the last-good version itself: FAILED without a rollback, alerts unhealthy-on-last-good', async () => {
    const { result, world, alerts, lastGoodRecorded } = await deploy({ latest: '1.0.0+1.0', lastGood: '1.0.0+1.0', healthy: [] });
    expect(lastGoodRecorded).toEqual([]);
    expect(result).toMatchObject({ outcome: 'FAILED', lastGood: '1.0.0+1.0' });
    expect(world.deploys('traefik')).toEqual(['1.0.0+1.0']);
    expect(alerts).toMatchObject([{ reason: 'unhealthy-on-last-good', version: '1.0.0+1.0', lastGood: '1.0.0+1.0' }]);
  });

  it('a deploy that fails counts as unhealthy: no gate on it, rolled back, alerted', async () => {
    const { result, world, alerts, lastGoodRecorded } = await deploy({
      latest: '2.0.0+2.0',
      lastGood: '1.0.0+1.0',
      healthy: ['1.0.0+1.0'],
      deployFails: ['2.0.0+2.0'],
    });
    expect(lastGoodRecorded).toEqual([]);
    expect(result).toMatchObject({ outcome: 'ROLLED_BACK', lastGood: '1.0.0+1.0' });
    expect(result.reason).toMatch(/^unhealthy on 2\.0\.0\+2\.0: deploy failed: abra deploy 2\.0\.0\+2\.0 exited 1/);
    expect(world.deploys('traefik')).toEqual(['2.0.0+2.0', '1.0.0+1.0']);
    expect(world.log.of('gateWarm')).toHaveLength(1); // only the rollback's
    expect(alerts).toMatchObject([{ reason: 'unhealthy-on-latest' }]);
  });

  it('a gate that errors (not just unhealthy) counts as unhealthy: rolled back and alerted, never a failed workflow', async () => {
    const { result, world, alerts, lastGoodRecorded } = await deploy({
      latest: '2.0.0+2.0',
      lastGood: '1.0.0+1.0',
      healthy: ['1.0.0+1.0', '2.0.0+2.0'],
      gateFails: ['2.0.0+2.0'],
    });
    expect(result).toMatchObject({ outcome: 'ROLLED_BACK', lastGood: '1.0.0+1.0' });
    expect(result.reason).toMatch(
      /^unhealthy on 2\.0\.0\+2\.0: health gate failed: activity Heartbeat timeout on 2\.0\.0\+2\.0 after 0s; traefik serving last-good/,
    );
    expect(world.deploys('traefik')).toEqual(['2.0.0+2.0', '1.0.0+1.0']);
    expect(lastGoodRecorded).toEqual([]);
    expect(alerts).toMatchObject([{ reason: 'unhealthy-on-latest' }]);
  });

  it("a rollback that fails is FAILED with an alert stating the app's possible state and what to do", async () => {
    const { result, alerts, lastGoodRecorded } = await deploy({ latest: '2.0.0+2.0', lastGood: '1.0.0+1.0', healthy: [], deployFails: ['1.0.0+1.0'] });
    expect(result).toMatchObject({ outcome: 'FAILED', lastGood: '1.0.0+1.0' });
    expect(lastGoodRecorded).toEqual([]);
    expect(alerts).toMatchObject([{ reason: 'rollback-failed', version: '2.0.0+2.0', lastGood: '1.0.0+1.0' }]);
    expect(alerts[0]!.state).toMatch(
      /^traefik: the rollback to 1\.0\.0\+1\.0 failed \(abra deploy 1\.0\.0\+1\.0 exited 1\); it may run 2\.0\.0\+2\.0, 1\.0\.0\+1\.0 or neither\. .*by hand/,
    );
    expect(result.alert).not.toBeNull();
  });

  it('a rollback whose gate errors is unhealthy after the rollback, alerted', async () => {
    const { result, alerts } = await deploy({ latest: '2.0.0+2.0', lastGood: '1.0.0+1.0', healthy: [], gateFails: ['1.0.0+1.0'] });
    expect(result).toMatchObject({ outcome: 'FAILED', lastGood: '1.0.0+1.0' });
    expect(alerts).toMatchObject([{ reason: 'unhealthy-after-rollback' }]);
    expect(alerts[0]!.state).toMatch(/which is unhealthy too \(health gate failed: activity Heartbeat timeout on 1\.0\.0\+1\.0\)/);
  });

  it('an abort during the gate stops it and rolls back, without an alert', async () => {
    const gateHold = new Hold();
    const world = warmWorld({ traefik: { latest: '2.0.0+2.0', lastGood: '1.0.0+1.0', healthy: ['1.0.0+1.0', '2.0.0+2.0'], gateHold } });
    const result = await withWorker(world.mocks, async ({ client, taskQueue }) => {
      const handle = await startDeploy(client, taskQueue);
      await gateHold.reached;
      await handle.signal(abortSignal, 'wrong release');
      return handle.result();
    });
    expect(result).toMatchObject({ outcome: 'ROLLED_BACK', lastGood: '1.0.0+1.0', alert: null });
    expect(result.reason).toBe('aborted: wrong release; traefik serving last-good 1.0.0+1.0 again');
    expect(gateHold.cancelled).toBe(true);
    expect(world.deploys('traefik')).toEqual(['2.0.0+2.0', '1.0.0+1.0']);
    expect(world.log.of('writeAlert')).toEqual([]);
    expect(world.log.of('recordLastGood')).toEqual([]);
  });
});

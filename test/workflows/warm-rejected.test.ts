/**
 * Rejected releases remembered: a release that failed its gate is not
 * deployed again (the app stays on last-good, gated, no alert) until a newer
 * release appears or an operator forces it; a healthy deploy resolves the
 * app's open alerts; converge counts a skipped app serving last-good as up.
 */
import type { Client } from '@temporalio/client';
import { afterEach, describe, expect, it } from 'vitest';
import type { WarmDeployInput } from '../../contract/types';
import type { Rejection } from '../../domain/warm-records';
import type { convergeWorkflow } from '../../workflows/converge';
import type { warmDeployWorkflow } from '../../workflows/warm';
import { terminateLeftovers, uniqueId, withWorker } from './harness';
import { warmWorld, type WarmScript } from './warm-world';

const startDeploy = (client: Client, taskQueue: string, input: WarmDeployInput) =>
  client.workflow.start<typeof warmDeployWorkflow>('warmDeployWorkflow', { workflowId: uniqueId('deploy-traefik'), taskQueue, args: [input] });

const rejected2: Rejection = {
  version: '2.0.0+2.0',
  ts: '2026-01-03T03:00:00.000Z',
  why: 'ECONNREFUSED; ROLLED_BACK',
  workflowId: 'deploy-traefik-scheduled-1',
};
const hint = 'deploy it anyway with "coopci warm deploy traefik --version 2.0.0+2.0 --force"';

/** Deploys traefik once per input, in order, in one world scripted by `s`. */
async function deploys(s: WarmScript, ...inputs: Omit<WarmDeployInput, 'app'>[]) {
  const world = warmWorld({ traefik: s });
  const results = await withWorker(world.mocks, async ({ client, taskQueue }) => {
    const out = [];
    for (const i of inputs) out.push(await (await startDeploy(client, taskQueue, { app: 'traefik', ...i })).result());
    return out;
  });
  return { results, world };
}

describe('rejected warm releases', { timeout: 30_000 }, () => {
  afterEach(terminateLeftovers);

  it('a release rolled back once is not deployed again: the next deploy stays on last-good, SKIPPED, no alert', async () => {
    const { results, world } = await deploys({ latest: '2.0.0+2.0', lastGood: '1.0.0+1.0', healthy: ['1.0.0+1.0'] }, {}, {});
    const [first, second] = results;
    expect(first).toMatchObject({ outcome: 'ROLLED_BACK', version: '2.0.0+2.0' });
    expect(world.rejected('traefik')).toEqual([
      { version: '2.0.0+2.0', ts: expect.any(String), why: 'ECONNREFUSED; ROLLED_BACK', workflowId: first!.workflowId },
    ]);
    expect(second).toMatchObject({ outcome: 'SKIPPED', version: '2.0.0+2.0', lastGood: '1.0.0+1.0', alert: null });
    const day = world.rejected('traefik')[0]!.ts.slice(0, 10);
    expect(second!.reason).toBe(`2.0.0+2.0 was rejected on ${day} (ECONNREFUSED; ROLLED_BACK); ${hint}; traefik serving last-good 1.0.0+1.0`);
    // The second deploy only made sure last-good runs (a no-op when it does) and gated it.
    expect(
      world.log
        .by(second!.workflowId)
        .filter((c) => c.activity === 'deployWarm')
        .map((c) => (c.input as { version: string }).version),
    ).toEqual(['1.0.0+1.0']);
    expect(world.log.of('writeAlert')).toHaveLength(1);
    expect(world.log.of('recordLastGood')).toEqual([]);
  });

  it('a newer release than the rejected one is deployed', async () => {
    const { results, world } = await deploys({ latest: '2.1.0+2.1', lastGood: '1.0.0+1.0', healthy: ['2.1.0+2.1'], rejected: [rejected2] }, {});
    expect(results[0]).toMatchObject({ outcome: 'HEALTHY', version: '2.1.0+2.1', lastGood: '2.1.0+2.1' });
    expect(world.deploys('traefik')).toEqual(['2.1.0+2.1']);
  });

  it('--force deploys a rejected release; healthy, it is rejected no more and the open alerts are resolved', async () => {
    const { results, world } = await deploys({ latest: '2.0.0+2.0', lastGood: '1.0.0+1.0', healthy: ['2.0.0+2.0'], rejected: [rejected2] }, { force: true });
    expect(results[0]).toMatchObject({ outcome: 'HEALTHY', version: '2.0.0+2.0', lastGood: '2.0.0+2.0' });
    expect(world.deploys('traefik')).toEqual(['2.0.0+2.0']);
    expect(world.rejected('traefik')).toEqual([]);
    expect(world.log.of('resolveWarmAlerts')).toEqual([{ env: expect.anything(), app: 'traefik', by: results[0]!.workflowId, at: expect.any(String) }]);
  });

  it('--version names a release: an older one is deployed, a rejected one only with --force, an unknown one fails', async () => {
    const s: WarmScript = {
      latest: '3.0.0+3.0',
      lastGood: '3.0.0+3.0',
      healthy: ['2.0.0+2.0', '1.5.0+1.5'],
      releases: ['2.0.0+2.0', '1.5.0+1.5'],
      rejected: [rejected2],
    };
    const { results, world } = await deploys(s, { version: '1.5.0+1.5' }, { version: '2.0.0+2.0' }, { version: '2.0.0+2.0', force: true });
    expect(results.map((r) => [r.outcome, r.version])).toEqual([
      ['HEALTHY', '1.5.0+1.5'],
      ['SKIPPED', '2.0.0+2.0'],
      ['HEALTHY', '2.0.0+2.0'],
    ]);
    expect(world.deploys('traefik')).toEqual(['1.5.0+1.5', '1.5.0+1.5', '2.0.0+2.0']);
    await expect(deploys(s, { version: '9.9.9+9.9' })).rejects.toThrow(/Workflow execution failed/);
  });

  it('a healthy deploy resolves the open alerts; a rolled-back or skipped one does not', async () => {
    const { world } = await deploys({ latest: '2.0.0+2.0', lastGood: '1.0.0+1.0', healthy: ['1.0.0+1.0'] }, {}, {});
    expect(world.log.of('resolveWarmAlerts')).toEqual([]);
  });

  it('a rejected latest with no last-good: nothing deployed, SKIPPED, no alert', async () => {
    const { results, world } = await deploys({ latest: '2.0.0+2.0', lastGood: null, healthy: [], rejected: [rejected2] }, {});
    expect(results[0]).toMatchObject({ outcome: 'SKIPPED', version: '2.0.0+2.0', lastGood: null, alert: null });
    expect(results[0]!.reason).toBe(
      `2.0.0+2.0 was rejected on 2026-01-03 (ECONNREFUSED; ROLLED_BACK); ${hint}; no last-good version of traefik to serve instead`,
    );
    expect(world.deploys('traefik')).toEqual([]);
    expect(world.log.of('writeAlert')).toEqual([]);
  });

  it('a rejected latest whose last-good is unhealthy now: FAILED with an unhealthy-on-last-good alert', async () => {
    const { results, world } = await deploys({ latest: '2.0.0+2.0', lastGood: '1.0.0+1.0', healthy: [], rejected: [rejected2] }, {});
    expect(results[0]).toMatchObject({ outcome: 'FAILED', version: '2.0.0+2.0', lastGood: '1.0.0+1.0' });
    expect(results[0]!.reason).toMatch(/^2\.0\.0\+2\.0 was rejected on .*; unhealthy on 1\.0\.0\+1\.0: ECONNREFUSED/);
    expect(world.log.of('writeAlert').map((a) => a.alert.reason)).toEqual(['unhealthy-on-last-good']);
    expect(world.rejected('traefik')).toEqual([rejected2]);
  });

  it('converge: an app skipped with last-good serving is up (its dependents deploy); one with nothing to serve is not', async () => {
    const world = warmWorld({
      proxy: { latest: '2.0.0+2.0', lastGood: '1.0.0+1.0', healthy: ['1.0.0+1.0'], rejected: [rejected2] },
      dash: { latest: '1.0.0+1.0', lastGood: null, healthy: ['1.0.0+1.0'], after: ['proxy'] },
      auth: { latest: '2.0.0+2.0', lastGood: null, healthy: [], rejected: [rejected2] },
      wiki: { latest: '1.0.0+1.0', lastGood: null, healthy: ['1.0.0+1.0'], after: ['auth'] },
    });
    const result = await withWorker(world.mocks, async ({ client, taskQueue }) =>
      (await client.workflow.start<typeof convergeWorkflow>('convergeWorkflow', { workflowId: uniqueId('converge-warm'), taskQueue, args: [] })).result(),
    );
    expect(result.apps.map((a) => [a.app, a.outcome])).toEqual([
      ['proxy', 'SKIPPED'],
      ['dash', 'HEALTHY'],
      ['auth', 'SKIPPED'],
      ['wiki', 'SKIPPED'],
    ]);
    expect(result.apps[3]!.reason).toBe('auth did not come up');
  });
});

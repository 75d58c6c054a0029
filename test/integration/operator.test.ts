/**
 * Operator control through the CLI while a sweep runs: status, skip a
 * recipe that has not started, retry a red one after the pass.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSweep } from '../../client/sweep';
import { sweepStatusQuery } from '../../contract/messages';
import type { SweepStatus } from '../../contract/types';
import type { SweepReport } from '../../state/report';
import { makeFixture, type Fixture } from '../helpers/fixture';
import { cli, endRunningSweep, startWorker, testClient, waitFor } from '../helpers/temporal';
import { TEST_NAMESPACE } from '../helpers/pool';

describe('operator control', () => {
  let f: Fixture;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  beforeAll(async () => {
    f = await makeFixture('operator', [
      { name: 'gone' },
      { name: 'alpha', from: 'hello', upTo: '1.0.0+1.0', extra: { test: { command: ['sleep', '4'] } } },
      { name: 'beta', from: 'unreleased', port: 18083 },
    ]);
    worker = await startWorker(f);
  });
  afterAll(async () => {
    await endRunningSweep();
    await worker?.stop();
  });

  it('shows status, skips a pending recipe and retries a failed one after the pass', async () => {
    const client = await testClient();
    const handle = await startSweep(client, f.loaded.config);
    await waitFor('alpha running', async () => (await handle.query(sweepStatusQuery)).recipes[1]?.phase.startsWith('tier:'), 120_000);

    const status = await cli(f, ['sweep', 'status', '--json']);
    expect(status.code).toBe(0);
    const s = JSON.parse(status.stdout) as SweepStatus;
    expect(s).toMatchObject({ sweepId: handle.workflowId, state: 'running', configDigest: f.loaded.digest });
    expect(s.recipes.map((r) => [r.recipe, r.label ?? r.phase])).toEqual([
      ['gone', 'FAILED'],
      ['alpha', expect.stringMatching(/^tier:/)],
      ['beta', 'pending'],
    ]);

    expect((await cli(f, ['sweep', 'skip', 'beta'])).stdout).toBe(`skip beta accepted by ${handle.workflowId}: beta will be skipped\n`);
    expect(await cli(f, ['sweep', 'skip', 'nosuch'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/refused skip nosuch: .*nosuch/) });
    expect((await cli(f, ['sweep', 'retry', 'gone'])).code).toBe(0);

    const result = await handle.result();
    expect(result.results.map((r) => [r.recipe, r.label, r.reason.split(':')[0]])).toEqual([
      ['gone', 'FAILED', 'mirror-sync failed'],
      ['alpha', 'PROMOTED', 'canonical is 1.0.0+1.0'],
      ['beta', 'SKIPPED', 'skipped by operator'],
    ]);
    expect(result.results[0]!.workflowId).toBe(`${handle.workflowId}/gone/retry-1`);
    const final = await cli(f, ['sweep', 'status', handle.workflowId]);
    expect(final.stdout).toMatch(new RegExp(`^${handle.workflowId}: done\\n`));
    expect(final.stdout).toMatch(/alpha +PROMOTED +1\.0\.0\+1\.0/);

    // The report, from Temporal, links each recipe's workflow in the Web UI.
    const report = JSON.parse((await cli(f, ['report', handle.workflowId, '--format', 'json'])).stdout) as SweepReport;
    expect(report.counts).toEqual({ PROMOTED: 1, GREEN_BUT_PROMOTE_FAILED: 0, FAILED: 1, SKIPPED: 1, TESTED: 0 });
    expect(report.recipes[1]).toMatchObject({
      recipe: 'alpha',
      canonical: { before: null, after: '1.0.0+1.0' },
      ui: `${f.loaded.config.temporal.uiUrl}/namespaces/${TEST_NAMESPACE}/workflows/${encodeURIComponent(`${handle.workflowId}/alpha`)}`,
    });
    expect(report.recipes[1]!.tiers.find((t) => t.tier === 'custom')!.durationMs).toBeGreaterThanOrEqual(4000);
    const md = await cli(f, ['report', '--format', 'md']);
    // The canonical's volumes, measured after the promote, follow its version.
    expect(md.stdout).toMatch(
      /^\| \[alpha\]\(http:.*\) \| PROMOTED \| 1\.0\.0\+1\.0 \| none → 1\.0\.0\+1\.0 \(\d+(\.\d+)? [KMG]?i?B\) \| install: pass \(\d+\.\ds\)/m,
    );
    expect((await cli(f, ['report', '--format', 'html'])).stderr).toMatch(/--format must be md or json/);
  }, 300_000);
});

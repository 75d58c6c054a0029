/**
 * The health-gated proxy deploy when things go wrong around it, on real
 * Temporal, a real Swarm and a real HTTPS proxy (images/proxy): the worker
 * SIGKILLed mid-gate, an operator's abort, a gate that errors and a rollback
 * abra never finishes. (A file of its own so it runs beside proxy.test.ts.)
 */
import { once } from 'node:events';
import { copyFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { Apps } from '../../adapters/apps';
import { listAlerts } from '../../state/alerts';
import { docker } from '../../adapters/swarm';
import { snapshotOf } from '../../contract/snapshot';
import { startConverge, startWarmDeploy } from '../../client/warm';
import { warmDeployStatusQuery } from '../../contract/messages';
import type { WarmDeployResult } from '../../contract/types';
import { CRASH_TEST_TIMEOUTS } from '../helpers/fixture';
import { cli, spawnWorker, startWorker, testClient, waitFor } from '../helpers/temporal';
import { publishRelease } from '../helpers/pool';
import { buildProxyUpstream, CA, DOMAIN, proxyFixture, servedVersion, upstreamOf } from '../helpers/proxy';

describe('proxy deploy durability', () => {
  it('resumes after the worker is SIGKILLed during the gate: one deploy of the version, one alert', async () => {
    const f = await proxyFixture('proxy-crash', { extra: { timeouts: CRASH_TEST_TIMEOUTS } });
    await buildProxyUpstream(f, '1.1.0+3.1');
    const w1 = await startWorker(f);
    const client = await testClient();
    const first = await startWarmDeploy(client, f.loaded.config);
    expect((await first.result()).outcome).toBe('HEALTHY');
    await w1.stop();

    await publishRelease('proxy', upstreamOf(f), '1.2.0+3.2');
    const crashing = spawnWorker(f);
    const handle = await startWarmDeploy(client, f.loaded.config);
    await waitFor('the gate', async () => (await handle.query(warmDeployStatusQuery)).phase === 'gating', 120_000);
    crashing.kill('SIGKILL');
    const w2 = await startWorker(f);
    try {
      const r = await handle.result();
      expect(r).toMatchObject({ outcome: 'ROLLED_BACK', version: '1.2.0+3.2', lastGood: '1.1.0+3.1' });
      const calls = await f.abraCalls();
      expect(calls.filter((a) => a.includes('1.2.0+3.2') && (a[1] === 'deploy' || a[1] === 'upgrade'))).toHaveLength(1);
      expect(await listAlerts(f.stateDir)).toHaveLength(1);
      expect(await servedVersion()).toBe('1.1.0+3.1');
    } finally {
      await w2.stop();
      await new Apps(snapshotOf(f.loaded.config, f.loaded.file, f.loaded.digest).env, docker()).destroy(DOMAIN);
    }
  }, 300_000);
});

describe('proxy deploy abort', () => {
  it('stops the deploy in flight, then rolls back to last-good without an alert', async () => {
    const f = await proxyFixture('proxy-abort');
    await buildProxyUpstream(f, '1.1.0+3.1');
    // abra hangs on the new release, as a deploy stuck on an unreachable server does.
    const w = spawnWorker(f, { ABRA_LOCAL_HANG_ON: '1\\.2\\.0\\+3\\.2' });
    const client = await testClient();
    try {
      expect((await (await startWarmDeploy(client, f.loaded.config)).result()).outcome).toBe('HEALTHY');
      expect(await cli(f, ['proxy', 'abort', '--reason', 'too early'])).toMatchObject({
        code: 1,
        stderr: 'error: no deploy of traefik is running (deploy-traefik: completed); start one with "coopci proxy deploy"\n',
      });

      await publishRelease('proxy', upstreamOf(f), '1.2.0+3.2');
      const handle = await startWarmDeploy(client, f.loaded.config);
      await waitFor('the hung deploy', async () => (await f.abraCalls()).some((a) => a.includes('1.2.0+3.2')));
      expect((await cli(f, ['proxy', 'status'])).stdout).toMatch(/^deploy-traefik: deploying — http/);
      expect(await cli(f, ['proxy', 'abort', '--reason', 'operator test'])).toMatchObject({ code: 0, stdout: 'abort sent to deploy-traefik\n' });

      const r = await handle.result();
      expect(r).toMatchObject({
        outcome: 'ROLLED_BACK',
        version: '1.2.0+3.2',
        lastGood: '1.1.0+3.1',
        alert: null,
        reason: 'aborted: operator test; traefik serving last-good 1.1.0+3.1 again',
      });
      expect(await listAlerts(f.stateDir)).toEqual([]);
      expect(await servedVersion()).toBe('1.1.0+3.1');
      expect((await cli(f, ['proxy', 'status'])).stdout).toContain(
        'deploy-traefik: completed — ROLLED_BACK 1.2.0+3.2 (last good: 1.1.0+3.1): aborted: operator test;',
      );
      // A converge's deploy of the proxy (another workflow id) is found by status and abort too: it holds the app's lock.
      const converge = await startConverge(client, f.loaded.config);
      await waitFor('the hung converge deploy', async () => (await f.abraCalls()).filter((a) => a.includes('1.2.0+3.2')).length === 2);
      expect((await cli(f, ['proxy', 'status'])).stdout).toMatch(/^converge-warm\/traefik: deploying — http/);
      expect(await cli(f, ['proxy', 'abort', '--reason', 'converge test'])).toMatchObject({ code: 0, stdout: 'abort sent to converge-warm/traefik\n' });
      expect((await converge.result()).apps).toEqual([expect.objectContaining({ app: 'traefik', outcome: 'ROLLED_BACK' })]);
      expect((await cli(f, ['proxy', 'status'])).stdout).toContain(
        'converge-warm/traefik: completed — ROLLED_BACK 1.2.0+3.2 (last good: 1.1.0+3.1): aborted: converge test;',
      );
      expect(await servedVersion()).toBe('1.1.0+3.1');

      // The rollback was scheduled only once the aborted deploy had stopped.
      const events = (await handle.fetchHistory()).events ?? [];
      const deploys = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'deployWarm').map((e) => Number(e.eventId));
      expect(deploys).toHaveLength(2);
      const cancelled = events.findIndex((e) => Number(e.activityTaskCanceledEventAttributes?.scheduledEventId) === deploys[0]);
      expect(cancelled).toBeGreaterThan(-1);
      expect(events.findIndex((e) => Number(e.eventId) === deploys[1])).toBeGreaterThan(cancelled);
    } finally {
      w.kill('SIGTERM');
      await once(w, 'exit');
      await new Apps(snapshotOf(f.loaded.config, f.loaded.file, f.loaded.digest).env, docker()).destroy(DOMAIN);
    }
  }, 300_000);
});

describe('proxy deploy: gate errors and a failed rollback', () => {
  it('a gate that errors counts as unhealthy (rolled back, alerted); a rollback that fails is alerted with the state', async () => {
    const ca = path.join(inject('scratchDir'), `proxy-ca-${process.pid}.pem`);
    await copyFile(CA, ca);
    // Short deploys: the failed rollback below is a hung abra cut off at 6 s, three times. A good abra command
    // returns in ~1-2 s (coopci passes --no-converge-checks and waits for convergence itself, within convergeSeconds).
    const timeouts = { mirrorSyncSeconds: 30, deploySeconds: 6, convergeSeconds: 30, teardownSeconds: 60, backupSeconds: 60 };
    const f = await proxyFixture('proxy-gate-errors', { caFile: ca, extra: { timeouts } });
    await buildProxyUpstream(f, '1.1.0+3.1');
    const w = await startWorker(f);
    const deploy = async () => {
      const r = await cli(f, ['proxy', 'deploy', '--wait', '--json']);
      expect(r.code, r.stderr).toBe(0); // every outcome is a result, never a failed workflow
      return JSON.parse(r.stdout) as WarmDeployResult;
    };
    try {
      expect(await deploy()).toMatchObject({ outcome: 'HEALTHY', version: '1.1.0+3.1' });

      // The gate cannot read its CA file: an error, not an answer. The new release is not trusted: rolled back, alerted.
      await rm(ca);
      await publishRelease('proxy', upstreamOf(f), '1.2.0+3.2');
      const errored = await deploy();
      expect(errored).toMatchObject({ outcome: 'FAILED', version: '1.2.0+3.2', lastGood: '1.1.0+3.1' });
      expect(errored.reason).toMatch(/ENOENT/);
      expect((await listAlerts(f.stateDir)).map((a) => a.alert?.reason)).toEqual(['unhealthy-after-rollback']);
      expect(await servedVersion()).toBe('1.1.0+3.1'); // the rollback itself worked; only its gate could not tell

      // A release that refuses connections, and a rollback abra never finishes: alerted, saying what state the proxy may be in.
      await copyFile(CA, ca);
      await publishRelease('proxy', upstreamOf(f), '1.3.0+3.3');
      process.env.ABRA_LOCAL_HANG_ON = '^app rollback';
      const stuck = await deploy();
      expect(stuck).toMatchObject({ outcome: 'FAILED', version: '1.3.0+3.3', lastGood: '1.1.0+3.1' });
      const alerts = await listAlerts(f.stateDir);
      expect(alerts.map((a) => a.alert?.reason)).toEqual(['unhealthy-after-rollback', 'rollback-failed']);
      expect(alerts[1]!.alert).toMatchObject({ app: 'traefik', version: '1.3.0+3.3', lastGood: '1.1.0+3.1' });
      expect(alerts[1]!.alert!.state).toMatch(/1\.3\.0\+3\.3/);
      expect((await f.abraCalls()).filter((a) => a[1] === 'rollback').map((a) => a[3])).toEqual(['1.1.0+3.1', '1.1.0+3.1', '1.1.0+3.1', '1.1.0+3.1']);
    } finally {
      delete process.env.ABRA_LOCAL_HANG_ON;
      await w.stop();
      await new Apps(snapshotOf(f.loaded.config, f.loaded.file, f.loaded.digest).env, docker()).destroy(DOMAIN);
    }
  }, 400_000);
});

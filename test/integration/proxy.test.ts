/**
 * The health-gated proxy deploy on real Temporal, a real Swarm and a real
 * HTTPS proxy (images/proxy) with one release per way a proxy breaks.
 */
import { once } from 'node:events';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { copyFile, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Apps } from '../../adapters/apps';
import { listAlerts } from '../../state/alerts';
import { docker } from '../../adapters/swarm';
import { snapshotOf } from '../../contract/snapshot';
import { startConverge, startWarmDeploy } from '../../client/warm';
import { publishRelease } from '../../scripts/example-recipes';
import { warmDeployStatusQuery } from '../../contract/messages';
import type { WarmDeployResult } from '../../contract/types';
import { makeFixture, REPO, type Fixture, CRASH_TEST_TIMEOUTS } from '../helpers/fixture';
import { cli, spawnWorker, startWorker, testClient, waitFor } from '../helpers/temporal';

const CA = path.join(REPO, '.coopci/proxy-ca.pem');
const DOMAIN = 'traefik.ci.test.local';

/** What the proxy on loopback says it is, over verified TLS. */
function servedVersion(): Promise<string> {
  return new Promise((resolve, reject) => {
    https
      .get(
        { host: '127.0.0.1', port: 18443, path: '/api/version', servername: DOMAIN, headers: { Host: DOMAIN }, ca: readFileSync(CA), timeout: 3000 },
        (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve((JSON.parse(body) as { Version: string }).Version));
        },
      )
      .on('error', reject);
  });
}

async function proxyFixture(name: string, opts: { caFile?: string; extra?: Record<string, unknown> } = {}): Promise<Fixture> {
  const f = await makeFixture(name, [{ name: 'unused' }], {
    ...opts.extra,
    warm: [
      {
        name: 'traefik',
        recipe: 'proxy',
        upstream: path.join(name, 'upstream-proxy'),
        domain: DOMAIN,
        health: {
          url: `https://${DOMAIN}:18443/api/version`,
          connectAddress: '127.0.0.1',
          caFile: opts.caFile ?? CA,
          servedBy: 'traefik',
          intervalSeconds: 1,
          // A healthy proxy passes in ~1 s (two probes); every failing gate waits the whole deadline.
          deadlineSeconds: 3,
          consecutive: 2,
          requestTimeoutSeconds: 2,
        },
      },
    ],
    proxy: { app: 'traefik' },
  });
  return f;
}

const upstreamOf = (f: Fixture) => f.loaded.config.warm[0]!.upstream;

describe('health-gated proxy deploy', () => {
  let f: Fixture;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  beforeAll(async () => {
    f = await proxyFixture('proxy');
    await buildProxyUpstream(f, '1.0.0+3.0');
    worker = await startWorker(f);
  });
  afterAll(async () => {
    await worker?.stop();
    await new Apps(snapshotOf(f.loaded.config, f.loaded.file, f.loaded.digest).env, docker()).destroy(DOMAIN);
  });

  const deploy = async (...args: string[]): Promise<WarmDeployResult> => {
    const r = await cli(f, ['proxy', 'deploy', '--wait', '--json', ...args]);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as WarmDeployResult;
  };

  it('deploys a good latest release from a cold boot (nothing else up) and advances last-good', async () => {
    expect(await deploy()).toMatchObject({ workflowId: 'deploy-traefik', outcome: 'HEALTHY', version: '1.0.0+3.0', lastGood: '1.0.0+3.0', alert: null });
    await publishRelease('proxy', upstreamOf(f), '1.1.0+3.1');
    expect(await deploy()).toMatchObject({ outcome: 'HEALTHY', version: '1.1.0+3.1', lastGood: '1.1.0+3.1', alert: null });
    expect(await servedVersion()).toBe('1.1.0+3.1');
    expect(JSON.parse(await readFile(path.join(f.stateDir, 'warm/traefik/last-good.json'), 'utf8'))).toMatchObject({ app: 'traefik', version: '1.1.0+3.1' });
  }, 180_000);

  it.each([
    ['1.2.0+3.2', 'refuses connections', /ECONNREFUSED|ECONNRESET/],
    ['1.3.0+3.3', 'answers 500', /HTTP 500/],
    ['1.4.0+3.4', 'presents a certificate for another name', /ERR_TLS_CERT_ALTNAME_INVALID|altnames/],
    ['1.5.0+3.5', 'answers slower than the request timeout', /no answer within 2000 ms/],
  ])(
    'rolls back a latest release that %s… (%s)',
    async (version, _how, why) => {
      await publishRelease('proxy', upstreamOf(f), version);
      const before = (await listAlerts(f.stateDir)).length;
      const r = await deploy();
      expect(r).toMatchObject({ outcome: 'ROLLED_BACK', version, lastGood: '1.1.0+3.1' });
      expect(r.alert).toMatch(/alerts\/.*-traefik-unhealthy-on-latest\.json$/);
      const alerts = await listAlerts(f.stateDir);
      expect(alerts).toHaveLength(before + 1);
      expect(alerts.find((a) => a.file === r.alert)?.alert).toMatchObject({ app: 'traefik', reason: 'unhealthy-on-latest', version, lastGood: '1.1.0+3.1' });
      expect(r.reason).toMatch(why);
      expect(await servedVersion()).toBe('1.1.0+3.1');
    },
    180_000,
  );

  it('does not deploy a rejected release again: the next deploy stays on last-good, no new alert; an older --version deploys and resolves the alerts', async () => {
    const rejected = '1.5.0+3.5';
    const deploysOf = async (v: string) => (await f.abraCalls()).filter((a) => a.includes(v) && (a[1] === 'deploy' || a[1] === 'upgrade')).length;
    const before = { deploys: await deploysOf(rejected), alerts: (await listAlerts(f.stateDir)).length };
    expect(before.deploys).toBe(1);
    const r = await deploy();
    expect(r).toMatchObject({ outcome: 'SKIPPED', version: rejected, lastGood: '1.1.0+3.1', alert: null });
    expect(r.reason).toMatch(
      /^1\.5\.0\+3\.5 was rejected on \d{4}-\d\d-\d\d \(.*; ROLLED_BACK\); deploy it anyway with "coopci proxy deploy --version 1\.5\.0\+3\.5 --force"; traefik serving last-good 1\.1\.0\+3\.1$/,
    );
    expect(await deploysOf(rejected)).toBe(before.deploys);
    expect(await listAlerts(f.stateDir)).toHaveLength(before.alerts);
    expect(await servedVersion()).toBe('1.1.0+3.1');
    const record = JSON.parse(await readFile(path.join(f.stateDir, 'warm/traefik/rejected.json'), 'utf8')) as { rejected: { version: string }[] };
    expect(record.rejected.map((x) => x.version)).toEqual(['1.2.0+3.2', '1.3.0+3.3', '1.4.0+3.4', rejected]);

    expect(await deploy('--version', '1.0.0+3.0')).toMatchObject({ outcome: 'HEALTHY', version: '1.0.0+3.0', lastGood: '1.0.0+3.0' });
    expect(await servedVersion()).toBe('1.0.0+3.0');
    expect(JSON.parse((await cli(f, ['alerts', 'list', '--json'])).stdout)).toEqual([]);
    expect(JSON.parse((await cli(f, ['alerts', 'list', '--all', '--json'])).stdout)).toHaveLength(before.alerts);
  }, 180_000);
});

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

async function buildProxyUpstream(f: Fixture, upTo: string) {
  const { buildUpstream } = await import('../../scripts/example-recipes');
  await buildUpstream('proxy', upstreamOf(f), { upTo });
}

describe('converge', () => {
  it('brings the proxy up first on a cold boot, then the dashboard; a failed app stops only its dependents', async () => {
    const f = await makeFixture('converge', [{ name: 'unused' }], {
      warm: [
        {
          name: 'traefik',
          recipe: 'proxy',
          upstream: 'up/proxy',
          domain: DOMAIN,
          health: {
            url: `https://${DOMAIN}:18443/api/version`,
            connectAddress: '127.0.0.1',
            caFile: CA,
            intervalSeconds: 1,
            deadlineSeconds: 3,
            consecutive: 2,
            requestTimeoutSeconds: 2,
          },
        },
        {
          name: 'dashboard',
          recipe: 'dashboard',
          upstream: 'up/dashboard',
          domain: 'dashboard.ci.test.local',
          after: ['traefik'],
          health: { url: 'http://127.0.0.1:18085/', intervalSeconds: 1, deadlineSeconds: 6 },
        },
      ],
      proxy: { app: 'traefik' },
    });
    const [proxy, dashboard] = f.loaded.config.warm;
    const { buildUpstream } = await import('../../scripts/example-recipes');
    await buildUpstream('proxy', proxy!.upstream, { upTo: '1.0.0+3.0' });
    await buildUpstream('dashboard', dashboard!.upstream);
    const w = await startWorker(f);
    const apps = new Apps(snapshotOf(f.loaded.config, f.loaded.file, f.loaded.digest).env, docker());
    try {
      const ok = await cli(f, ['warm', 'converge', '--wait', '--json']);
      expect(ok.code, ok.stderr).toBe(0);
      expect(JSON.parse(ok.stdout).apps).toEqual([
        expect.objectContaining({ app: 'traefik', outcome: 'HEALTHY', version: '1.0.0+3.0' }),
        expect.objectContaining({ app: 'dashboard', outcome: 'HEALTHY', version: '1.0.0+1.0' }),
      ]);
      const calls = (await f.abraCalls()).filter((a) => a[1] === 'deploy').map((a) => a[2]);
      expect(calls).toEqual([DOMAIN, 'dashboard.ci.test.local']);

      // The proxy loses its whole deployment and its last-good: it cannot come up, so the dashboard is not touched.
      await apps.destroy(DOMAIN);
      await (await import('node:fs/promises')).rm(path.join(f.stateDir, 'warm/traefik/last-good.json'));
      await publishRelease('proxy', proxy!.upstream, '1.3.0+3.3');
      const bad = JSON.parse((await cli(f, ['warm', 'converge', '--wait', '--json'])).stdout);
      expect(bad.apps).toEqual([
        expect.objectContaining({ app: 'traefik', outcome: 'FAILED', version: '1.3.0+3.3' }),
        expect.objectContaining({ app: 'dashboard', outcome: 'SKIPPED', reason: 'traefik did not come up' }),
      ]);
    } finally {
      await w.stop();
      await apps.destroy(DOMAIN);
      await apps.destroy('dashboard.ci.test.local');
    }
  }, 300_000);
});

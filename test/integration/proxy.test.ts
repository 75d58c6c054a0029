/**
 * The health-gated proxy deploy on real Temporal, a real Swarm and a real
 * HTTPS proxy (images/proxy) with one release per way a proxy breaks.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Apps } from '../../adapters/apps';
import { listAlerts } from '../../state/alerts';
import { docker } from '../../adapters/swarm';
import { snapshotOf } from '../../contract/snapshot';
import type { WarmDeployResult } from '../../contract/types';
import { makeFixture, type Fixture } from '../helpers/fixture';
import { cli, startWorker } from '../helpers/temporal';
import { buildUpstream, CI, port, publishRelease } from '../helpers/pool';
import { buildProxyUpstream, CA, DOMAIN, proxyFixture, servedVersion, upstreamOf } from '../helpers/proxy';

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
            url: `https://${DOMAIN}:${port(18443)}/api/version`,
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
          domain: `dashboard.${CI}`,
          after: ['traefik'],
          health: { url: `http://127.0.0.1:${port(18085)}/`, intervalSeconds: 1, deadlineSeconds: 6 },
        },
      ],
      proxy: { app: 'traefik' },
    });
    const [proxy, dashboard] = f.loaded.config.warm;
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
      expect(calls).toEqual([DOMAIN, `dashboard.${CI}`]);

      // The proxy loses its whole deployment and its last-good: it cannot come up, so the dashboard is not touched.
      await apps.destroy(DOMAIN);
      await rm(path.join(f.stateDir, 'warm/traefik/last-good.json'));
      await publishRelease('proxy', proxy!.upstream, '1.3.0+3.3');
      const bad = JSON.parse((await cli(f, ['warm', 'converge', '--wait', '--json'])).stdout);
      expect(bad.apps).toEqual([
        expect.objectContaining({ app: 'traefik', outcome: 'FAILED', version: '1.3.0+3.3' }),
        expect.objectContaining({ app: 'dashboard', outcome: 'SKIPPED', reason: 'traefik did not come up' }),
      ]);
    } finally {
      await w.stop();
      await apps.destroy(DOMAIN);
      await apps.destroy(`dashboard.${CI}`);
    }
  }, 300_000);
});

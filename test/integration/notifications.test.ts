/**
 * Notifications end to end: the real worker (its real activities, reading
 * the webhook's URL from the config file), the real proxy on the real Swarm
 * through the strict abra double, and a real HTTP receiver on loopback. A
 * release that answers 500 fails its gate and is rolled back: its alert is
 * posted once; a later healthy deploy posts "resolved". The fast variants
 * (retries, a refusing receiver, a sweep's summary) are test/workflows/notify.test.ts.
 */
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Apps } from '../../adapters/apps';
import { docker } from '../../adapters/swarm';
import { snapshotOf } from '../../contract/snapshot';
import type { WarmDeployResult } from '../../contract/types';
import type { Fixture } from '../helpers/fixture';
import { cli, startWorker, testClient } from '../helpers/temporal';
import { startReceiver } from '../helpers/webhook-receiver';
import { publishRelease } from '../helpers/pool';
import { buildProxyUpstream, DOMAIN, proxyFixture, upstreamOf } from '../helpers/proxy';

const TOKEN = 'T9k3n-5e1f0a77c2d4';

describe('notifications of a gated proxy deploy', () => {
  let f: Fixture;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let rx: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    rx = await startReceiver();
    f = await proxyFixture('notify', { extra: { notifications: { webhooks: [{ name: 'ops', url: rx.url(`/hooks/${TOKEN}`), timeoutSeconds: 5 }] } } });
    await buildProxyUpstream(f, '1.0.0+3.0');
    worker = await startWorker(f);
  });
  afterAll(async () => {
    await worker?.stop();
    await new Apps(snapshotOf(f.loaded.config, f.loaded.file, f.loaded.digest).env, docker()).destroy(DOMAIN);
    await rx?.close();
  });

  const deploy = async (...args: string[]): Promise<WarmDeployResult> => {
    const r = await cli(f, ['proxy', 'deploy', '--wait', '--json', ...args]);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as WarmDeployResult;
  };

  it('posts the alert of a rolled-back release once and "resolved" after a healthy deploy; the URL stays on the worker', async () => {
    expect(await deploy()).toMatchObject({ outcome: 'HEALTHY', version: '1.0.0+3.0', alert: null });
    expect(rx.received).toEqual([]); // nothing to tell: no alert, none resolved

    await publishRelease('proxy', upstreamOf(f), '1.3.0+3.3'); // answers 500
    const bad = await deploy();
    expect(bad).toMatchObject({ outcome: 'ROLLED_BACK', version: '1.3.0+3.3', lastGood: '1.0.0+3.0' });
    expect(rx.received).toHaveLength(1);
    const key = path.basename(bad.alert!, '.json');
    expect(rx.received[0]).toMatchObject({
      path: `/hooks/${TOKEN}`,
      headers: { 'content-type': 'application/json', 'idempotency-key': `coopci-alert-${key}` },
      body: {
        source: 'coopci',
        kind: 'alert',
        app: 'traefik',
        reason: 'unhealthy-on-latest',
        version: '1.3.0+3.3',
        lastGood: '1.0.0+3.0',
        links: { workflow: expect.stringMatching(/\/workflows\/deploy-traefik$/) },
      },
    });
    expect(rx.received[0]!.body.state).toBe('traefik serving last-good 1.0.0+3.0 again');

    const good = await deploy('--version', '1.0.0+3.0');
    expect(good).toMatchObject({ outcome: 'HEALTHY', version: '1.0.0+3.0' });
    expect(rx.received).toHaveLength(2);
    expect(rx.received[1]!.body).toMatchObject({
      kind: 'resolved',
      app: 'traefik',
      version: '1.0.0+3.0',
      resolvedBy: 'deploy-traefik',
      alerts: [{ reason: 'unhealthy-on-latest', version: '1.3.0+3.3' }],
    });

    // What an operator sees: both delivered, once each, and no URL anywhere.
    const list = await cli(f, ['notifications', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`ops  alert  ${key}  DELIVERED  \\(1 attempt, HTTP 200\\)`));
    expect(list.stdout).toMatch(/ops {2}resolved {2}traefik {2}DELIVERED/);
    expect(list.stdout).not.toContain(TOKEN);
    const client = await testClient();
    const history = JSON.stringify(await client.workflow.getHandle('deploy-traefik').fetchHistory());
    const decoded = history.replace(/"data":"([A-Za-z0-9+/=]+)"/g, (_m, b64: string) => Buffer.from(b64, 'base64').toString('utf8'));
    expect(decoded).toContain('deliverNotification');
    expect(decoded).not.toContain(TOKEN);
    expect(await readFile(bad.alert!, 'utf8')).not.toContain(TOKEN);
  }, 240_000);
});

/**
 * Notifications from the real warm and sweep workflows on the real dev
 * server, delivered by the real notify activities to a real HTTP receiver
 * on loopback; the deploy and sweep steps themselves are the scripted
 * worlds' mocks (the Swarm adds nothing here; test/integration/notifications
 * runs the whole path once).
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedConfig } from '../../config/load';
import { Notifications, notifyTargetsOf } from '../../config/notifications';
import { createNotifyActivities } from '../../activities/notify-activities';
import { resolveAlerts, writeAlertOnce } from '../../state/alerts';
import { listDeliveries } from '../../state/notifications';
import { writeSweepReport } from '../../state/report';
import type { warmDeployWorkflow } from '../../workflows/warm';
import { startReceiver } from '../helpers/webhook-receiver';
import { terminateLeftovers, uniqueId, withWorker, type Mocks } from './harness';
import { startSweep, sweepWorld, type RecipeScript } from './sweep-world';
import { warmWorld, type WarmScript } from './warm-world';

const TOKEN = 'T0KEN-b6f1c9e2d4a8';
const UI = 'http://ui.test/namespaces/default/workflows/';
let rx: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  rx = await startReceiver();
});
afterAll(() => rx.close());
afterEach(terminateLeftovers);

/** A fresh state dir, and the notify activities reading these webhooks as the worker's config would. */
async function setup(webhooks: unknown[]) {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'coopci-notify-'));
  const notifications = Notifications.parse({ webhooks });
  const notify = createNotifyActivities({ config: async () => ({ config: { notifications } }) as unknown as LoadedConfig });
  return { stateDir, notifications, notify };
}

/** One warm deploy of traefik in a scripted world, with real alerts on disk and real notify activities; `knows`: the env carries the webhook names. */
async function deployWarm(s: WarmScript, o: { stateDir: string; notifications: Notifications; notify: Mocks; knows?: boolean }) {
  const world = warmWorld({ traefik: s });
  const loadWarmApp = world.mocks.loadWarmApp!;
  const mocks: Mocks = {
    ...world.mocks,
    ...world.log.record({
      async loadWarmApp(i) {
        const r = await loadWarmApp(i);
        return { ...r, env: { ...r.env, stateDir: o.stateDir, uiWorkflows: UI, ...(o.knows !== false ? { notify: notifyTargetsOf(o.notifications) } : {}) } };
      },
      writeAlert: ({ env, key, alert }) => writeAlertOnce(env.stateDir, key, alert),
      resolveWarmAlerts: ({ env, app, by, at }) => resolveAlerts(env.stateDir, app, by, at),
      ...o.notify,
    }),
  };
  const workflowId = uniqueId('deploy-traefik');
  const { result, history } = await withWorker(mocks, async ({ client, taskQueue }) => {
    const h = await client.workflow.start<typeof warmDeployWorkflow>('warmDeployWorkflow', { workflowId, taskQueue, args: [{ app: 'traefik' }] });
    const result = await h.result();
    return { result, history: decoded(await h.fetchHistory()) };
  });
  return { result, world, history, workflowId };
}

const since = (n: number) => rx.received.slice(n);

/** A history as text with its payloads decoded (they are base64 JSON): what a reader of the Web UI or an export would see. */
function decoded(history: unknown): string {
  return JSON.stringify(history).replace(
    /"data":"([A-Za-z0-9+/=]+)"/g,
    (_m, b64: string) => `"data":${JSON.stringify(Buffer.from(b64, 'base64').toString('utf8'))}`,
  );
}

describe('notifications from a warm deploy', { timeout: 60_000 }, () => {
  it('posts the alert of a failed deploy once, then "resolved" after a healthy one; the URL reaches no history', async () => {
    const s = await setup([{ name: 'room', url: rx.url(`/hook/${TOKEN}`), format: 'matrix' }]);
    const n = rx.received.length;
    const bad = await deployWarm({ latest: '2.0.0+2.0', lastGood: '1.0.0+1.0', healthy: ['1.0.0+1.0'] }, s);
    expect(bad.result).toMatchObject({ outcome: 'ROLLED_BACK', version: '2.0.0+2.0' });
    const [alert] = since(n);
    expect(since(n)).toHaveLength(1);
    expect(alert!.path).toBe(`/hook/${TOKEN}`);
    expect(alert!.body).toMatchObject({ msgtype: 'm.text', format: 'org.matrix.custom.html' });
    expect(alert!.body.body).toMatch(/^coopci alert: traefik unhealthy-on-latest\nversion 2\.0\.0\+2\.0, last good 1\.0\.0\+1\.0\n/);
    expect(alert!.body.formatted_body).toContain(`<a href="${UI}${bad.workflowId}">Web UI</a>`);
    const key = path.basename(bad.result.alert!, '.json');
    expect(alert!.headers['idempotency-key']).toBe(`coopci-alert-${key}`);
    // The env named the webhooks: no lookup activity was needed.
    expect(bad.world.log.of('notificationTargets')).toEqual([]);
    expect(bad.world.log.of('deliverNotification')).toMatchObject([{ webhook: 'room', item: { kind: 'alert', alertKey: key } }]);

    const good = await deployWarm({ latest: '2.1.0+2.0', lastGood: '1.0.0+1.0', healthy: ['2.1.0+2.0'] }, s);
    expect(good.result).toMatchObject({ outcome: 'HEALTHY', version: '2.1.0+2.0' });
    expect(since(n)).toHaveLength(2);
    const resolved = since(n)[1]!;
    expect(resolved.body.body).toMatch(
      new RegExp(
        `^coopci resolved: traefik healthy on 2\\.1\\.0\\+2\\.0\\n1 alert resolved: unhealthy-on-latest \\(2\\.0\\.0\\+2\\.0, .*\\)\\nby ${good.workflowId} at `,
      ),
    );
    expect(resolved.headers['idempotency-key']).toMatch(/^coopci-resolved-traefik-/);

    // A third, healthy deploy resolves nothing: nothing is posted.
    await deployWarm({ latest: '2.1.0+2.0', lastGood: '2.1.0+2.0', healthy: ['2.1.0+2.0'] }, s);
    expect(since(n)).toHaveLength(2);

    const records = (await listDeliveries(s.stateDir)).map((d) => d.delivery);
    expect(records).toMatchObject([
      { webhook: 'room', kind: 'alert', status: 'delivered', attempts: 1, httpStatus: 200 },
      { webhook: 'room', kind: 'resolved', subject: 'traefik', status: 'delivered', attempts: 1 },
    ]);
    for (const h of [bad.history, good.history]) {
      expect(h).not.toContain(TOKEN);
      expect(h).toContain('notify-webhooks'); // the patch marker
      expect(h).toMatch(/\\"webhook\\":\\"room\\"/); // the decoding works: the webhook's name is there, its URL is not
    }
    const onDisk = await Promise.all((await listDeliveries(s.stateDir)).map((d) => readFile(d.file, 'utf8')));
    expect(onDisk.join('')).not.toContain(TOKEN);
  });

  it('retries a receiver answering 500 and delivers exactly once; a 400 is recorded failed, not retried; the deploy ends as it would have', async () => {
    const flaky = await startReceiver([500]);
    const refusing = await startReceiver([400, 400, 400]);
    try {
      const s = await setup([
        { name: 'flaky', url: flaky.url(`/flaky/${TOKEN}`) },
        { name: 'refusing', url: refusing.url(`/refusing/${TOKEN}`), format: 'slack' },
      ]);
      const { result, world } = await deployWarm({ latest: '2.0.0+2.0', lastGood: '1.0.0+1.0', healthy: ['1.0.0+1.0'] }, s);
      expect(result).toMatchObject({ outcome: 'ROLLED_BACK', version: '2.0.0+2.0', lastGood: '1.0.0+1.0' });
      expect(flaky.received.map((r) => r.status)).toEqual([500, 200]);
      expect(flaky.received[0]!.headers['idempotency-key']).toBe(flaky.received[1]!.headers['idempotency-key']);
      expect(flaky.received[1]!.body).toMatchObject({
        source: 'coopci',
        kind: 'alert',
        app: 'traefik',
        reason: 'unhealthy-on-latest',
        version: '2.0.0+2.0',
        lastGood: '1.0.0+1.0',
      });
      expect(refusing.received.map((r) => r.status)).toEqual([400]);
      const byHook = Object.fromEntries((await listDeliveries(s.stateDir)).map((d) => [d.delivery!.webhook, d.delivery]));
      expect(byHook.flaky).toMatchObject({ status: 'delivered', attempts: 2, httpStatus: 200 });
      expect(byHook.refusing).toMatchObject({ status: 'failed', attempts: 1, httpStatus: 400, error: 'HTTP 400' });
      expect(world.log.of('recordNotificationFailure')).toMatchObject([{ webhook: 'refusing' }]);
      expect(world.log.of('recordNotificationFailure')[0]!.error).not.toContain(TOKEN);

      // A retried activity or a replayed workflow asking again posts nothing more.
      const again = await s.notify.deliverNotification(world.log.of('deliverNotification').find((d) => d.webhook === 'flaky')!);
      expect(again).toMatchObject({ status: 'delivered', attempts: 2 });
      expect(flaky.received).toHaveLength(2);
    } finally {
      await flaky.close();
      await refusing.close();
    }
  });

  it('with no webhook configured, a failed deploy runs no notification step at all', async () => {
    const s = await setup([]);
    const { result, world, history } = await deployWarm({ latest: '2.0.0+2.0', lastGood: '1.0.0+1.0', healthy: ['1.0.0+1.0'] }, s);
    expect(result.outcome).toBe('ROLLED_BACK');
    const notifyCalls = world.log.calls.filter((c) => ['notificationTargets', 'deliverNotification', 'recordNotificationFailure'].includes(c.activity));
    expect(notifyCalls).toEqual([]);
    expect(history).not.toContain('notify-webhooks');
  });
});

describe('notifications from a sweep', { timeout: 60_000 }, () => {
  it("posts the sweep's summary once and the alert its recipe raised, and notes both in report.md", async () => {
    const s = await setup([{ name: 'chat', url: rx.url(`/chat/${TOKEN}`), format: 'slack', events: ['sweep', 'alert'] }]);
    const scripts: Record<string, RecipeScript> = {
      adv: { tags: ['1.0.0+1.0', '2.0.0+2.0'], canonical: '1.0.0+1.0', promoteFails: 'warm-adv not healthy', restoreFails: 'restore: disk full' },
      ok: {},
    };
    const world = sweepWorld(scripts);
    const load = world.mocks.loadConfigSnapshot!;
    const mocks: Mocks = {
      ...world.mocks,
      ...world.log.record({
        // An env without `notify` (a worker from before it): the sweep asks the worker which webhooks want what.
        async loadConfigSnapshot(i) {
          const snap = await load(i);
          const { notify: _known, ...env } = snap.env;
          return { ...snap, env: { ...env, stateDir: s.stateDir, uiWorkflows: UI } };
        },
        writeAlert: ({ env, key, alert }) => writeAlertOnce(env.stateDir, key, alert),
        writeSweepReport: ({ env, result }) => writeSweepReport(env.stateDir, result, env.uiWorkflows),
        ...s.notify,
      }),
    };
    const n = rx.received.length;
    const sweepId = uniqueId('sweep');
    const result = await withWorker(mocks, async ({ client, taskQueue }: { client: Client; taskQueue: string }) =>
      (await startSweep(client, taskQueue, {}, sweepId)).result(),
    );
    expect(result.results.map((r) => r.label)).toEqual(['GREEN_BUT_PROMOTE_FAILED', 'PROMOTED']);
    const got = since(n);
    expect(got).toHaveLength(2);
    const summary = got.find((r) => String(r.headers['idempotency-key']).startsWith('coopci-sweep-'))!;
    expect(summary.body.text).toMatch(
      new RegExp(`^coopci sweep ${sweepId}: 1 GREEN_BUT_PROMOTE_FAILED, 1 PROMOTED\\nadv GREEN_BUT_PROMOTE_FAILED 2\\.0\\.0\\+2\\.0: `),
    );
    expect(summary.body.blocks).toHaveLength(2);
    const alert = got.find((r) => String(r.headers['idempotency-key']).startsWith('coopci-alert-'))!;
    expect(alert.body.text).toMatch(/^coopci alert: adv canonical-not-restored\n/);
    expect(world.log.of('notificationTargets')).toHaveLength(1);

    const report = await readFile(result.reportFile!, 'utf8');
    expect(report).toMatch(
      new RegExp(`\\n## Notifications\\n\\n- chat: (sweep ${sweepId}|alert .*adv-canonical-not-restored): delivered \\(HTTP 200, 1 attempt\\)\\n- chat: `),
    );

    // Asked again (a retry, a reset): nothing more is posted.
    for (const input of world.log.of('deliverNotification')) await s.notify.deliverNotification(input);
    expect(since(n)).toHaveLength(2);
  });
});

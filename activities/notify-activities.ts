/**
 * Delivery of notifications to the configured webhooks. A workflow names
 * the webhook and what to send by reference (see NotifyRef); the URL is
 * looked up here, on the worker, from its own config file or environment,
 * because a Slack or Matrix webhook URL is itself a token and must reach no
 * workflow history, log, alert or report.
 */
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { LoadedConfig } from '../config/load';
import { notifyTargetsOf, type NotifyTargets, type Webhook } from '../config/notifications';
import type { RunEnv } from '../contract/types';
import { deliveryVerdict, notificationKey, webhookPayload, type Notification, type NotifyRef } from '../domain/notification';
import { Alert } from '../domain/warm-records';
import { postJson, scrub, WebhookUnreachable } from '../adapters/webhook';
import { listAlerts } from '../state/alerts';
import { readJson } from '../state/json-store';
import { listDeliveries, noteInReport, readDelivery, recordAttempt, type Delivery } from '../state/notifications';
import { paths } from '../state/paths';

/** Failure types a retry cannot fix: the workflow records the delivery failed at once. */
export const NOTIFY_NON_RETRYABLE = ['WebhookRefused', 'WebhookMisconfigured', 'UnknownWebhook', 'NothingToNotify'];

type Env = Pick<RunEnv, 'stateDir' | 'uiWorkflows'>;

export function createNotifyActivities(deps: { config: () => Promise<LoadedConfig> }) {
  const webhookOf = async (name: string): Promise<Webhook> => {
    const hook = (await deps.config()).config.notifications.webhooks.find((w) => w.name === name);
    if (!hook) throw ApplicationFailure.nonRetryable(`webhook "${name}" is no longer in the config`, 'UnknownWebhook');
    return hook;
  };
  const log = () => Context.current().log;

  return {
    /** The names of the webhooks that want each kind of notification (empty lists: nothing to deliver). */
    async notificationTargets(_i: Record<string, never> = {}): Promise<NotifyTargets> {
      return notifyTargetsOf((await deps.config()).config.notifications);
    },

    /** Keys of the alerts a sweep's recipes raised (a canonical not restored): those at or after `since` for these recipes. */
    async sweepAlertKeys(i: { env: Env; recipes: string[]; since: string }): Promise<string[]> {
      return (await listAlerts(i.env.stateDir))
        .filter(({ alert: a }) => a && a.reason === 'canonical-not-restored' && i.recipes.includes(a.app) && a.ts >= i.since)
        .map(({ file }) => path.basename(file, '.json'));
    },

    /**
     * Posts one notification to one webhook, once. A delivery record written
     * after a 2xx makes every later attempt (a retry, a replay, a reset) a
     * no-op; the Idempotency-Key header covers the gap between a 2xx and its
     * record. A 5xx, 408, 429 or no answer is retried by Temporal (backoff,
     * bounded attempts); any other status is refused for good.
     */
    async deliverNotification(i: { env: Env; webhook: string; item: NotifyRef }): Promise<Delivery> {
      const key = notificationKey(i.item);
      const done = await readDelivery(i.env.stateDir, key, i.webhook);
      if (done?.status === 'delivered') return done;
      const hook = await webhookOf(i.webhook);
      const base = { key, webhook: i.webhook, kind: i.item.kind, subject: subjectOf(i.item) } as const;
      const attempt = Context.current().info.attempt;
      const url = hook.url ?? (hook.urlEnv ? process.env[hook.urlEnv] : undefined);
      if (!url || !/^https?:\/\/\S+$/.test(url)) {
        const error = `no http(s) URL: ${hook.urlEnv ? `environment variable ${hook.urlEnv} is ${url ? 'not an http(s) URL' : 'unset'} on the worker` : 'url missing'}`;
        await recordAttempt(i.env.stateDir, { ...base, status: 'failed', error, attempt });
        throw ApplicationFailure.nonRetryable(`webhook ${i.webhook}: ${error}`, 'WebhookMisconfigured');
      }
      const body = webhookPayload(hook.format, await notificationOf(i.env.stateDir, i.item), {
        ...(i.env.uiWorkflows ? { uiWorkflows: i.env.uiWorkflows } : {}),
      });
      let status: number;
      try {
        status = (await postJson(url, body, { timeoutMs: hook.timeoutSeconds * 1000, idempotencyKey: `coopci-${key}` })).status;
      } catch (e) {
        const error = e instanceof WebhookUnreachable ? e.message : scrub((e as Error).message, url);
        await recordAttempt(i.env.stateDir, { ...base, status: 'retrying', error, attempt });
        log().warn('webhook unreachable; retrying', { webhook: i.webhook, key, attempt, error });
        throw ApplicationFailure.retryable(`webhook ${i.webhook}: ${error}`, 'WebhookUnreachable');
      }
      const verdict = deliveryVerdict(status);
      if (verdict === 'delivered') {
        log().info('notification delivered', { webhook: i.webhook, key, httpStatus: status, attempt });
        return recordAttempt(i.env.stateDir, { ...base, status: 'delivered', httpStatus: status, attempt });
      }
      const error = `HTTP ${status}`;
      await recordAttempt(i.env.stateDir, { ...base, status: verdict === 'retry' ? 'retrying' : 'failed', httpStatus: status, error, attempt });
      log().warn(`webhook answered ${error}${verdict === 'retry' ? '; retrying' : '; not retried'}`, { webhook: i.webhook, key, attempt });
      if (verdict === 'retry') throw ApplicationFailure.retryable(`webhook ${i.webhook} answered ${error}`, 'WebhookFailed');
      throw ApplicationFailure.nonRetryable(`webhook ${i.webhook} refused the notification: ${error}`, 'WebhookRefused');
    },

    /** After the last attempt: the delivery is recorded failed (unless it was delivered after all) and logged; the caller goes on. */
    async recordNotificationFailure(i: { env: Env; webhook: string; item: NotifyRef; error: string }): Promise<Delivery> {
      const hook = (await deps.config()).config.notifications.webhooks.find((w) => w.name === i.webhook);
      const url = hook?.url ?? (hook?.urlEnv ? process.env[hook.urlEnv] : undefined);
      const error = url ? scrub(i.error, url) : i.error;
      const key = notificationKey(i.item);
      const before = await readDelivery(i.env.stateDir, key, i.webhook);
      // Refused (a 4xx) or misconfigured: the activity recorded it already, in its own words.
      if (before?.status === 'failed' || before?.status === 'delivered') return before;
      // Retries exhausted: the last attempt's error ("HTTP 503", "no answer within 10s") says it best.
      const d = await recordAttempt(i.env.stateDir, {
        key,
        webhook: i.webhook,
        kind: i.item.kind,
        subject: subjectOf(i.item),
        status: 'failed',
        error: before?.error ?? error,
      });
      log().error('notification not delivered', { webhook: i.webhook, key, attempts: d.attempts, error: d.error });
      return d;
    },

    /** Adds the deliveries of these notifications to the sweep's report.md (a section of its own, replaced on a retry). */
    async noteNotificationsInReport(i: { env: Env; sweepId: string; keys: string[] }): Promise<void> {
      const mine = (await listDeliveries(i.env.stateDir)).flatMap((d) => (d.delivery && i.keys.includes(d.delivery.key) ? [d.delivery] : []));
      await noteInReport(path.join(paths.runDir(i.env.stateDir, i.sweepId), 'report.md'), mine);
    },
  };
}

function subjectOf(item: NotifyRef): string {
  switch (item.kind) {
    case 'alert':
      return item.alertKey;
    case 'resolved':
      return item.app;
    case 'sweep':
      return item.summary.sweepId;
  }
}

/** The notification itself, from the records on disk: the alert as written, the alerts that deploy resolved. */
async function notificationOf(stateDir: string, item: NotifyRef): Promise<Notification> {
  switch (item.kind) {
    case 'alert': {
      const alert = await readJson(paths.alert(stateDir, item.alertKey), Alert);
      if (!alert) throw ApplicationFailure.nonRetryable(`alert ${item.alertKey} is gone (cleared before it was delivered)`, 'NothingToNotify');
      return { kind: 'alert', key: item.alertKey, alert, ...(item.workflowId ? { workflowId: item.workflowId } : {}) };
    }
    case 'resolved': {
      const alerts = (await listAlerts(stateDir)).flatMap(({ alert: a }) =>
        a && a.app === item.app && a.resolvedBy === item.by && a.resolvedAt === item.at ? [a] : [],
      );
      return { kind: 'resolved', app: item.app, version: item.version, by: item.by, at: item.at, alerts };
    }
    case 'sweep':
      return { kind: 'sweep', summary: item.summary };
  }
}

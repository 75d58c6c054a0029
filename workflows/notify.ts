/**
 * Notifications from workflow code: alerts, their resolution and a sweep's
 * summary, to the configured webhooks. Only names and references travel
 * here (see NotifyRef); the activities read the webhook URLs on the worker.
 * A notification never changes how a deploy or a sweep ends: every failure
 * is recorded and logged, then the workflow goes on.
 */
import { log, patched, proxyActivities } from '@temporalio/workflow';
import type { NotifyTargets } from '../config/notifications';
import type { RunEnv } from '../contract/types';
import { notificationKey, type NotifyRef } from '../domain/notification';
import type { Activities } from './activity-types';
import { causeMessage } from './errors';

/**
 * Patch id: a warm deploy posts its alert (or the resolution of the app's
 * alerts) and a sweep its summary to the configured webhooks. Executions
 * from before it replay without these steps.
 */
export const NOTIFY_WEBHOOKS = 'notify-webhooks';

/** Attempts per delivery: with the backoff below, a receiver gets about half a minute to come back. */
export const DELIVERY_ATTEMPTS = 5;

// Reading the config's webhooks, recording a failure: quick file work. A worker without these activities (one from before them) fails at once: no notification then.
const setup = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3, initialInterval: '1s', nonRetryableErrorTypes: ['NotFoundError', 'ConfigError'] },
});
// One POST: its own timeout (timeoutSeconds, at most 60) plus the record, well inside 90 s.
const post = proxyActivities<Activities>({
  startToCloseTimeout: '90 seconds',
  retry: {
    maximumAttempts: DELIVERY_ATTEMPTS,
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    // Mirrors NOTIFY_NON_RETRYABLE (the activities mark these non-retryable themselves; this is a second guard).
    nonRetryableErrorTypes: ['WebhookRefused', 'WebhookMisconfigured', 'UnknownWebhook', 'NothingToNotify'],
  },
});

/**
 * Delivers each item to every webhook that wants its kind, all at once.
 * `more` is asked for further items only when some webhook wants alerts
 * (a sweep's recipe alerts). Returns the keys of what was delivered or
 * recorded failed. Which webhooks want what comes from `env.notify` (names
 * only, from the config the run loaded): when none wants anything, not one
 * command is added, and executions from before the patch add none either.
 * An env without `notify` (loaded by a worker that does not yet put it
 * there) has the worker look it up.
 */
export async function notifyWebhooks(env: RunEnv & { notify?: NotifyTargets }, items: NotifyRef[], more?: () => Promise<NotifyRef[]>): Promise<string[]> {
  const wanted = (t: NotifyTargets) => items.some((i) => t[i.kind].length > 0) || (more !== undefined && t.alert.length > 0);
  if (env.notify && !wanted(env.notify)) return [];
  if ((items.length === 0 && !more) || !patched(NOTIFY_WEBHOOKS)) return [];
  try {
    const targets = env.notify ?? (await setup.notificationTargets.executeWithOptions({ summary: 'which webhooks to notify' }, [{}]));
    const all = [...items, ...(more && targets.alert.length > 0 ? await more() : [])];
    const jobs = all.flatMap((item) => targets[item.kind].map((webhook) => ({ item, webhook })));
    await Promise.all(
      jobs.map(({ item, webhook }) =>
        post.deliverNotification
          .executeWithOptions({ summary: `notify ${webhook}: ${notificationKey(item)}` }, [{ env, webhook, item }])
          .catch((e) =>
            setup.recordNotificationFailure
              .executeWithOptions({ summary: `record failed notification ${webhook}` }, [{ env, webhook, item, error: causeMessage(e) }])
              .catch((e2) => log.warn('could not record a failed notification', { webhook, error: causeMessage(e2) })),
          ),
      ),
    );
    return [...new Set(jobs.map((j) => notificationKey(j.item)))];
  } catch (e) {
    log.warn('notifications not sent', { error: causeMessage(e) });
    return [];
  }
}

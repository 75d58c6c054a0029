import { z } from 'zod';

/**
 * Webhooks that alerts, their resolution and each sweep's summary are posted
 * to. A Slack or Matrix webhook URL *is* a secret (its path is the token), so
 * the URL never leaves the worker: workflows carry only the webhook's `name`,
 * and the delivery activity looks the URL up in the worker's own config file
 * (`url`) or environment (`urlEnv`) at the moment it posts. Neither appears
 * in workflow inputs, the Web UI, logs, alerts, delivery records or reports.
 */

export const NOTIFY_EVENTS = ['alert', 'resolved', 'sweep'] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

const httpUrl = z
  .string()
  .min(1)
  .superRefine((u, ctx) => {
    let parsed: URL;
    try {
      parsed = new URL(u);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an http:// or https:// URL' });
      return;
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      ctx.addIssue({ code: 'custom', message: `must be an http:// or https:// URL, not ${parsed.protocol}` });
    // fetch() refuses such URLs, and a user:password belongs in neither the file nor a log line.
    else if (parsed.username || parsed.password)
      ctx.addIssue({ code: 'custom', message: 'must not carry user:password@ (HTTP clients refuse it); use the token URL the service gives you' });
  });

export const Webhook = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes (at most 63), e.g. "ops-matrix"')
      .describe('Names the webhook in workflow history, delivery records and `coopci notifications list`; the only thing about it a workflow ever sees.'),
    url: httpUrl
      .optional()
      .describe(
        'The webhook URL (http or https), read by the worker from this file when it posts. Keep this file readable by the worker only, or use `urlEnv`: a Slack or Matrix webhook URL is itself a token.',
      ),
    urlEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name such as COOPCI_SLACK_WEBHOOK')
      .optional()
      .describe(
        'The name of an environment variable of the worker holding the URL instead (keeps the token out of a config file that is committed or in the Nix store). Checked when a delivery runs: unset or not http(s) is a failed delivery, named in the record.',
      ),
    format: z
      .enum(['generic', 'matrix', 'slack'])
      .default('generic')
      .describe(
        'Payload shape: `generic` JSON (kind, app, reason, versions, counts, links), `matrix` (m.text with HTML, for a Matrix hookshot webhook) or `slack` (text and blocks).',
      ),
    events: z
      .array(z.enum(NOTIFY_EVENTS))
      .min(1, 'list at least one of alert, resolved, sweep (or leave events out for all three)')
      .default([...NOTIFY_EVENTS])
      .describe(
        'What is posted: `alert` (a gated deploy failed, a canonical not restored), `resolved` (a later healthy deploy), `sweep` (its summary). All three by default.',
      ),
    timeoutSeconds: z
      .number()
      .int()
      .positive()
      .max(60)
      .default(10)
      .describe('How long one POST may take (at most 60); a slower one counts as a failed attempt and is retried.'),
  })
  .strict()
  .superRefine((w, ctx) => {
    if ((w.url === undefined) === (w.urlEnv === undefined)) ctx.addIssue({ code: 'custom', path: ['url'], message: 'give exactly one of url or urlEnv' });
  });
export type Webhook = z.infer<typeof Webhook>;

export const Notifications = z
  .object({
    webhooks: z.array(Webhook).default([]).describe('Where notifications go; none by default.'),
  })
  .strict()
  .superRefine((n, ctx) => {
    const seen = new Map<string, number>();
    n.webhooks.forEach((w, i) => {
      if (seen.has(w.name))
        ctx.addIssue({ code: 'custom', path: ['webhooks', i, 'name'], message: `duplicate webhook "${w.name}" (first at index ${seen.get(w.name)})` });
      else seen.set(w.name, i);
    });
  });
export type Notifications = z.infer<typeof Notifications>;

/** Which webhooks want each kind of notification, by name only: what a workflow may know of them. */
export type NotifyTargets = Record<NotifyEvent, string[]>;

export function notifyTargetsOf(n: Notifications): NotifyTargets {
  const of = (e: NotifyEvent) => n.webhooks.filter((h) => h.events.includes(e)).map((h) => h.name);
  return { alert: of('alert'), resolved: of('resolved'), sweep: of('sweep') };
}

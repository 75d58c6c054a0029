/**
 * What a webhook is sent: one notification (an alert, the resolution of an
 * app's alerts, a sweep's summary) in one of three shapes. Pure: the
 * activity reads the records, this builds the body, with every free text
 * redacted (an alert's state or a recipe's reason may quote a command's
 * output) and escaped for the format that renders it.
 */
import { printable, redact } from './redact';
import type { Alert } from './warm-records';

export type WebhookFormat = 'generic' | 'matrix' | 'slack';

/** A sweep's outcome in counts, and the recipes that went red, as the sweep computes it (deterministically) for its notification. */
export interface SweepSummary {
  sweepId: string;
  aborted: boolean;
  abortReason?: string;
  total: number;
  /** Recipes per label (PROMOTED, FAILED, …); labels with none are left out. */
  counts: Record<string, number>;
  /** FAILED and GREEN_BUT_PROMOTE_FAILED recipes, with their (short) reasons. */
  red: { recipe: string; label: string; version: string | null; reason: string }[];
  /** When the sweep's first recipe started: alerts raised by its recipes are not older. */
  since: string | null;
  reportFile?: string;
}

export type Notification =
  | { kind: 'alert'; key: string; alert: Alert; workflowId?: string }
  | { kind: 'resolved'; app: string; version: string; by: string; at: string; alerts: Alert[] }
  | { kind: 'sweep'; summary: SweepSummary };

/**
 * What a workflow asks to be delivered: references only (an alert's key,
 * the deploy that resolved an app's alerts, a sweep's counts). The activity
 * reads the records themselves from the state dir, and the webhook's URL
 * from the worker's config.
 */
export type NotifyRef =
  | { kind: 'alert'; alertKey: string; workflowId?: string }
  | { kind: 'resolved'; app: string; version: string; by: string; at: string }
  | { kind: 'sweep'; summary: SweepSummary };

/** Web UI links: the namespace's workflow list (a workflow's page is it plus the id). */
export interface Links {
  uiWorkflows?: string;
}

/** The summary of a finished sweep, from its results. */
export function summarizeSweep(r: {
  sweepId: string;
  aborted: boolean;
  abortReason?: string;
  reportFile?: string;
  results: { recipe: string; label: string; reason: string; version: string | null; startedAt: string }[];
}): SweepSummary {
  const counts: Record<string, number> = {};
  for (const x of r.results) counts[x.label] = (counts[x.label] ?? 0) + 1;
  const starts = r.results
    .map((x) => x.startedAt)
    .filter(Boolean)
    .sort();
  return {
    sweepId: r.sweepId,
    aborted: r.aborted,
    ...(r.abortReason ? { abortReason: r.abortReason } : {}),
    total: r.results.length,
    counts,
    red: r.results
      .filter((x) => x.label === 'FAILED' || x.label === 'GREEN_BUT_PROMOTE_FAILED')
      .map((x) => ({ recipe: x.recipe, label: x.label, version: x.version, reason: x.reason })),
    since: starts[0] ?? null,
    ...(r.reportFile ? { reportFile: r.reportFile } : {}),
  };
}

/**
 * The delivery's key: one per alert, per resolving deploy, per sweep. The
 * same key on every attempt and every replay, so a delivery record (and the
 * receiver, through the Idempotency-Key header) sees one notification once.
 */
export function notificationKey(n: NotifyRef): string {
  const compact = (s: string) => s.replace(/[^A-Za-z0-9_-]+/g, '');
  switch (n.kind) {
    case 'alert':
      return `alert-${compact(n.alertKey)}`;
    case 'resolved':
      return `resolved-${compact(n.app)}-${compact(n.at)}`;
    case 'sweep':
      return `sweep-${compact(n.summary.sweepId)}`;
  }
}

/** Free text made safe to send: secrets redacted, terminal garbage removed, one line, bounded. */
export function clean(text: string, max = 500): string {
  const t = printable(redact(text)).replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

const workflowLink = (links: Links, id: string | undefined) => (links.uiWorkflows && id ? `${links.uiWorkflows}${encodeURIComponent(id)}` : undefined);

/** The notification as a title, lines of text and links, before a format dresses it. */
interface Message {
  title: string;
  lines: string[];
  link?: string;
}

function messageOf(n: Notification, links: Links): Message {
  switch (n.kind) {
    case 'alert': {
      const a = n.alert;
      return {
        title: `coopci alert: ${a.app} ${a.reason}`,
        lines: [`version ${a.version}, last good ${a.lastGood ?? 'none'}`, clean(a.state), `raised ${a.ts}`],
        ...optional('link', workflowLink(links, n.workflowId)),
      };
    }
    case 'resolved':
      return {
        title: `coopci resolved: ${n.app} healthy on ${n.version}`,
        lines: [
          `${n.alerts.length} alert${n.alerts.length === 1 ? '' : 's'} resolved: ${n.alerts.map((a) => `${a.reason} (${a.version}, ${a.ts})`).join(', ') || 'none'}`,
          `by ${n.by} at ${n.at}`,
        ],
        ...optional('link', workflowLink(links, n.by)),
      };
    case 'sweep': {
      const s = n.summary;
      const counts = Object.entries(s.counts)
        .map(([label, count]) => `${count} ${label}`)
        .join(', ');
      return {
        title: `coopci sweep ${s.sweepId}: ${s.aborted ? 'aborted, ' : ''}${counts || 'no recipes'}`,
        lines: [
          ...(s.abortReason ? [`aborted: ${clean(s.abortReason)}`] : []),
          ...s.red.map((r) => `${r.recipe} ${r.label}${r.version ? ` ${r.version}` : ''}: ${clean(r.reason, 300)}`),
          ...(s.reportFile ? [`report: ${s.reportFile}`] : []),
        ],
        ...optional('link', workflowLink(links, s.sweepId)),
      };
    }
  }
}

const optional = <K extends string, V>(k: K, v: V | undefined) => (v === undefined ? {} : ({ [k]: v } as Record<K, V>));

/** The generic JSON body: the facts as fields, for a receiver that routes on them. */
function generic(n: Notification, links: Links, m: Message): Record<string, unknown> {
  const base = { source: 'coopci', kind: n.kind, title: m.title, text: [m.title, ...m.lines].join('\n') };
  const ui = { ...optional('workflow', m.link), ...optional('workflows', links.uiWorkflows) };
  switch (n.kind) {
    case 'alert': {
      const a = n.alert;
      return { ...base, app: a.app, reason: a.reason, version: a.version, lastGood: a.lastGood, state: clean(a.state), ts: a.ts, links: ui };
    }
    case 'resolved':
      return {
        ...base,
        app: n.app,
        version: n.version,
        ts: n.at,
        resolvedBy: n.by,
        alerts: n.alerts.map((a) => ({ reason: a.reason, version: a.version, lastGood: a.lastGood, ts: a.ts })),
        links: ui,
      };
    case 'sweep': {
      const s = n.summary;
      return {
        ...base,
        sweep: {
          id: s.sweepId,
          aborted: s.aborted,
          ...(s.abortReason ? { abortReason: clean(s.abortReason) } : {}),
          total: s.total,
          counts: s.counts,
          red: s.red.map((r) => ({ ...r, reason: clean(r.reason, 300) })),
          ...optional('reportFile', s.reportFile),
        },
        ts: s.since,
        links: ui,
      };
    }
  }
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
// Slack's mrkdwn: only these three are control characters.
const escapeSlack = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The body posted to a webhook of the given format. */
export function webhookPayload(format: WebhookFormat, n: Notification, links: Links = {}): Record<string, unknown> {
  const m = messageOf(n, links);
  const lines = m.lines.filter((l) => l.length > 0);
  switch (format) {
    case 'generic':
      return generic(n, links, m);
    case 'matrix':
      // A Matrix m.text message, as a hookshot generic webhook (or a bot relaying it) posts it to a room.
      return {
        msgtype: 'm.text',
        body: [m.title, ...lines, ...(m.link ? [m.link] : [])].join('\n'),
        format: 'org.matrix.custom.html',
        formatted_body:
          `<strong>${escapeHtml(m.title)}</strong>` +
          (lines.length ? `<br>${lines.map(escapeHtml).join('<br>')}` : '') +
          (m.link ? `<br><a href="${escapeHtml(m.link)}">Web UI</a>` : ''),
      };
    case 'slack': {
      const text = [m.title, ...lines].join('\n');
      return {
        text,
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: `*${escapeSlack(m.title)}*${lines.length ? `\n${lines.map(escapeSlack).join('\n')}` : ''}` } },
          ...(m.link ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: `<${escapeSlack(m.link)}|Web UI>` }] }] : []),
        ],
      };
    }
  }
}

/** How an HTTP answer is taken: 2xx delivered; 408, 425, 429 and 5xx tried again; any other status refused for good (retrying cannot fix a 4xx). */
export function deliveryVerdict(status: number): 'delivered' | 'retry' | 'refused' {
  if (status >= 200 && status < 300) return 'delivered';
  if (status >= 500 || status === 408 || status === 425 || status === 429) return 'retry';
  return 'refused';
}

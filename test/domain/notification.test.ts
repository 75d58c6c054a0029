/** Webhook payloads: the three shapes, the keys that make a delivery happen once, the verdict on an HTTP status, and redaction. */
import { describe, expect, it } from 'vitest';
import { deliveryVerdict, notificationKey, summarizeSweep, webhookPayload, type Notification } from '../../domain/notification';
import type { Alert } from '../../domain/warm-records';

const alert: Alert = {
  app: 'traefik',
  reason: 'unhealthy-on-latest',
  ts: '2026-03-01T03:00:00.000Z',
  version: '1.3.0+3.3',
  lastGood: '1.1.0+3.1',
  // What a failing command may have printed: secrets and a URL with credentials, plus HTML.
  state: 'gate saw HTTP 500 <b>oops</b>; DB_PASSWORD=hunter2hunter2 at https://admin:s3cret@git.example.org/x\x1b[31m',
};
const links = { uiWorkflows: 'http://ui.example.org/namespaces/default/workflows/' };
const alertN: Notification = { kind: 'alert', key: '20260301T030000000Z-traefik-unhealthy-on-latest', alert, workflowId: 'deploy-traefik' };
const resolvedN: Notification = {
  kind: 'resolved',
  app: 'traefik',
  version: '1.4.0+3.4',
  by: 'deploy-traefik',
  at: '2026-03-02T03:00:00.000Z',
  alerts: [{ ...alert, resolvedAt: '2026-03-02T03:00:00.000Z', resolvedBy: 'deploy-traefik' }],
};
const summary = summarizeSweep({
  sweepId: 'sweep-weekly-2026-03-01',
  aborted: false,
  reportFile: '/var/lib/coopci/runs/sweep-weekly-2026-03-01/report.md',
  results: [
    { recipe: 'hello', label: 'PROMOTED', reason: 'canonical is 1.0.0+1.0', version: '1.0.0+1.0', startedAt: '2026-03-01T03:00:05.000Z' },
    { recipe: 'broken', label: 'FAILED', reason: 'install: API_TOKEN=abcdef123456 leaked', version: '2.0.0+1.0', startedAt: '2026-03-01T03:00:01.000Z' },
    { recipe: 'old', label: 'SKIPPED', reason: 'canonical current', version: '1.0.0+1.0', startedAt: '2026-03-01T03:00:09.000Z' },
    { recipe: 'x', label: 'FAILED', reason: 'tier red', version: null, startedAt: '2026-03-01T03:00:10.000Z' },
  ],
});
const sweepN: Notification = { kind: 'sweep', summary };

const SECRETS = ['hunter2hunter2', 's3cret', 'admin:', 'abcdef123456'];
const noSecrets = (body: unknown) => {
  const text = JSON.stringify(body);
  for (const s of SECRETS) expect(text).not.toContain(s);
  expect(text).not.toContain('\\u001b');
};

describe('summarizeSweep', () => {
  it('counts labels, lists the red recipes and names the first start', () => {
    expect(summary).toMatchObject({
      total: 4,
      counts: { PROMOTED: 1, FAILED: 2, SKIPPED: 1 },
      red: [
        { recipe: 'broken', label: 'FAILED', version: '2.0.0+1.0' },
        { recipe: 'x', label: 'FAILED', version: null },
      ],
      since: '2026-03-01T03:00:01.000Z',
    });
  });
});

describe('notificationKey', () => {
  it('is one per alert, per resolving deploy and per sweep, and a single safe segment', () => {
    expect(notificationKey({ kind: 'alert', alertKey: alertN.key })).toBe('alert-20260301T030000000Z-traefik-unhealthy-on-latest');
    expect(notificationKey({ kind: 'resolved', app: 'traefik', version: '1.4.0+3.4', by: 'x', at: '2026-03-02T03:00:00.000Z' })).toBe(
      'resolved-traefik-2026-03-02T030000000Z',
    );
    expect(notificationKey({ kind: 'sweep', summary: { ...summary, sweepId: 'sweep/../x y' } })).toBe('sweep-sweepxy');
  });
});

describe('webhookPayload', () => {
  it('generic: the facts as fields, the state redacted, links to the Web UI', () => {
    const body = webhookPayload('generic', alertN, links);
    expect(body).toMatchObject({
      source: 'coopci',
      kind: 'alert',
      app: 'traefik',
      reason: 'unhealthy-on-latest',
      version: '1.3.0+3.3',
      lastGood: '1.1.0+3.1',
      ts: '2026-03-01T03:00:00.000Z',
      links: { workflow: 'http://ui.example.org/namespaces/default/workflows/deploy-traefik', workflows: links.uiWorkflows },
    });
    expect(body.state).toContain('DB_PASSWORD=[redacted]');
    expect(body.state).toContain('https://[redacted]@git.example.org');
    noSecrets(body);
    expect(webhookPayload('generic', resolvedN, links)).toMatchObject({
      kind: 'resolved',
      app: 'traefik',
      version: '1.4.0+3.4',
      resolvedBy: 'deploy-traefik',
      alerts: [{ reason: 'unhealthy-on-latest', version: '1.3.0+3.3' }],
    });
    const s = webhookPayload('generic', sweepN, links);
    expect(s).toMatchObject({
      kind: 'sweep',
      sweep: { id: 'sweep-weekly-2026-03-01', total: 4, counts: { PROMOTED: 1, FAILED: 2, SKIPPED: 1 }, reportFile: summary.reportFile },
      links: { workflow: `${links.uiWorkflows}sweep-weekly-2026-03-01` },
    });
    noSecrets(s);
  });

  it('matrix: an m.text message with plain and HTML bodies, HTML escaped', () => {
    const body = webhookPayload('matrix', alertN, links);
    expect(Object.keys(body).sort()).toEqual(['body', 'format', 'formatted_body', 'msgtype']);
    expect(body).toMatchObject({ msgtype: 'm.text', format: 'org.matrix.custom.html' });
    expect(body.body).toMatch(/^coopci alert: traefik unhealthy-on-latest\nversion 1\.3\.0\+3\.3, last good 1\.1\.0\+3\.1\n/);
    expect(body.formatted_body).toContain('<strong>coopci alert: traefik unhealthy-on-latest</strong><br>');
    expect(body.formatted_body).toContain('&lt;b&gt;oops&lt;/b&gt;');
    expect(body.formatted_body).not.toContain('<b>oops');
    expect(body.formatted_body).toContain('<a href="http://ui.example.org/namespaces/default/workflows/deploy-traefik">Web UI</a>');
    noSecrets(body);
    expect(webhookPayload('matrix', sweepN).body).toMatch(
      /^coopci sweep sweep-weekly-2026-03-01: 1 PROMOTED, 2 FAILED, 1 SKIPPED\nbroken FAILED 2\.0\.0\+1\.0: install: API_TOKEN=\[redacted\] leaked\n/,
    );
  });

  it('slack: text plus mrkdwn blocks, escaped, with the Web UI link as context', () => {
    const body = webhookPayload('slack', resolvedN, links) as {
      text: string;
      blocks: { type: string; text?: { text: string }; elements?: { text: string }[] }[];
    };
    expect(body.text).toBe(
      'coopci resolved: traefik healthy on 1.4.0+3.4\n1 alert resolved: unhealthy-on-latest (1.3.0+3.3, 2026-03-01T03:00:00.000Z)\nby deploy-traefik at 2026-03-02T03:00:00.000Z',
    );
    expect(body.blocks[0]).toMatchObject({ type: 'section', text: { type: 'mrkdwn' } });
    expect(body.blocks[1]).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: '<http://ui.example.org/namespaces/default/workflows/deploy-traefik|Web UI>' }],
    });
    const a = webhookPayload('slack', alertN) as { blocks: { text?: { text: string } }[] };
    expect(a.blocks[0]!.text!.text).toContain('&lt;b&gt;oops&lt;/b&gt;');
    expect(a.blocks).toHaveLength(1); // no Web UI configured: no link
    noSecrets(a);
  });
});

describe('deliveryVerdict', () => {
  it.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [500, 'retry'],
    [503, 'retry'],
    [429, 'retry'],
    [408, 'retry'],
    [400, 'refused'],
    [401, 'refused'],
    [404, 'refused'],
    [302, 'refused'],
  ] as const)('HTTP %i: %s', (status, verdict) => {
    expect(deliveryVerdict(status)).toBe(verdict);
  });
});

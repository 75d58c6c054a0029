/**
 * Delivery records: stateDir/notifications/<key>--<webhook>.json, one per
 * notification and webhook. `delivered` is written only after a 2xx, and a
 * delivery that finds it posts nothing: a retried activity, a replayed or
 * reset workflow never posts the same notification twice. `retrying` and
 * `failed` say what went wrong, for `coopci notifications list` and the
 * sweep report. Never the URL, never a response body.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { safeSegment } from '../domain/run-layout';
import { readJson, writeJsonAtomic } from './json-store';

export const Delivery = z
  .object({
    key: z.string(),
    webhook: z.string(),
    kind: z.enum(['alert', 'resolved', 'sweep']),
    /** The app, or the sweep's id. */
    subject: z.string(),
    status: z.enum(['retrying', 'delivered', 'failed']),
    attempts: z.number().int().nonnegative(),
    httpStatus: z.number().int().optional(),
    /** The last failure, redacted. */
    error: z.string().optional(),
    firstTriedAt: z.string().datetime(),
    lastTriedAt: z.string().datetime(),
    deliveredAt: z.string().datetime().optional(),
  })
  .strict();
export type Delivery = z.infer<typeof Delivery>;

const dirOf = (stateDir: string) => path.join(stateDir, 'notifications');
export const deliveryFile = (stateDir: string, key: string, webhook: string) => path.join(dirOf(stateDir), `${safeSegment(`${key}--${webhook}`)}.json`);

export function readDelivery(stateDir: string, key: string, webhook: string): Promise<Delivery | null> {
  return readJson(deliveryFile(stateDir, key, webhook), Delivery);
}

/** Records an attempt's outcome; a delivered record is final and never overwritten. Returns what is on disk. */
export async function recordAttempt(
  stateDir: string,
  d: Pick<Delivery, 'key' | 'webhook' | 'kind' | 'subject' | 'status'> & { httpStatus?: number; error?: string; attempt?: number },
): Promise<Delivery> {
  const file = deliveryFile(stateDir, d.key, d.webhook);
  const before = await readJson(file, Delivery);
  if (before?.status === 'delivered') return before;
  const now = new Date().toISOString();
  const record = Delivery.parse({
    key: d.key,
    webhook: d.webhook,
    kind: d.kind,
    subject: d.subject,
    status: d.status,
    // A failure recorded by the workflow after the last attempt is not one more attempt.
    attempts: d.attempt ?? before?.attempts ?? 0,
    ...(d.httpStatus !== undefined ? { httpStatus: d.httpStatus } : before?.httpStatus !== undefined ? { httpStatus: before.httpStatus } : {}),
    ...(d.error !== undefined ? { error: d.error } : before?.error && d.status !== 'delivered' ? { error: before.error } : {}),
    firstTriedAt: before?.firstTriedAt ?? now,
    lastTriedAt: now,
    ...(d.status === 'delivered' ? { deliveredAt: now } : {}),
  });
  await writeJsonAtomic(file, record);
  return record;
}

/** Every delivery record, newest attempt last; a broken file is reported, not dropped. */
export async function listDeliveries(stateDir: string): Promise<{ file: string; delivery: Delivery | null; error?: string }[]> {
  const dir = dirOf(stateDir);
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
  const all = await Promise.all(
    names.map(async (n) => {
      const file = path.join(dir, n);
      try {
        return { file, delivery: Delivery.parse(JSON.parse(await readFile(file, 'utf8'))) };
      } catch (e) {
        return { file, delivery: null, error: (e as Error).message.split('\n')[0] };
      }
    }),
  );
  return all.sort((a, b) => (a.delivery?.lastTriedAt ?? '').localeCompare(b.delivery?.lastTriedAt ?? ''));
}

const SECTION = '\n## Notifications\n';

/**
 * Adds (or replaces) the "Notifications" section of a sweep's report.md:
 * one line per webhook and notification, failures first in words.
 */
export async function noteInReport(reportFile: string, deliveries: Delivery[]): Promise<void> {
  const text = await readFile(reportFile, 'utf8').catch(() => null);
  if (text === null) return;
  const at = text.indexOf(SECTION);
  const head = at < 0 ? text.replace(/\n*$/, '\n\n') : text.slice(0, at + 1);
  const lines = deliveries.map(
    (d) =>
      `- ${d.webhook}: ${d.kind} ${d.subject}: ${d.status}` +
      (d.status === 'delivered' ? ` (HTTP ${d.httpStatus ?? '2xx'}, ${d.attempts} attempt${d.attempts === 1 ? '' : 's'})` : '') +
      (d.status !== 'delivered' && d.error ? ` after ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}: ${d.error}` : ''),
  );
  await writeFile(reportFile, `${head}${SECTION.slice(1)}\n${lines.join('\n') || '- none'}\n`);
}

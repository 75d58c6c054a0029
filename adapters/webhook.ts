/**
 * One POST of a JSON body to a webhook. The URL is a secret (a Slack or
 * Matrix webhook URL is its own token): it is used here and nowhere else,
 * and scrubbed from anything this returns or throws.
 */
import { redact } from '../domain/redact';

export interface PostResult {
  status: number;
  /** How long the POST took. */
  ms: number;
}

/** Thrown when nothing came back: no connection, a reset, the timeout. Its message never holds the URL. */
export class WebhookUnreachable extends Error {
  override name = 'WebhookUnreachable';
}

/**
 * POSTs `body` as JSON with an Idempotency-Key header (a receiver that
 * honours it drops a repeat of a delivery whose answer was lost). Redirects
 * are not followed: a webhook that moved is a configuration to fix, and the
 * body should not travel on to a host nobody configured. The response body
 * is read and dropped unseen (it may echo the request).
 */
export async function postJson(url: string, body: unknown, o: { timeoutMs: number; idempotencyKey: string }): Promise<PostResult> {
  const started = Date.now();
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': o.idempotencyKey, 'user-agent': 'coopci-notify' },
      body: JSON.stringify(body),
      redirect: 'manual',
      signal: AbortSignal.timeout(o.timeoutMs),
    });
    await res.arrayBuffer().catch(() => undefined);
    return { status: res.status, ms: Date.now() - started };
  } catch (e) {
    throw new WebhookUnreachable(scrub(describe(e, o.timeoutMs), url));
  }
}

/** The reason a POST got no answer, from the error and its cause (fetch says only "fetch failed"). */
function describe(e: unknown, timeoutMs: number): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `no answer within ${Math.round(timeoutMs / 1000)}s`;
  const cause = err.cause?.code ?? err.cause?.message;
  return cause ? `${err.message}: ${cause}` : err.message;
}

/** Removes the URL, its path and query from a message (the token is usually in the path). */
export function scrub(text: string, url: string): string {
  const secrets = [url];
  try {
    const u = new URL(url);
    secrets.push(u.href, `${u.pathname}${u.search}`, u.search);
  } catch {
    // not a URL: the whole string is still scrubbed
  }
  return redact(
    text,
    secrets.filter((s) => s.length >= 4 && s !== '/'),
  );
}

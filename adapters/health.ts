import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';

/**
 * An HTTP(S) health probe with curl --resolve semantics: connect to
 * `connectAddress` when given, while SNI, certificate check and Host header
 * use the URL's host name. Anything but an allowed status is unhealthy:
 * refused, TLS failure, timeout, a disallowed code.
 */
export interface ProbeTarget {
  url: string;
  connectAddress?: string;
  allowedStatus: readonly number[];
  requestTimeoutMs: number;
  caFile?: string;
}

export type ProbeResult = { ok: true; status: number } | { ok: false; status?: number; error: string };

export function probeOnce(t: ProbeTarget): Promise<ProbeResult> {
  const url = new URL(t.url);
  const secure = url.protocol === 'https:';
  const port = Number(url.port || (secure ? 443 : 80));
  let ca: Buffer | undefined;
  try {
    ca = secure && t.caFile ? readFileSync(t.caFile) : undefined;
  } catch (e) {
    // A CA bundle that cannot be read is a failed probe (so the gate says why), not a crash of the gate.
    return Promise.resolve({ ok: false, error: `cannot read caFile ${t.caFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
  }
  return new Promise((resolve) => {
    const req = (secure ? https : http).request(
      {
        host: t.connectAddress ?? url.hostname,
        port,
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        headers: { Host: url.host, 'User-Agent': 'coopci-health' },
        timeout: t.requestTimeoutMs,
        agent: false,
        ...(secure ? { servername: url.hostname, ca, rejectUnauthorized: true } : {}),
      },
      (res) => {
        // The body is never read: a health answer may carry details we must not store.
        res.resume();
        const status = res.statusCode ?? 0;
        resolve(t.allowedStatus.includes(status) ? { ok: true, status } : { ok: false, status, error: `HTTP ${status}` });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${t.requestTimeoutMs} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, error: e.code ? `${e.code}: ${e.message}` : e.message }));
    req.end();
  });
}

export interface GateSettings extends ProbeTarget {
  intervalMs: number;
  deadlineMs: number;
  consecutive: number;
}

export interface GateResult {
  healthy: boolean;
  attempts: number;
  elapsedMs: number;
  last: ProbeResult | null;
}

/**
 * Polls until `consecutive` probes in a row pass or the deadline passes. Runs
 * inside one heartbeating activity so a 15-minute gate is one history event,
 * not thousands. `onAttempt` lets the caller stop early (by throwing); the
 * pause between probes ends at once when `signal` aborts.
 */
export async function waitHealthy(g: GateSettings, onAttempt: (r: ProbeResult, n: number) => void = () => {}, signal?: AbortSignal): Promise<GateResult> {
  const start = Date.now();
  let streak = 0;
  let attempts = 0;
  let last: ProbeResult | null = null;
  for (;;) {
    last = await probeOnce(g);
    attempts++;
    onAttempt(last, attempts);
    streak = last.ok ? streak + 1 : 0;
    if (streak >= g.consecutive) return { healthy: true, attempts, elapsedMs: Date.now() - start, last };
    const elapsed = Date.now() - start;
    if (elapsed + g.intervalMs > g.deadlineMs) return { healthy: false, attempts, elapsedMs: elapsed, last };
    await pause(g.intervalMs, signal);
  }
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done);
  });
}

export function describeProbe(r: ProbeResult | null): string {
  if (!r) return 'not probed';
  return r.ok ? `HTTP ${r.status}` : r.error;
}

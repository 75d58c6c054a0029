/**
 * The health gate against real HTTP and HTTPS servers on loopback: it must
 * have teeth (refused, 5xx, TLS mismatch, timeout all fail) and use the
 * configured host name for SNI and Host while connecting to another address.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeOnce, waitHealthy } from '../../adapters/health';
import { freePort } from '../../scripts/dev-server';

const dir = mkdtempSync(path.join(os.tmpdir(), 'coopci-tls-'));
const ca = path.join(dir, 'ca.pem');
const servers: (http.Server | https.Server)[] = [];
const seen: { host?: string; sni?: string }[] = [];

async function listen(s: http.Server | https.Server): Promise<number> {
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

let okHttps = 0;
let status500 = 0;
let slow = 0;
let flaky = 0;

beforeAll(async () => {
  // A throw-away CA and a certificate for proxy.ci.test.local only.
  writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=DNS:proxy.ci.test.local\n');
  await execa('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=test-ca',
    '-keyout',
    path.join(dir, 'ca.key'),
    '-out',
    ca,
  ]);
  await execa('openssl', [
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-subj',
    '/CN=proxy.ci.test.local',
    '-keyout',
    path.join(dir, 'key.pem'),
    '-out',
    path.join(dir, 'csr.pem'),
  ]);
  await execa('openssl', [
    'x509',
    '-req',
    '-in',
    path.join(dir, 'csr.pem'),
    '-CA',
    ca,
    '-CAkey',
    path.join(dir, 'ca.key'),
    '-CAcreateserial',
    '-days',
    '1',
    '-out',
    path.join(dir, 'cert.pem'),
    '-extfile',
    path.join(dir, 'san.ext'),
  ]);
  const tls = { key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) };
  okHttps = await listen(
    https.createServer(tls, (req, res) => {
      seen.push({ host: req.headers.host, sni: (req.socket as unknown as { servername?: string }).servername || undefined });
      res.end('{"Version":"3.6.15"}');
    }),
  );
  status500 = await listen(http.createServer((_q, res) => ((res.statusCode = 500), res.end())));
  slow = await listen(http.createServer(() => {}));
  let n = 0;
  flaky = await listen(http.createServer((_q, res) => ((res.statusCode = ++n % 2 ? 200 : 503), res.end())));
});
afterAll(() => servers.forEach((s) => s.close()));

const target = (url: string, extra = {}) => ({ url, allowedStatus: [200], requestTimeoutMs: 500, ...extra });

describe('probeOnce', () => {
  it('passes HTTPS with the host name as SNI and Host while connecting to loopback', async () => {
    const r = await probeOnce(target(`https://proxy.ci.test.local:${okHttps}/api/version`, { connectAddress: '127.0.0.1', caFile: ca }));
    expect(r).toEqual({ ok: true, status: 200 });
    expect(seen.at(-1)).toEqual({ host: `proxy.ci.test.local:${okHttps}`, sni: 'proxy.ci.test.local' });
  });

  it.each<[string, () => ReturnType<typeof target>, RegExp]>([
    ['a refused connection', () => target(`http://127.0.0.1:1/`), /ECONNREFUSED/],
    ['a 500', () => target(`http://127.0.0.1:${status500}/`), /^HTTP 500$/],
    ['a server that never answers', () => target(`http://127.0.0.1:${slow}/`), /no answer within 500 ms/],
    [
      'a certificate for another name',
      () => target(`https://other.ci.test.local:${okHttps}/`, { connectAddress: '127.0.0.1', caFile: ca }),
      /ERR_TLS_CERT_ALTNAME_INVALID|altnames/,
    ],
    [
      'an untrusted certificate',
      () => target(`https://proxy.ci.test.local:${okHttps}/`, { connectAddress: '127.0.0.1' }),
      /UNABLE_TO_VERIFY|self.signed|unable to verify/i,
    ],
    [
      'a status not allowed',
      () => target(`https://proxy.ci.test.local:${okHttps}/`, { connectAddress: '127.0.0.1', caFile: ca, allowedStatus: [204] }),
      /^HTTP 200$/,
    ],
  ])('fails on %s', async (_n, t, why) => {
    const r = await probeOnce(t());
    expect(r.ok).toBe(false);
    expect(r.ok === false && r.error).toMatch(why);
  });
});

describe('waitHealthy', () => {
  it('needs the configured number of consecutive successes', async () => {
    const r = await waitHealthy({ ...target(`http://127.0.0.1:${flaky}/`), intervalMs: 10, deadlineMs: 500, consecutive: 2 });
    expect(r.healthy).toBe(false);
    const one = await waitHealthy({ ...target(`http://127.0.0.1:${flaky}/`), intervalMs: 10, deadlineMs: 500, consecutive: 1 });
    expect(one.healthy).toBe(true);
  });

  it('gives up at the deadline with the last failure', async () => {
    const port = await freePort();
    const r = await waitHealthy({ ...target(`http://127.0.0.1:${port}/`), intervalMs: 50, deadlineMs: 400, consecutive: 1 });
    expect(r).toMatchObject({ healthy: false, last: { ok: false, error: expect.stringMatching(/ECONNREFUSED/) } });
    expect(r.attempts).toBeGreaterThanOrEqual(4);
    expect(r.elapsedMs).toBeLessThan(1000);
  });
});

/**
 * The example proxy (images/proxy, a real HTTPS server) as the warm app
 * "traefik" of a test fixture, on this vitest worker's domain and port.
 */
import https from 'node:https';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { makeFixture, REPO, type Fixture } from './fixture';
import { buildUpstream, CI, port } from './pool';

export const CA = path.join(REPO, '.coopci/proxy-ca.pem');
export const DOMAIN = `traefik.${CI}`;

/** What the proxy on loopback says it is, over verified TLS. */
export function servedVersion(): Promise<string> {
  return new Promise((resolve, reject) => {
    https
      .get(
        { host: '127.0.0.1', port: port(18443), path: '/api/version', servername: DOMAIN, headers: { Host: DOMAIN }, ca: readFileSync(CA), timeout: 3000 },
        (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve((JSON.parse(body) as { Version: string }).Version));
        },
      )
      .on('error', reject);
  });
}

export async function proxyFixture(name: string, opts: { caFile?: string; extra?: Record<string, unknown> } = {}): Promise<Fixture> {
  const f = await makeFixture(name, [{ name: 'unused' }], {
    ...opts.extra,
    warm: [
      {
        name: 'traefik',
        recipe: 'proxy',
        upstream: path.join(name, 'upstream-proxy'),
        domain: DOMAIN,
        health: {
          url: `https://${DOMAIN}:${port(18443)}/api/version`,
          connectAddress: '127.0.0.1',
          caFile: opts.caFile ?? CA,
          servedBy: 'traefik',
          intervalSeconds: 1,
          // A healthy proxy passes in ~1 s (two probes); every failing gate waits the whole deadline.
          deadlineSeconds: 3,
          consecutive: 2,
          requestTimeoutSeconds: 2,
        },
      },
    ],
    proxy: { app: 'traefik' },
  });
  return f;
}

export const upstreamOf = (f: Fixture) => f.loaded.config.warm[0]!.upstream;

export async function buildProxyUpstream(f: Fixture, upTo: string) {
  await buildUpstream('proxy', upstreamOf(f), { upTo });
}

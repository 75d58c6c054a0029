/**
 * Servers: `abra server add` records a server in ABRA_DIR/servers/<name>/
 * (`--local` is the local Docker daemon, named "default"); `app new` refuses a
 * server that was never added. Real abra also makes a Docker context and
 * connects over SSH for a remote host; the double records the name only and
 * deploys every server's apps to the local Swarm.
 */
import { lookup } from 'node:dns/promises';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import { assertName, exists, Fatal, serverDir } from './common';
import type { Parsed } from './cli';

export async function serverAdd(a: Parsed): Promise<void> {
  const [host] = a.positional;
  if (host && a.flags.has('local')) throw new Fatal(`cannot use <host> (${host}) and --local together`);
  if (!host && !a.flags.has('local')) throw new Fatal('missing argument: <host> (or --local for the local server)');
  const name = host ?? 'default';
  if (await exists(serverDir(assertName(name, 'host name')))) throw new Fatal(`server ${name} already exists (${serverDir(name)})`);
  await mkdir(serverDir(name), { recursive: true });
  console.log(`server ${name} added`);
}

export async function assertServerExists(server: string): Promise<void> {
  if (!(await exists(serverDir(assertName(server, 'server name')))))
    throw new Fatal(`server ${server} doesn't exist? run "abra server add" first (${serverDir(server)} is missing)`);
}

/**
 * abra's domain check (unless --no-domain-checks): the app's domain must
 * resolve to the server's IPv4 address; for the local server, to an address
 * of this machine.
 */
export async function checkDomain(domain: string, server: string): Promise<void> {
  const hint = 'pass --no-domain-checks (-D) to skip this check';
  const found = await ipv4s(domain);
  if (found.length === 0) throw new Fatal(`domain check failed: ${domain} does not resolve to an IPv4 address; ${hint}`);
  const serverIps = server === 'default' ? localIpv4s() : await ipv4s(server);
  if (!found.some((ip) => serverIps.includes(ip) || (server === 'default' && ip.startsWith('127.')))) {
    throw new Fatal(
      `domain check failed: ${domain} resolves to ${found.join(', ')}, not to server ${server} (${serverIps.join(', ') || 'unresolved'}); ${hint}`,
    );
  }
}

async function ipv4s(name: string): Promise<string[]> {
  // A resolver that never answers must not hang a deploy: no answer in 10 s counts as not resolving.
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<[]>((resolve) => (timer = setTimeout(() => resolve([]), 10_000)));
  try {
    const answer = lookup(name, { family: 4, all: true }).then(
      (addrs) => addrs.map((x) => x.address),
      () => [],
    );
    return await Promise.race([answer, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const localIpv4s = () =>
  Object.values(os.networkInterfaces())
    .flat()
    .flatMap((i) => (i?.family === 'IPv4' ? [i.address] : []));

/**
 * Starts the real Temporal dev server (`temporal server start-dev`, built by
 * scripts/setup.sh) with the project's search attributes registered. Used by
 * the quick start and by the test suite's global setup.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_FLAGS } from '../contract/search-attributes';

export function temporalBin(): string {
  const bin = process.env.TEMPORAL_BIN ?? path.join(process.env.COOPCI_CACHE ?? path.join(os.homedir(), '.cache', 'coopci'), 'temporal-v1.5.1', 'temporal');
  if (!existsSync(bin)) throw new Error(`Temporal CLI not found at ${bin}; run "bash scripts/setup.sh" first`);
  return bin;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface DevServer {
  address: string;
  uiUrl: string | null;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  port?: number;
  uiPort?: number;
  headless?: boolean;
  /** Persist to this SQLite file (survives restarts); in memory when absent. */
  dbFile?: string;
  logFile?: string;
  /** Namespaces to create besides `default` (each with coopci's search attributes). */
  namespaces?: string[];
  /** Keep running after this process exits (the quick start's long-lived server). */
  detached?: boolean;
}

export async function startDevServer(o: DevServerOptions = {}): Promise<DevServer> {
  const port = o.port ?? (await freePort());
  const uiPort = o.uiPort ?? (await freePort());
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'warn'];
  args.push(...(o.headless ? ['--headless'] : ['--ui-ip', '127.0.0.1', '--ui-port', String(uiPort)]));
  if (o.dbFile) args.push('--db-filename', o.dbFile);
  for (const ns of o.namespaces ?? []) args.push('--namespace', ns);
  for (const sa of SEARCH_ATTRIBUTE_FLAGS) args.push('--search-attribute', sa);
  const out = o.logFile ? openSync(o.logFile, 'a') : 'ignore';
  const child = spawn(temporalBin(), args, { stdio: ['ignore', out, out], detached: Boolean(o.detached) });
  if (o.detached) child.unref();
  const address = `127.0.0.1:${port}`;
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await waitReachable(address, exited);
  return {
    address,
    uiUrl: o.headless ? null : `http://127.0.0.1:${uiPort}`,
    process: child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

async function waitReachable(address: string, exited: Promise<number | null>): Promise<void> {
  let dead = false;
  void exited.then(() => (dead = true));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (dead) throw new Error(`temporal server start-dev exited early (port ${address} in use?)`);
    try {
      const c = await Connection.connect({ address, connectTimeout: '1s' });
      await c.workflowService.getSystemInfo({});
      await c.close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  throw new Error(`Temporal dev server at ${address} did not come up within 60s`);
}

// `tsx scripts/dev-server.ts PORT UI_PORT DB_FILE LOG_FILE`: start a long-lived local server, print its pid.
if (import.meta.url === `file://${process.argv[1]}`) {
  const [port, uiPort, dbFile, logFile] = process.argv.slice(2);
  const s = await startDevServer({ port: Number(port), uiPort: Number(uiPort), dbFile, logFile, detached: true });
  console.log(s.process.pid);
}

/**
 * npm run bench [-- --recipes 200 --scale 1000 --crash 60 --gate-trials 8]
 *
 * Prints figures, asserts nothing: orchestration overhead against a plain
 * sequential script, a large sweep's wall time, history length and worker
 * peak RSS, crash recovery time, and health-gate latency. Everything is
 * real (dev server, worker process, git, HTTP) except that the recipes take
 * the sweep's quick path: each one is already canonical at its latest tag,
 * so every recipe runs its child workflow, mirror-sync, tag listing,
 * decision and labelling, but no Swarm deploy (a deploy's seconds would
 * drown the overhead being measured).
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { waitHealthy } from '../adapters/health';
import { taskQueuePollers } from '../client/connect';
import { startSweep } from '../client/sweep';
import { startDevServer } from '../scripts/dev-server';
import { sweepStatusQuery } from '../contract/messages';
import { sequentialBaseline } from './baseline';
import { makeWorld, type World } from './world';

const { values: opt } = parseArgs({
  options: {
    recipes: { type: 'string', default: '200' },
    scale: { type: 'string', default: '1000' },
    crash: { type: 'string', default: '60' },
    'gate-trials': { type: 'string', default: '8' },
  },
});
const REPO = fileURLToPath(new URL('../', import.meta.url));
const scratch = await mkdtemp(path.join(os.tmpdir(), 'coopci-bench-'));
const server = await startDevServer({ headless: true, logFile: path.join(scratch, 'temporal.log') });
const client = new Client({ connection: await Connection.connect({ address: server.address }) });
const bundle = path.join(scratch, 'workflows.js');
await writeFile(bundle, (await bundleWorkflowCode({ workflowsPath: path.join(REPO, 'workflows/index.ts'), logger: quietLogger() })).code);

const figures: [string, string][] = [];
const report = (name: string, value: string) => {
  figures.push([name, value]);
  console.log(`${name}: ${value}`);
};

try {
  // 1. Orchestration overhead: the same recipes, once as a sweep, once as a plain script.
  const n = Number(opt.recipes);
  const script = await sequentialBaseline(await makeWorld(scratch, 'baseline', n, 1, server.address));
  const one = await timedSweep(await makeWorld(scratch, 'lanes1', n, 1, server.address));
  const four = await timedSweep(await makeWorld(scratch, 'lanes4', n, 4, server.address));
  report(`sequential script, ${n} recipes`, secs(script));
  report(`sweep, ${n} recipes, 1 lane`, `${secs(one.wallMs)} (${(one.wallMs / script).toFixed(1)}x the script, ${ms(one.wallMs / n)}/recipe)`);
  report(`sweep, ${n} recipes, 4 lanes`, `${secs(four.wallMs)} (${(four.wallMs / script).toFixed(1)}x the script)`);

  // 2. Scale.
  const big = Number(opt.scale);
  const s = await timedSweep(await makeWorld(scratch, 'scale', big, 4, server.address));
  report(
    `sweep, ${big} recipes, 4 lanes`,
    `${secs(s.wallMs)}; sweep history ${s.sweepHistory}, largest recipe history ${s.recipeHistory} events (Temporal warns at 10240); worker peak RSS ${s.peakRssMb} MiB`,
  );

  // 3. Crash recovery: SIGKILL the worker mid-sweep; time from a new worker starting to the sweep moving again.
  const crash = await crashRecovery(await makeWorld(scratch, 'crash', Number(opt.crash), 1, server.address));
  report('crash recovery (new worker start → next recipe done)', `${secs(crash.movingMs)} (worker polling after ${secs(crash.pollingMs)})`);

  // 4. Gate latency: a real HTTP endpoint that turns healthy at a random moment.
  for (const [interval, consecutive] of [
    [2000, 1],
    [2000, 3],
    [500, 1],
  ] as const) {
    const lat = await gateLatency(Number(opt['gate-trials']), interval, consecutive);
    report(`gate latency, interval ${interval} ms, ${consecutive} in a row`, `median ${ms(lat.median)}, max ${ms(lat.max)} after the endpoint turned healthy`);
  }
} finally {
  await server.stop();
}
console.log('\n| figure | value |\n| --- | --- |');
for (const [k, v] of figures) console.log(`| ${k} | ${v} |`);

async function timedSweep(world: World) {
  const worker = await startWorkerProcess(world);
  try {
    const t0 = Date.now();
    const handle = await startSweep(client, world.config);
    const result = await handle.result();
    const wallMs = Date.now() - t0;
    const bad = result.results.filter((r) => r.label !== 'SKIPPED' || r.reason !== 'no-new-version');
    if (bad.length) throw new Error(`bench recipes did not take the quick path: ${JSON.stringify(bad[0])}`);
    // Every run of the sweep (it continues as new when long): the longest history, and how many runs.
    const runs: number[] = [];
    for await (const w of client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) runs.push(w.historyLength ?? 0);
    const sweepHistory = `${Math.max(...runs)} events in its longest of ${runs.length} run${runs.length > 1 ? 's' : ''}`;
    const recipeHistory = Math.max(
      ...(await Promise.all(result.results.slice(0, 5).map(async (r) => (await client.workflow.getHandle(r.workflowId).describe()).historyLength))),
    );
    return { wallMs, sweepHistory, recipeHistory, peakRssMb: peakRssMb(worker.pid!) };
  } finally {
    worker.kill('SIGKILL');
  }
}

async function crashRecovery(world: World) {
  let worker = await startWorkerProcess(world);
  const handle = await startSweep(client, world.config);
  const done = async () => (await handle.query(sweepStatusQuery)).recipes.filter((r) => r.label).length;
  while ((await done()) < 10) await sleep(50);
  worker.kill('SIGKILL');
  const atKill = await done().catch(() => 10);
  const t0 = Date.now();
  worker = await startWorkerProcess(world);
  const pollingMs = Date.now() - t0;
  for (;;) {
    const n = await done().catch(() => atKill);
    if (n > atKill) break;
    await sleep(50);
  }
  const movingMs = Date.now() - t0;
  await handle.result();
  worker.kill('SIGKILL');
  return { pollingMs, movingMs };
}

/** A worker in its own process (as in production), ready once it polls its task queue. */
async function startWorkerProcess(world: World): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(REPO, 'bin/coopci.mjs'), 'worker', '--config', world.configFile], {
    env: { ...process.env, COOPCI_WORKFLOW_BUNDLE: bundle },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  for (;;) {
    if ((await taskQueuePollers(client, world.config)).some((p) => p.secondsAgo <= 2)) return child;
    if (child.exitCode !== null) throw new Error(`worker exited with ${child.exitCode}`);
    await sleep(50);
  }
}

async function gateLatency(trials: number, intervalMs: number, consecutive: number) {
  const lat: number[] = [];
  for (let i = 0; i < trials; i++) {
    let healthyAt = Infinity;
    const srv = http.createServer((_req, res) => {
      res.statusCode = Date.now() >= healthyAt ? 200 : 503;
      res.end();
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    const gate = waitHealthy({
      url: `http://127.0.0.1:${port}/api/version`,
      allowedStatus: [200],
      requestTimeoutMs: 2000,
      intervalMs,
      deadlineMs: 60_000,
      consecutive,
    });
    await sleep(500 + Math.random() * intervalMs);
    healthyAt = Date.now();
    const r = await gate;
    if (!r.healthy) throw new Error('gate did not pass');
    lat.push(Date.now() - healthyAt);
    srv.close();
  }
  lat.sort((a, b) => a - b);
  return { median: lat[Math.floor(lat.length / 2)]!, max: lat.at(-1)! };
}

function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

function quietLogger() {
  const none = () => {};
  return { info: none, warn: none, error: console.error, debug: none, trace: none, log: none };
}

function sleep(t: number) {
  return new Promise((r) => setTimeout(r, t));
}
function secs(t: number) {
  return `${(t / 1000).toFixed(1)} s`;
}
function ms(t: number) {
  return `${Math.round(t)} ms`;
}

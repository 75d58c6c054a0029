/**
 * npm run bench [-- --only overhead,scale,crash,gate,real,nodes] [--recipes 200 --scale 1000 --crash 60 --gate-trials 8]
 *
 * Without --only: every part. `real` and `nodes` deploy on the shared Swarm,
 * so whenever they run the bench re-runs itself under the tests' Swarm lock
 * (`flock /tmp/coopci-swarm.lock`).
 * `--only overhead` prints one line: `overhead ratio: 1 lane X, 4 lanes Y`.
 *
 * Prints figures, asserts nothing: orchestration overhead against a plain
 * sequential script, a large sweep's wall time, history length and worker
 * peak RSS, crash recovery time, health-gate latency, the example recipes'
 * time accounted for (real) and scale-out over two node workers (nodes).
 * Everything is real (dev server, worker processes, git, HTTP, and for real
 * and nodes the Swarm). In overhead, scale and crash the recipes take the
 * sweep's quick path: each one is already canonical at its latest tag, so no
 * Swarm deploy (a deploy's seconds would drown the overhead being measured).
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
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
import { realExamples } from './real';
import { nodesBench } from './nodes';
import type { Config } from '../config/schema';

const { values: opt } = parseArgs({
  options: {
    recipes: { type: 'string', default: '200' },
    scale: { type: 'string', default: '1000' },
    crash: { type: 'string', default: '60' },
    'gate-trials': { type: 'string', default: '8' },
    only: { type: 'string' },
  },
});
const REPO = fileURLToPath(new URL('../', import.meta.url));
const PARTS = ['overhead', 'scale', 'crash', 'gate', 'real', 'nodes'] as const;
type Part = (typeof PARTS)[number];
const only = (opt.only ?? PARTS.join(',')).split(',').map((s) => s.trim()) as Part[];
for (const p of only) if (!PARTS.includes(p)) throw new Error(`--only: unknown part "${p}" (one or more of ${PARTS.join(', ')})`);
const SWARM_LOCK = '/tmp/coopci-swarm.lock';
// Real deploys share the Swarm with the tests: the whole bench runs again under the same lock the tests take.
if ((only.includes('real') || only.includes('nodes')) && process.env.COOPCI_BENCH_SWARM_LOCKED !== '1') {
  const r = spawnSync('flock', [SWARM_LOCK, process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, COOPCI_BENCH_SWARM_LOCKED: '1' },
  });
  process.exit(r.status ?? 1);
}
/** `--only overhead`: its one line and nothing else. */
const quiet = only.length === 1 && only[0] === 'overhead';
const scratch = await mkdtemp(path.join(os.tmpdir(), 'coopci-bench-'));
const server = await startDevServer({ headless: true, logFile: path.join(scratch, 'temporal.log') });
const client = new Client({ connection: await Connection.connect({ address: server.address }) });
const bundle = path.join(scratch, 'workflows.js');
await writeFile(bundle, (await bundleWorkflowCode({ workflowsPath: path.join(REPO, 'workflows/index.ts'), logger: quietLogger() })).code);

/** What the parts that deploy on the Swarm (real, nodes) share. */
const onSwarm = { scratch, client, address: server.address, repo: REPO };

const figures: [string, string][] = [];
const report = (name: string, value: string) => {
  figures.push([name, value]);
  if (!quiet) console.log(`${name}: ${value}`);
};

try {
  // 1. Orchestration overhead: the same recipes, once as a sweep, once as a plain script, in the same run.
  if (only.includes('overhead')) {
    const n = Number(opt.recipes);
    const script = await sequentialBaseline(await makeWorld(scratch, 'baseline', n, 1, server.address));
    const one = await timedSweep(await makeWorld(scratch, 'lanes1', n, 1, server.address));
    const four = await timedSweep(await makeWorld(scratch, 'lanes4', n, 4, server.address));
    report(`sequential script, ${n} recipes`, secs(script));
    report(`sweep, ${n} recipes, 1 lane`, `${secs(one.wallMs)} (${(one.wallMs / script).toFixed(1)}x the script, ${ms(one.wallMs / n)}/recipe)`);
    report(`sweep, ${n} recipes, 4 lanes`, `${secs(four.wallMs)} (${(four.wallMs / script).toFixed(1)}x the script)`);
    report('overhead ratio', `1 lane ${(one.wallMs / script).toFixed(2)}, 4 lanes ${(four.wallMs / script).toFixed(2)}`);
    if (quiet) console.log(`overhead ratio: 1 lane ${(one.wallMs / script).toFixed(2)}, 4 lanes ${(four.wallMs / script).toFixed(2)}`);
  }

  // 2. Scale.
  if (only.includes('scale')) {
    const big = Number(opt.scale);
    const s = await timedSweep(await makeWorld(scratch, 'scale', big, 4, server.address));
    report(
      `sweep, ${big} recipes, 4 lanes`,
      `${secs(s.wallMs)}; sweep history ${s.sweepHistory} (Temporal warns at 10240); ${s.recipeHistory}; worker peak RSS ${s.peakRssMb} MiB`,
    );
  }

  // 3. Crash recovery: SIGKILL the worker mid-sweep; time from a new worker starting to the sweep moving again.
  if (only.includes('crash')) {
    const crash = await crashRecovery(await makeWorld(scratch, 'crash', Number(opt.crash), 1, server.address));
    report('crash recovery (new worker start → next recipe done)', `${secs(crash.movingMs)} (worker polling after ${secs(crash.pollingMs)})`);
  }

  // 4. Gate latency: a real HTTP endpoint that turns healthy at a random moment.
  if (only.includes('gate'))
    for (const [interval, consecutive] of [
      [2000, 1],
      [2000, 3],
      [500, 1],
    ] as const) {
      const lat = await gateLatency(Number(opt['gate-trials']), interval, consecutive);
      report(
        `gate latency, interval ${interval} ms, ${consecutive} in a row`,
        `median ${ms(lat.median)}, max ${ms(lat.max)} after the endpoint turned healthy`,
      );
    }

  // 5. The example recipes end to end on the real Swarm: where each recipe's wall time went.
  if (only.includes('real')) {
    const real = await realExamples({
      ...onSwarm,
      startWorker: async (configFile, config, logFile) => {
        const w = await startWorkerProcess({ configFile, config }, { COOPCI_LOG_LEVEL: 'debug' }, logFile);
        return { stop: () => w.kill('SIGKILL') };
      },
    });
    report('real example sweep (4 recipes, 1 lane)', secs(real.wallMs));
    for (const r of real.recipes) {
      report(
        `real ${r.recipe} (${r.label})`,
        `wall ${secs(r.wallMs)} = commands ${secs(r.commandsMs)} (${r.commands}) + waits ${secs(r.waitsMs)} (${r.waits}) + rest ${secs(
          r.wallMs - r.commandsMs - r.waitsMs,
        )} (orchestration share ${(r.share * 100).toFixed(1)} %: in activities ${secs(r.inActivityOtherMs)}, between activities ${secs(
          r.betweenActivitiesMs,
        )}); largest: ${r.largest || '—'}; tiers with steps ${r.tiersWithSteps}`,
      );
    }
    report(
      'convergence detection latency (Swarm task running → coopci saw it; includes the 2 s stability window)',
      `median ${real.detect.median === null ? '—' : ms(real.detect.median)}, max ${real.detect.max === null ? '—' : ms(real.detect.max)} (${real.detect.n} waits)`,
    );
  }

  // 6. Scale-out for real: four deploying recipes on one node, then over two nodes (a worker each).
  if (only.includes('nodes')) {
    const n = await nodesBench({
      ...onSwarm,
      startWorker: async (configFile, config, node) => {
        const w = await startWorkerProcess({ configFile, config }, {}, undefined, node);
        return { stop: () => w.kill('SIGKILL') };
      },
    });
    report(
      'nodes: 4 deploying recipes',
      `1 node ${secs(n.oneNodeMs)}, 2 nodes ${secs(n.twoNodesMs)} (${(n.twoNodesMs / n.oneNodeMs).toFixed(2)}x); cold apps up at once per node: max ${n.oneNode.perNodeMax} (1 node), ${n.twoNodes.perNodeMax} (2 nodes), on the Swarm: ${n.oneNode.overallMax} and ${n.twoNodes.overallMax} (Docker service events); ${Object.entries(
        n.twoNodes.byNode,
      )
        .map(([node, rs]) => `${node}: ${rs.join(', ')}`)
        .join('; ')}`,
    );
  }
} finally {
  await server.stop();
}
if (!quiet) {
  // Every figure side by side.
  console.log('\n| figure | value |\n| --- | --- |');
  for (const [k, v] of figures) console.log(`| ${k} | ${v.replaceAll('|', '\\|')} |`);
}

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
    // Recipes the sweep's own look settled have no workflow of their own (their result names the sweep).
    const ran = result.results.filter((r) => r.workflowId !== handle.workflowId);
    const lengths = await Promise.all(ran.slice(0, 5).map(async (r) => (await client.workflow.getHandle(r.workflowId).describe()).historyLength));
    const recipeHistory = ran.length
      ? `${ran.length} recipe workflows, largest history (of the first 5) ${Math.max(...lengths)} events`
      : `no recipe workflow (all ${result.results.length} settled by the sweep's look)`;
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

/** A worker in its own process (as in production), ready once it polls its task queue; its log (stderr) to `logFile` if given. */
async function startWorkerProcess(
  w: { configFile: string; config: Pick<Config, 'temporal' | 'nodes'> },
  env: Record<string, string> = {},
  logFile?: string,
  /** A scale-out node's worker (`coopci worker --node`), polling that node's task queue. */
  node?: string,
): Promise<ChildProcess> {
  const queue = node ? w.config.nodes.find((n) => n.name === node)!.taskQueue : undefined;
  const polled = queue ? { temporal: { ...w.config.temporal, taskQueue: queue } } : w.config;
  const child = spawn(process.execPath, [path.join(REPO, 'bin/coopci.mjs'), 'worker', '--config', w.configFile, ...(node ? ['--node', node] : [])], {
    // The heap limit the packaged worker runs with (docker-compose.yml, nix/module.nix).
    env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=256 --max-semi-space-size=8', COOPCI_WORKFLOW_BUNDLE: bundle, ...env },
    stdio: ['ignore', 'ignore', logFile ? openSync(logFile, 'a') : 'ignore'],
  });
  // A worker that cannot start (it refuses an abra it does not know) must fail the bench, not hang it.
  const deadline = Date.now() + 120_000;
  for (;;) {
    if ((await taskQueuePollers(client, polled)).some((p) => p.secondsAgo <= 2)) return child;
    if (child.exitCode !== null) throw new Error(`worker exited with ${child.exitCode}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`worker for ${w.configFile} did not poll within 120 s${logFile ? ` (log: ${logFile})` : ''}`);
    }
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

/**
 * `npm run bench -- --only nodes`: scale-out for real. Four deploying
 * recipes (copies of the example hello, each on a port of its own, without
 * backups so install and promote are what deploys) swept once on one node
 * and once over two nodes, each node with its own worker process on its own
 * task queue and abra server (one Swarm here: the double deploys every
 * server's apps to it). Docker's own service events give, per node, how many
 * cold apps were up at once: the promise is one at a time per node.
 *
 * It deploys on the shared Swarm: run.ts takes the Swarm lock around it.
 */
import type { Client } from '@temporalio/client';
import { execa } from 'execa';
import { cp, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { docker } from '../adapters/swarm';
import { startSweep } from '../client/sweep';
import { loadConfig } from '../config/load';
import type { Config } from '../config/schema';
import { stackName } from '../domain/stack-name';
import { EXAMPLES_DIR } from '../scripts/example-recipes';
import { paths } from '../state/paths';
import { removeAppsOfDomain } from '../test/helpers/remove-apps';
import { CI_DOMAIN } from './real';

const VERSION = '1.0.0+1.0';
const RECIPES = ['n1', 'n2', 'n3', 'n4'].map((n, i) => ({ name: `hello-${n}`, port: 18191 + i }));

export interface NodesFigures {
  oneNodeMs: number;
  twoNodesMs: number;
  /** Per run: the most cold apps up at once on any one node, and on the Swarm as a whole. */
  oneNode: { perNodeMax: number; overallMax: number };
  twoNodes: { perNodeMax: number; overallMax: number; byNode: Record<string, string[]> };
}

export async function nodesBench(opts: {
  scratch: string;
  client: Client;
  address: string;
  repo: string;
  startWorker: (configFile: string, config: Config, node?: string) => Promise<{ stop: () => void }>;
}): Promise<NodesFigures> {
  const dir = path.join(opts.scratch, 'nodes');
  for (const r of RECIPES) await helloCopy(path.join(dir, 'upstream', r.name), r.port);
  const one = await sweepOnce(opts, dir, 'one', []);
  const two = await sweepOnce(opts, dir, 'two', [
    { name: 'node-a', server: 'node-a.bench.local.test', taskQueue: `bench-nodes-a-${process.pid}` },
    { name: 'node-b', server: 'node-b.bench.local.test', taskQueue: `bench-nodes-b-${process.pid}` },
  ]);
  return {
    oneNodeMs: one.wallMs,
    twoNodesMs: two.wallMs,
    oneNode: { perNodeMax: one.perNodeMax, overallMax: one.overallMax },
    twoNodes: { perNodeMax: two.perNodeMax, overallMax: two.overallMax, byNode: two.byNode },
  };
}

async function sweepOnce(
  opts: Parameters<typeof nodesBench>[0],
  dir: string,
  run: string,
  nodes: { name: string; server: string; taskQueue: string }[],
): Promise<{ wallMs: number; perNodeMax: number; overallMax: number; byNode: Record<string, string[]> }> {
  await removeAppsOfDomain(CI_DOMAIN);
  const runDir = path.join(dir, run);
  const config = {
    ciDomain: CI_DOMAIN,
    server: 'default',
    stateDir: path.join(runDir, 'state'),
    abra: { bin: path.join(opts.repo, 'tools/abra-local/abra'), dir: path.join(runDir, 'abra') },
    temporal: { address: opts.address, namespace: 'default', taskQueue: `bench-nodes-${run}-${process.pid}` },
    recipes: RECIPES.map((r) => ({
      name: r.name,
      upstream: path.join(dir, 'upstream', r.name),
      health: { url: `http://127.0.0.1:${r.port}/`, intervalSeconds: 1, deadlineSeconds: 30 },
    })),
    sweep: { lanes: 1, order: 'config' },
    ...(nodes.length ? { nodes } : {}),
    timeouts: { mirrorSyncSeconds: 60, deploySeconds: 90, convergeSeconds: 60, teardownSeconds: 120, backupSeconds: 120 },
  };
  await mkdir(config.abra.dir, { recursive: true });
  const configFile = path.join(runDir, 'coopci.yaml');
  await writeFile(configFile, YAML.stringify(config));
  const loaded = await loadConfig(configFile);
  const workers = [await opts.startWorker(configFile, loaded.config)];
  for (const n of nodes) workers.push(await opts.startWorker(configFile, loaded.config, n.name));
  try {
    const since = Math.floor(Date.now() / 1000);
    const t0 = Date.now();
    const result = await (await startSweep(opts.client, loaded.config)).result();
    const wallMs = Date.now() - t0;
    const bad = result.results.filter((r) => r.label !== 'PROMOTED');
    if (bad.length) throw new Error(`nodes bench: ${bad.map((r) => `${r.recipe} ${r.label}: ${r.reason}`).join('; ')}`);
    // Where each recipe ran, as its canonical records it.
    const nodeOf = new Map<string, string>();
    for (const r of RECIPES) {
      const rec = JSON.parse(await readFile(paths.canonical(config.stateDir, r.name), 'utf8')) as { node?: string };
      nodeOf.set(r.name, rec.node ?? 'the one node');
    }
    const intervals = await coldIntervals(since, Math.ceil(Date.now() / 1000) + 1);
    const byNode: Record<string, string[]> = {};
    for (const [recipe, node] of nodeOf) (byNode[node] ??= []).push(recipe);
    const perNodeMax = Math.max(...Object.values(byNode).map((rs) => maxOverlap(rs.map((r) => intervals.get(r)).filter((x) => x !== undefined))));
    const overallMax = maxOverlap([...intervals.values()]);
    return { wallMs, perNodeMax, overallMax, byNode };
  } finally {
    for (const w of workers) w.stop();
    await removeAppsOfDomain(CI_DOMAIN);
  }
}

/** From Docker's service events: when each recipe's cold app was created and when it was removed. */
async function coldIntervals(since: number, until: number): Promise<Map<string, [number, number]>> {
  const stream = await docker().getEvents({ since, until, filters: { type: ['service'] } });
  const text = await new Promise<string>((resolve, reject) => {
    let buf = '';
    stream.on('data', (d: Buffer) => (buf += d.toString()));
    stream.on('end', () => resolve(buf));
    stream.on('error', reject);
  });
  const out = new Map<string, [number, number]>();
  for (const line of text.split('\n').filter(Boolean)) {
    const e = JSON.parse(line) as { Action: string; timeNano: number; Actor: { Attributes: { name?: string } } };
    const r = RECIPES.find((x) => e.Actor.Attributes.name?.startsWith(`${stackName(`cold-${x.name}.${CI_DOMAIN}`)}_`));
    if (!r) continue;
    const at = e.timeNano / 1e6;
    const [from, to] = out.get(r.name) ?? [Infinity, -Infinity];
    if (e.Action === 'create') out.set(r.name, [Math.min(from, at), to]);
    if (e.Action === 'remove') out.set(r.name, [from, Math.max(to, at)]);
  }
  return out;
}

/** The most intervals open at one moment. */
function maxOverlap(intervals: [number, number][]): number {
  const edges = intervals.flatMap(([a, b]): [number, number][] => [
    [a, 1],
    [b, -1],
  ]);
  edges.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let open = 0;
  let max = 0;
  for (const [, d] of edges) max = Math.max(max, (open += d));
  return max;
}

/** hello's first release as a recipe of its own: its own port, no backups (install and promote are the deploys). */
async function helloCopy(dest: string, port: number): Promise<void> {
  const src = path.join(EXAMPLES_DIR, 'hello', VERSION);
  await mkdir(dest, { recursive: true });
  await execa('git', ['init', '--quiet', '--initial-branch=main', dest]);
  await cp(src, dest, { recursive: true });
  for (const f of await readdir(dest)) {
    if (!f.startsWith('compose')) continue;
    const file = path.join(dest, f);
    const text = (await readFile(file, 'utf8')).replace('${PORT:-18081}', `\${PORT:-${port}}`).replace(/^\s*- "backupbot\.backup=true"\n/m, '');
    await writeFile(file, text);
  }
  const git = (...args: string[]) => execa('git', ['-C', dest, '-c', 'user.name=bench', '-c', 'user.email=bench@localhost', ...args]);
  await git('add', '--all');
  await git('commit', '--quiet', '-m', `release ${VERSION}`);
  await git('tag', '--annotate', '--message', `release ${VERSION}`, VERSION);
}

/**
 * `npm run bench -- --only real`: the example recipes end to end on the real
 * Swarm (through the strict abra double), and where each recipe's wall time
 * went. The worker runs in its own process at debug level; its JSON log is
 * the record: every command (run-command's `durationMs`), every wait
 * (adapters/timing: converge, health gate, with the convergence detection
 * latency `detectMs`) and every activity (the SDK's "Activity completed").
 *
 * It deploys on the shared Swarm: run.ts takes the Swarm lock
 * (`flock /tmp/coopci-swarm.lock`) around it, as the tests do.
 */
import type { Client } from '@temporalio/client';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { startSweep } from '../client/sweep';
import { loadConfig } from '../config/load';
import type { RecipeResult } from '../contract/types';
import type { Config } from '../config/schema';
import { medianMax, orchestrationShare, splitTime, stepLabel, type StepRecord } from '../domain/timing';
import { buildUpstream } from '../scripts/example-recipes';
import { deployBackupBot } from '../test/helpers/backup-bot';
import { removeAppsOfDomain } from '../test/helpers/remove-apps';

export const CI_DOMAIN = 'bench.local.test';

export interface RecipeTime {
  recipe: string;
  label: string;
  wallMs: number;
  commandsMs: number;
  waitsMs: number;
  /** Inside activities but neither a command nor a wait: Docker API calls (teardown polling, volume sizes), files. */
  inActivityOtherMs: number;
  /** Between activities: Temporal (scheduling, history) and workflow code. */
  betweenActivitiesMs: number;
  share: number;
  commands: number;
  waits: number;
  /** Tiers whose result carries its steps (runTier's ledger). */
  tiersWithSteps: string;
  largest: string;
}

export interface RealFigures {
  wallMs: number;
  recipes: RecipeTime[];
  detect: { median: number | null; max: number | null; n: number };
}

interface LogLine {
  msg?: string;
  workflowId?: string;
  command?: string;
  wait?: string;
  durationMs?: number;
  detectMs?: number;
}

export async function realExamples(opts: {
  scratch: string;
  client: Client;
  address: string;
  repo: string;
  startWorker: (configFile: string, config: Config, logFile: string) => Promise<{ stop: () => void }>;
}): Promise<RealFigures> {
  const dir = path.join(opts.scratch, 'real');
  const upstream = (n: string) => path.join(dir, 'upstream', n);
  for (const r of ['hello', 'broken', 'unreleased']) await buildUpstream(r, upstream(r));
  await removeAppsOfDomain(CI_DOMAIN);
  const taskQueue = `bench-real-${process.pid}`;
  const config = {
    ciDomain: CI_DOMAIN,
    server: 'default',
    stateDir: path.join(dir, 'state'),
    abra: { bin: path.join(opts.repo, 'tools/abra-local/abra'), dir: path.join(dir, 'abra') },
    temporal: { address: opts.address, namespace: 'default', taskQueue },
    // The quick start's example sweep (config/local.yaml), with its health gates.
    recipes: [
      {
        name: 'hello',
        upstream: upstream('hello'),
        health: { url: 'http://127.0.0.1:18081/', intervalSeconds: 1, deadlineSeconds: 30 },
        test: { command: ['node', path.join(opts.repo, 'recipes/tests/http-body.mjs'), '{url}', '{version}', '{junit}'], timeoutSeconds: 60 },
      },
      { name: 'broken', upstream: upstream('broken'), health: { url: 'http://127.0.0.1:18082/', intervalSeconds: 1, deadlineSeconds: 15 } },
      { name: 'unreleased', upstream: upstream('unreleased'), health: { url: 'http://127.0.0.1:18083/' } },
      { name: 'vanished', upstream: upstream('vanished'), health: { url: 'http://127.0.0.1:18084/' } },
    ],
    sweep: { lanes: 1, order: 'config' },
    timeouts: { mirrorSyncSeconds: 60, deploySeconds: 90, convergeSeconds: 60, teardownSeconds: 120, backupSeconds: 120 },
  };
  await mkdir(config.abra.dir, { recursive: true });
  const configFile = path.join(dir, 'coopci.yaml');
  await writeFile(configFile, YAML.stringify(config));
  const loaded = await loadConfig(configFile);
  const logFile = path.join(dir, 'worker.log');
  // hello's backup and restore tiers need a backup bot running, as on a real server.
  const removeBot = await deployBackupBot(dir);
  const worker = await opts.startWorker(configFile, loaded.config, logFile);
  try {
    const t0 = Date.now();
    const result = await (await startSweep(opts.client, loaded.config)).result();
    const wallMs = Date.now() - t0;
    await new Promise((r) => setTimeout(r, 500)); // the last records reach the log
    const lines = (await readFile(logFile, 'utf8'))
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);
    const detects = lines.filter((l) => typeof l.detectMs === 'number').map((l) => l.detectMs!);
    return { wallMs, recipes: result.results.map((r) => recipeTime(r, lines)), detect: { ...medianMax(detects), n: detects.length } };
  } finally {
    worker.stop();
    await removeBot().catch(() => undefined);
    await removeAppsOfDomain(CI_DOMAIN);
  }
}

function recipeTime(r: RecipeResult, lines: LogLine[]): RecipeTime {
  const mine = lines.filter((l) => l.workflowId === r.workflowId && typeof l.durationMs === 'number');
  const steps: StepRecord[] = [
    // The log's command label may name the app (its domain): grouped by the label's leading words, as in a TierResult.
    ...mine.filter((l) => l.command).map((l) => ({ kind: 'command' as const, what: stepLabel(l.command!), ms: l.durationMs! })),
    ...mine.filter((l) => l.wait).map((l) => ({ kind: 'wait' as const, what: l.wait!, ms: l.durationMs! })),
  ];
  const activitiesMs = mine.filter((l) => /^Activity (completed|failed)/.test(l.msg ?? '')).reduce((t, l) => t + l.durationMs!, 0);
  const wallMs = Date.parse(r.endedAt) - Date.parse(r.startedAt);
  const split = splitTime(wallMs, steps);
  const byWhat = new Map<string, number>();
  for (const s of steps) byWhat.set(s.what, (byWhat.get(s.what) ?? 0) + s.ms);
  return {
    recipe: r.recipe,
    label: r.label,
    wallMs,
    commandsMs: split.commandsMs,
    waitsMs: split.waitsMs,
    inActivityOtherMs: Math.max(0, activitiesMs - split.commandsMs - split.waitsMs),
    betweenActivitiesMs: Math.max(0, wallMs - activitiesMs),
    share: orchestrationShare(split),
    commands: steps.filter((s) => s.kind === 'command').length,
    waits: steps.filter((s) => s.kind === 'wait').length,
    tiersWithSteps: `${r.tiers.filter((t) => t.steps?.length).length}/${r.tiers.length}`,
    largest: [...byWhat.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([w, ms]) => `${w} ${(ms / 1000).toFixed(1)} s`)
      .join(', '),
  };
}

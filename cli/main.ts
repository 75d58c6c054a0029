import { parseArgs, type ParseArgsConfig } from 'node:util';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { listAlerts } from '../activities/warm-activities';
import { abortWarmDeploy, startConverge, startWarmDeploy, warmDeployStatus } from '../client/warm';
import type { Client } from '@temporalio/client';
import { ConfigError, loadConfig, type LoadedConfig } from '../config/load';
import { connectClient, taskQueuePollers, UnreachableError, uiWorkflowsUrl } from '../client/connect';
import { buildSweepReport, renderMarkdownReport } from '../activities/report';
import { applySchedules, calendarText, SWEEP_SCHEDULE_ID } from '../client/schedule';
import { latestSweepId, runningSweep, signalSweep, startSweep, SweepRunningError, sweepStatus, uiLink } from '../client/sweep';
import { runWorker } from '../worker/main';
import { sweepStatusQuery } from '../workflows/signals';
import type { ConvergeResult, SweepResult, SweepStatus, WarmDeployResult } from '../workflows/types';
import { formatStatus, printResults } from './output';

const HELP: Record<string, string> = {
  '': `coopci: Co-op Cloud recipe CI as Temporal workflows

usage: coopci <command> [options]

commands:
  config check FILE            validate a configuration file
  worker [--apply-schedules] [--node N]  run the worker (workflows + activities)
  worker status                whether a worker polls the task queue (exit 1 if none)
  sweep start                  start a sweep now
  sweep status [ID]            show a sweep (the latest when no ID)
  sweep abort [ID] --reason R  abort a sweep (the running one when no ID)
  sweep skip RECIPE [--id ID]  skip a recipe of the running sweep
  sweep retry RECIPE [--id ID] re-run a failed recipe after the pass
  schedule apply               create or update the weekly schedule
  schedule show                print the schedule
  schedule trigger             start a scheduled sweep now
  proxy deploy                 health-gated deploy of the latest proxy release
  proxy status                 the proxy deploy's phase, or its last outcome
  proxy abort --reason R       stop the running proxy deploy and roll back
  warm converge                bring every warm app up in order, each gated
  alerts list                  alerts raised by gated deploys
  alerts clear [FILE…|--all]   remove alerts once handled
  report [ID] [--format md|json]  a finished sweep's report (the latest when no ID)

global options:
  --config FILE   configuration (default: $COOPCI_CONFIG, else ./coopci.yaml)
  --json          machine-readable output
  -h, --help      help for a command, e.g. "coopci sweep start --help"`,
  'config check': 'usage: coopci config check FILE\n\nExits 0 when FILE is valid; otherwise prints every problem, each naming its field, and exits 1.',
  worker: `usage: coopci worker [--apply-schedules] [--node NAME] [--config FILE]

Runs a worker on the configured task queue until interrupted (SIGINT/SIGTERM
drain in-flight tasks). With --apply-schedules, first creates or updates the
schedules, as "coopci schedule apply" does (for systemd units and containers).
With --node, polls that scale-out node's task queue (see "nodes" in the
config): run one such worker on each Swarm node.`,
  'worker status': `usage: coopci worker status [--json]

Lists the workers polling the configured task queue. Exits 1 when none has
polled in the last minute (a health check for containers and monitoring).`,
  'sweep start': `usage: coopci sweep start [--recipes a,b] [--wait] [--json]

Starts a sweep of every enrolled recipe (or only --recipes) and prints its
workflow id. With --wait, shows progress (on a terminal) and the results;
exits 0 when the sweep completed, whatever the labels, non-zero when it could
not run. Refused, naming the running sweep, when one is already running.`,
  'sweep status': 'usage: coopci sweep status [ID] [--json]\n\nPer-recipe phase, label and timings of a sweep (the latest one when ID is omitted).',
  'sweep abort': 'usage: coopci sweep abort [ID] --reason TEXT\n\nThe current recipe cleans up; the rest are marked SKIPPED aborted.',
  'sweep skip': 'usage: coopci sweep skip RECIPE [--id ID]\n\nSkips RECIPE (stopping it, with cleanup, if it is running).',
  'sweep retry': 'usage: coopci sweep retry RECIPE [--id ID]\n\nRe-runs RECIPE once after the pass if it ended FAILED or GREEN_BUT_PROMOTE_FAILED.',
  'schedule apply': `usage: coopci schedule apply\n\nCreates the schedules (the weekly sweep "${SWEEP_SCHEDULE_ID}", and the proxy deploy when schedules.proxy is set) or updates them to match the config (idempotent).`,
  'schedule show': 'usage: coopci schedule show [--json]',
  'proxy deploy': `usage: coopci proxy deploy [--wait] [--json]

Deploys the latest release of the proxy, gates it on the signal it serves
itself, then records last-good or rolls back and writes an alert. With
--json --wait prints {"workflowId","outcome","version","lastGood","alert"}.`,
  'proxy status': 'usage: coopci proxy status [--json]\n\nThe running deploy\'s phase, or the outcome of the last one.',
  'proxy abort': `usage: coopci proxy abort --reason TEXT

Stops the running proxy deploy: the step in flight (deploy or gate) is
stopped, then the proxy is rolled back to last-good. No alert is written:
the reason is recorded with the deploy.`,
  'warm converge': `usage: coopci warm converge [--wait] [--json]

Deploys the warm apps in dependency order (proxy first), each through its
health gate with rollback; an app that does not come up skips the apps after
it, not independent ones.`,
  'alerts list': 'usage: coopci alerts list [--json]',
  'alerts clear': 'usage: coopci alerts clear (FILE… | --all)\n\nRemoves handled alerts (see "coopci alerts list").',
  report: `usage: coopci report [ID] [--format md|json]

Per-recipe label, version, tier results with durations, canonical before and
after, and a Web UI link to each workflow, for a finished sweep (the latest
when ID is omitted). Every sweep also leaves report.md and report.json in its
run directory.`,
  'schedule trigger': 'usage: coopci schedule trigger\n\nStarts the scheduled action now (overlap policy still applies).',
};

const OPTIONS = {
  config: { type: 'string' },
  json: { type: 'boolean' },
  wait: { type: 'boolean' },
  recipes: { type: 'string' },
  reason: { type: 'string' },
  id: { type: 'string' },
  all: { type: 'boolean' },
  format: { type: 'string' },
  'apply-schedules': { type: 'boolean' },
  node: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

const SINGLE_WORD = new Set(['worker', 'report']);

class UsageError extends Error {}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    console.error(`${(e as Error).message}\nRun "coopci --help" for usage.`);
    return 2;
  }
  const { values: o, positionals: p } = parsed;
    // `worker` and `report` take an argument rather than a sub-command (except `worker status`).
  const two = [p[0], p[1]].filter(Boolean).join(' ');
  const command = HELP[two] === undefined && SINGLE_WORD.has(p[0] ?? '') ? p[0]! : two;
  const key = HELP[command] !== undefined ? command : (p[0] ?? '');
  if (o.help || p.length === 0) {
    console.log(HELP[key] ?? HELP['']);
    return 0;
  }
  try {
    return await dispatch(command, p.slice(command.split(' ').length), o as Record<string, string | boolean | undefined>);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`${e.message}\n\n${HELP[command] ?? HELP['']}`);
      return 2;
    }
    if (e instanceof ConfigError || e instanceof UnreachableError || e instanceof SweepRunningError) {
      console.error(`error: ${e.message}`);
      return 1;
    }
    console.error(`error: ${(e as Error).message}`);
    return 1;
  }
}

async function dispatch(command: string, args: string[], o: Record<string, string | boolean | undefined>): Promise<number> {
  const json = Boolean(o.json);
  switch (command) {
    case 'config check': {
      const file = args[0] ?? (o.config as string | undefined);
      if (!file) throw new UsageError('config check needs a FILE');
      try {
        const { config, file: abs } = await loadConfig(file);
        const enrolled = config.recipes.filter((r) => r.enrolled).length;
        console.log(json ? JSON.stringify({ ok: true, file: abs }) : `${abs}: ok (${enrolled} enrolled of ${config.recipes.length} recipes)`);
        return 0;
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        if (json) console.log(JSON.stringify({ ok: false, file: e.file, problems: e.problems }));
        else console.error(e.message);
        return 1;
      }
    }
    case 'worker':
      if (o['apply-schedules']) {
        const { loaded, client } = await session(o);
        for (const a of await applySchedules(client, loaded.config)) console.error(`schedule ${a.scheduleId}: ${a.outcome}`);
      }
      await runWorker(configPath(o), o.node as string | undefined);
      return 0;
    case 'worker status': {
      const { loaded, client } = await session(o);
      const pollers = await taskQueuePollers(client, loaded.config);
      const live = pollers.filter((w) => w.secondsAgo <= 60);
      if (json) console.log(JSON.stringify({ taskQueue: loaded.config.temporal.taskQueue, pollers }, null, 2));
      else if (pollers.length === 0) console.log(`no worker has polled task queue "${loaded.config.temporal.taskQueue}"; start one with "coopci worker"`);
      else for (const w of pollers) console.log(`${w.identity}  last poll ${w.secondsAgo}s ago`);
      return live.length > 0 ? 0 : 1;
    }
    case 'sweep start':
      return sweepStart(await session(o), o);
    case 'sweep status': {
      const { loaded, client } = await session(o);
      const id = args[0] ?? (await latestSweepId(client));
      if (!id) throw new Error('no sweep has run yet; start one with "coopci sweep start"');
      const s = await sweepStatus(client, id);
      console.log(json ? JSON.stringify(s.status, null, 2) : formatStatus(s.status, uiLink(loaded.config, id)));
      return 0;
    }
    case 'sweep abort': {
      const { client } = await session(o);
      if (!o.reason) throw new UsageError('sweep abort needs --reason TEXT (it is recorded with the sweep)');
      const id = args[0] ?? (await requireRunning(client));
      await signalSweep(client, id, 'abort', String(o.reason));
      console.log(`abort sent to ${id}`);
      return 0;
    }
    case 'sweep skip':
    case 'sweep retry': {
      const recipe = args[0];
      if (!recipe) throw new UsageError(`${command} needs a RECIPE`);
      const { client } = await session(o);
      const id = (o.id as string | undefined) ?? (await requireRunning(client));
      await signalSweep(client, id, command === 'sweep skip' ? 'skip' : 'retry', recipe);
      console.log(`${command.split(' ')[1]} ${recipe} sent to ${id}`);
      return 0;
    }
    case 'schedule apply': {
      const { loaded, client } = await session(o);
      const applied = await applySchedules(client, loaded.config);
      console.log(json ? JSON.stringify(applied) : applied.map((a) => `schedule ${a.scheduleId}: ${a.outcome}`).join('\n'));
      return 0;
    }
    case 'schedule show': {
      const { client } = await session(o);
      const d = await client.schedule.getHandle(SWEEP_SCHEDULE_ID).describe();
      const view = {
        scheduleId: d.scheduleId,
        when: (d.spec.calendars ?? []).map(calendarText),
        timezone: d.spec.timezone ?? 'UTC',
        overlap: d.policies.overlap,
        catchupWindowSeconds: d.policies.catchupWindow / 1000,
        paused: d.state.paused,
        nextActionTimes: d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
        recentActions: d.info.recentActions.slice(-3).map((a) => ({ at: a.takenAt.toISOString(), workflowId: a.action.workflow.workflowId })),
      };
      console.log(json ? JSON.stringify(view, null, 2) : Object.entries(view).map(([k, v]) => `${k}: ${typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number' ? v : JSON.stringify(v)}`).join('\n'));
      return 0;
    }
    case 'schedule trigger': {
      const { client } = await session(o);
      await client.schedule.getHandle(SWEEP_SCHEDULE_ID).trigger();
      console.log(`triggered ${SWEEP_SCHEDULE_ID}`);
      return 0;
    }
    case 'proxy deploy': {
      const { loaded, client } = await session(o);
      const handle = await startWarmDeploy(client, loaded.config);
      const link = uiLink(loaded.config, handle.workflowId);
      if (!o.wait) {
        console.log(json ? JSON.stringify({ workflowId: handle.workflowId, ui: link }) : handle.workflowId);
        return 0;
      }
      if (!json) console.error(`deploy ${handle.workflowId} started — ${link}`);
      const r = (await handle.result()) as WarmDeployResult;
      if (json) console.log(JSON.stringify({ workflowId: r.workflowId, outcome: r.outcome, version: r.version, lastGood: r.lastGood, alert: r.alert, reason: r.reason }, null, 2));
      else console.log(`${r.outcome}: ${r.app} ${r.version} (last good: ${r.lastGood ?? 'none'})\n${r.reason}${r.alert ? `\nalert: ${r.alert}` : ''}`);
      return 0;
    }
    case 'proxy status': {
      const { loaded, client } = await session(o);
      const s = await warmDeployStatus(client, loaded.config);
      const link = uiLink(loaded.config, s.workflowId);
      if (json) console.log(JSON.stringify({ ...s, ui: link }, null, 2));
      else if (s.running) console.log(`${s.workflowId}: ${s.phase}${s.abortReason ? ` (aborting: ${s.abortReason})` : ''} — ${link}`);
      else {
        const r = s.result as WarmDeployResult | null;
        console.log(`${s.workflowId}: ${s.status.toLowerCase()}${r ? ` — ${r.outcome} ${r.version} (last good: ${r.lastGood ?? 'none'}): ${r.reason}` : ''} — ${link}`);
      }
      return 0;
    }
    case 'proxy abort': {
      if (!o.reason) throw new UsageError('proxy abort needs --reason TEXT (it is recorded with the deploy)');
      const { loaded, client } = await session(o);
      console.log(`abort sent to ${await abortWarmDeploy(client, loaded.config, String(o.reason))}`);
      return 0;
    }
    case 'warm converge': {
      const { loaded, client } = await session(o);
      const handle = await startConverge(client, loaded.config);
      if (!o.wait) {
        console.log(json ? JSON.stringify({ workflowId: handle.workflowId }) : handle.workflowId);
        return 0;
      }
      const r = (await handle.result()) as ConvergeResult;
      if (json) console.log(JSON.stringify(r, null, 2));
      else for (const a of r.apps) console.log(`${a.app.padEnd(16)} ${a.outcome.padEnd(12)} ${a.version ?? '—'}  ${a.reason}`);
      return 0;
    }
    case 'report': {
      const format = (o.format as string | undefined) ?? (json ? 'json' : 'md');
      if (format !== 'md' && format !== 'json') throw new UsageError(`--format must be md or json, not "${format}"`);
      const { loaded, client } = await session(o);
      const id = args[0] ?? (await latestSweepId(client));
      if (!id) throw new Error('no sweep has run yet; start one with "coopci sweep start"');
      const s = await sweepStatus(client, id);
      if (!s.result) throw new Error(`sweep ${id} is still running; its report is ready when it ends. Follow it with "coopci sweep status ${id}"`);
      const report = buildSweepReport(s.result, uiWorkflowsUrl(loaded.config));
      console.log(format === 'json' ? JSON.stringify(report, null, 2) : renderMarkdownReport(report));
      return 0;
    }
    case 'alerts list': {
      const { config } = await loadConfig(configPath(o));
      const alerts = await listAlerts(config.stateDir);
      if (json) console.log(JSON.stringify(alerts, null, 2));
      else if (alerts.length === 0) console.log('no alerts');
      else for (const a of alerts) console.log(a.alert ? `${a.alert.ts}  ${a.alert.app}  ${a.alert.reason}  ${a.alert.version}  — ${a.alert.state}\n  ${a.file}` : `unreadable alert ${a.file}: ${a.error}`);
      return 0;
    }
    case 'alerts clear': {
      const { config } = await loadConfig(configPath(o));
      const known = (await listAlerts(config.stateDir)).map((a) => a.file);
      const targets = o.all ? known : args.map((f) => path.resolve(f));
      if (targets.length === 0) throw new UsageError('name the alert files to clear, or pass --all');
      for (const f of targets) {
        if (!known.includes(f)) throw new Error(`${f} is not an alert of this configuration (see "coopci alerts list")`);
        await rm(f);
      }
      console.log(`cleared ${targets.length} alert(s)`);
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

function configPath(o: Record<string, unknown>): string {
  const file = (o.config as string | undefined) ?? process.env.COOPCI_CONFIG ?? (existsSync('coopci.yaml') ? 'coopci.yaml' : undefined);
  if (!file) throw new UsageError('no configuration: pass --config FILE or set COOPCI_CONFIG (example: config/local.yaml)');
  return file;
}

async function session(o: Record<string, unknown>): Promise<{ loaded: LoadedConfig; client: Client }> {
  const loaded = await loadConfig(configPath(o));
  return { loaded, client: await connectClient(loaded.config) };
}

async function requireRunning(client: Client): Promise<string> {
  const id = await runningSweep(client);
  if (!id) throw new Error('no sweep is running; name one with an ID (see "coopci sweep status")');
  return id;
}

async function sweepStart({ loaded, client }: { loaded: LoadedConfig; client: Client }, o: Record<string, unknown>): Promise<number> {
  const recipes = typeof o.recipes === 'string' ? o.recipes.split(',').map((r) => r.trim()).filter(Boolean) : undefined;
  const handle = await startSweep(client, loaded.config, { recipes });
  const link = uiLink(loaded.config, handle.workflowId);
  if (!o.wait) {
    console.log(o.json ? JSON.stringify({ workflowId: handle.workflowId, ui: link }) : handle.workflowId);
    return 0;
  }
  if (!o.json) console.error(`sweep ${handle.workflowId} started — ${link}`);
  const stopProgress = process.stderr.isTTY ? showProgress(() => handle.query(sweepStatusQuery)) : () => {};
  let result: SweepResult;
  try {
    result = (await handle.result()) as SweepResult;
  } finally {
    stopProgress();
  }
  if (o.json) {
    console.log(
      JSON.stringify(
        {
          workflowId: handle.workflowId,
          aborted: result.aborted,
          results: result.results.map((r) => ({ recipe: r.recipe, label: r.label, reason: r.reason, version: r.version, canonical: r.canonical, tiers: r.tiers, workflowId: r.workflowId })),
          report: result.reportFile,
        },
        null,
        2,
      ),
    );
  } else {
    printResults(result, link);
  }
  return 0;
}

/** One progress line on a terminal: recipe n/N, current phase, elapsed. */
function showProgress(query: () => Promise<SweepStatus>): () => void {
  const start = Date.now();
  let last = '';
  const timer = setInterval(async () => {
    try {
      const s = await query();
      const done = s.recipes.filter((r) => r.label).length;
      const active = s.recipes.find((r) => !r.label && r.phase !== 'pending');
      const line = `[${done}/${s.recipes.length}] ${active ? `${active.recipe}: ${active.phase}` : s.state} (${Math.round((Date.now() - start) / 1000)}s)`;
      if (line !== last) process.stderr.write(`\r\x1b[K${line}`);
      last = line;
    } catch {
      // a query can fail while the worker restarts; the next tick tries again
    }
  }, 1000);
  return () => {
    clearInterval(timer);
    process.stderr.write('\r\x1b[K');
  };
}

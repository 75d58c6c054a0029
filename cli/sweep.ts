/** coopci sweep start|status|abort|skip|retry, and coopci report. */
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { abortSweep, controlSweep, latestSweepId, runningSweep, startSweep, sweepStatus, uiLink } from '../client/sweep';
import { uiWorkflowsUrl } from '../config/temporal';
import { sweepStatusQuery } from '../contract/messages';
import type { SweepStatus } from '../contract/types';
import { buildSweepReport, renderMarkdownReport } from '../state/report';
import { JSON_HELP, run, session, usageError, type Handler } from './command';
import { formatStatus, printResults } from './output';

export function addSweepCommands(program: Command): void {
  const sweep = program.command('sweep').description('start, watch and steer sweeps');
  sweep
    .command('start')
    .summary('start a sweep now')
    .description(
      `Starts a sweep of every enrolled recipe (or only --recipes) and prints its
workflow id. With --wait, shows progress (on a terminal) and the results;
exits 0 when the sweep completed, whatever the labels, non-zero when it could
not run. Refused, naming the running sweep, when one is already running, and
before anything starts when --recipes names a recipe that is unknown or not
enrolled.`,
    )
    .option('--recipes <names>', 'only these enrolled recipes, comma-separated (e.g. hello,broken)')
    .option('--wait', 'wait for the results')
    .option('--json', JSON_HELP)
    .action(run(sweepStart));
  sweep
    .command('status')
    .argument('[id]', 'the sweep (default: the latest)')
    .summary('show a sweep (the latest when no ID)')
    .description('Per-recipe phase, label and timings of a sweep (the latest one when ID is omitted).')
    .option('--json', JSON_HELP)
    .action(run(sweepShow));
  sweep
    .command('abort')
    .argument('[id]', 'the sweep (default: the running one)')
    .summary('abort a sweep (the running one when no ID)')
    .description('The current recipe cleans up; the rest are marked SKIPPED aborted.')
    .requiredOption('--reason <text>', 'why (recorded with the sweep)')
    .action(run(sweepAbort));
  sweep
    .command('skip')
    .argument('<recipe>')
    .summary('skip a recipe of the running sweep')
    .description(
      `Skips RECIPE (stopping it, with cleanup, if it is running). The sweep answers
what it will do, or refuses (an unknown recipe, one already finished) with
its reason: then the exit code is 1.`,
    )
    .option('--id <id>', 'the sweep (default: the running one)')
    .option('--json', JSON_HELP)
    .action(run(sweepControl('skip')));
  sweep
    .command('retry')
    .argument('<recipe>')
    .summary('re-run a failed recipe after the pass')
    .description(
      `Re-runs RECIPE once after the pass if it ended FAILED or GREEN_BUT_PROMOTE_FAILED.
The sweep refuses (exit code 1) any other recipe, with its reason.`,
    )
    .option('--id <id>', 'the sweep (default: the running one)')
    .option('--json', JSON_HELP)
    .action(run(sweepControl('retry')));
}

export function addReportCommand(program: Command): void {
  program
    .command('report')
    .argument('[id]', 'the sweep (default: the latest)')
    .summary("a finished sweep's report (the latest when no ID)")
    .description(
      `Per-recipe label, version, tier results with durations, canonical before and
after, and a Web UI link to each workflow, for a finished sweep (the latest
when ID is omitted). Every sweep also leaves report.md and report.json in its
run directory.`,
    )
    .option('--format <format>', 'md or json (default: json with --json, else md)')
    .option('--json', 'same as --format json')
    .action(run(report));
}

/** The recipes named by --recipes a,b. */
function recipeList(cmd: Command, names: string): string[] {
  const recipes = names
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  if (recipes.length === 0) usageError(cmd, '--recipes names no recipe (e.g. --recipes hello,broken)');
  return recipes;
}

const sweepStart: Handler = async (cmd) => {
  const o = cmd.opts<{ recipes?: string; wait?: boolean; json?: boolean }>();
  const recipes = o.recipes === undefined ? undefined : recipeList(cmd, o.recipes);
  const { loaded, client } = await session(cmd);
  const handle = await startSweep(client, loaded.config, { recipes });
  const link = uiLink(loaded.config, handle.workflowId);
  if (!o.wait) {
    console.log(o.json ? JSON.stringify({ workflowId: handle.workflowId, ui: link }) : handle.workflowId);
    return 0;
  }
  if (!o.json) console.error(`sweep ${handle.workflowId} started — ${link}`);
  const stopProgress = process.stderr.isTTY ? showProgress(() => handle.query(sweepStatusQuery)) : () => {};
  const result = await handle.result().finally(stopProgress);
  if (!o.json) {
    printResults(result, link);
    return 0;
  }
  const results = result.results.map((r) => ({
    recipe: r.recipe,
    label: r.label,
    reason: r.reason,
    version: r.version,
    canonical: r.canonical,
    tiers: r.tiers,
    workflowId: r.workflowId,
  }));
  console.log(JSON.stringify({ workflowId: handle.workflowId, aborted: result.aborted, results, report: result.reportFile }, null, 2));
  return 0;
};

/** One progress line on a terminal: recipe n/N, current phase, elapsed. */
function showProgress(query: () => Promise<SweepStatus>): () => void {
  const start = Date.now();
  let last = '';
  const tick = async () => {
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
  };
  const timer = setInterval(() => void tick(), 1000);
  return () => {
    clearInterval(timer);
    process.stderr.write('\r\x1b[K');
  };
}

async function latestOrFail(client: Client): Promise<string> {
  const id = await latestSweepId(client);
  if (!id) throw new Error('no sweep has run yet; start one with "coopci sweep start"');
  return id;
}

async function requireRunning(client: Client): Promise<string> {
  const id = await runningSweep(client);
  if (!id) throw new Error('no sweep is running; name one with an ID (see "coopci sweep status")');
  return id;
}

const sweepShow: Handler = async (cmd) => {
  const { loaded, client } = await session(cmd);
  const id = cmd.args[0] ?? (await latestOrFail(client));
  const s = await sweepStatus(client, id);
  console.log(cmd.opts<{ json?: boolean }>().json ? JSON.stringify(s.status, null, 2) : formatStatus(s.status, uiLink(loaded.config, id)));
  return 0;
};

const sweepAbort: Handler = async (cmd) => {
  const { client } = await session(cmd);
  const id = cmd.args[0] ?? (await requireRunning(client));
  await abortSweep(client, id, cmd.opts<{ reason: string }>().reason);
  console.log(`abort sent to ${id}`);
  return 0;
};

function sweepControl(what: 'skip' | 'retry'): Handler {
  return async (cmd) => {
    const recipe = cmd.args[0]!; // <recipe> is required: commander checked it
    const o = cmd.opts<{ id?: string; json?: boolean }>();
    const { client } = await session(cmd);
    const workflowId = o.id ?? (await requireRunning(client));
    const answer = await controlSweep(client, workflowId, what, recipe);
    if (o.json) console.log(JSON.stringify({ workflowId, recipe, ...answer }));
    if (!answer.accepted) {
      console.error(`error: ${workflowId} refused ${what} ${recipe}: ${answer.reason}`);
      return 1;
    }
    if (!o.json) console.log(`${what} ${recipe} accepted by ${workflowId}: ${answer.message}`);
    return 0;
  };
}

const report: Handler = async (cmd) => {
  const o = cmd.opts<{ format?: string; json?: boolean }>();
  const format = o.format ?? (o.json ? 'json' : 'md');
  if (format !== 'md' && format !== 'json') usageError(cmd, `--format must be md or json, not "${format}"`);
  const { loaded, client } = await session(cmd);
  const id = cmd.args[0] ?? (await latestOrFail(client));
  const s = await sweepStatus(client, id);
  if (!s.result) throw new Error(`sweep ${id} is still running; its report is ready when it ends. Follow it with "coopci sweep status ${id}"`);
  const r = buildSweepReport(s.result, uiWorkflowsUrl(loaded.config));
  console.log(format === 'json' ? JSON.stringify(r, null, 2) : renderMarkdownReport(r));
  return 0;
};

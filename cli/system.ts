/** coopci config check, coopci worker, coopci worker status. */
import type { Command } from 'commander';
import { applySchedules } from '../client/schedule';
import { convergeAtStart } from '../client/warm';
import { taskQueuePollers } from '../client/connect';
import { ConfigError, loadConfig } from '../config/load';
import { configPath, JSON_HELP, run, session, usageError, type Handler } from './command';

export function addSystemCommands(program: Command): void {
  program
    .command('config')
    .description('the configuration file')
    .command('check')
    .argument('[file]', 'the file (default: --config)')
    .summary('validate a configuration file')
    .description('Exits 0 when FILE is valid; otherwise prints every problem, each naming its field, and exits 1.')
    .option('--json', JSON_HELP)
    .action(run(configCheck));

  const worker = program
    .command('worker')
    .summary('run the worker (workflows + activities)')
    .description(
      `Runs a worker on the configured task queue until interrupted (SIGINT/SIGTERM
drain in-flight tasks). With --apply-schedules, first creates or updates the
schedules, as "coopci schedule apply" does (for systemd units and containers).
With --converge-at-start, then starts the warm converge, as "coopci warm
converge" does (a converge already running is left to finish): a host booted
from scratch brings its warm apps up. With --node, polls that scale-out node's task queue (see "nodes" in the
config): run one such worker on each Swarm node.`,
    )
    .option('--apply-schedules', 'create or update the schedules first')
    .option('--converge-at-start', 'start the warm converge (after the schedules), unless one is running')
    .option('--node <name>', 'a scale-out node (under nodes in the config)')
    .action(run(runWorkerCommand));
  worker
    .command('status')
    .summary('whether a worker polls the task queue (exit 1 if none)')
    .description(
      `Lists the workers polling the configured task queue. Exits 1 when none has
polled in the last minute (a health check for containers and monitoring).`,
    )
    .option('--json', JSON_HELP)
    .action(run(workerStatus));
}

const configCheck: Handler = async (cmd) => {
  const file = cmd.args[0] ?? cmd.optsWithGlobals<{ config?: string }>().config;
  if (!file) usageError(cmd, 'config check needs a FILE');
  const json = cmd.opts<{ json?: boolean }>().json;
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
};

const runWorkerCommand: Handler = async (cmd) => {
  const o = cmd.opts<{ applySchedules?: boolean; convergeAtStart?: boolean; node?: string }>();
  if (o.applySchedules || o.convergeAtStart) {
    const { loaded, client } = await session(cmd);
    if (o.applySchedules) for (const a of await applySchedules(client, loaded.config)) console.error(`schedule ${a.scheduleId}: ${a.outcome}`);
    // Only the main worker converges (a node's worker runs recipes); the converge waits for this worker to poll.
    if (o.convergeAtStart && !o.node) console.error(await convergeAtStart(client, loaded.config));
  }
  // Loaded here only: the worker's runtime is heavy, and every other command starts faster without it.
  const { runWorker } = await import('../worker/main');
  await runWorker(configPath(cmd), o.node);
  return 0;
};

const workerStatus: Handler = async (cmd) => {
  const { loaded, client } = await session(cmd);
  const taskQueue = loaded.config.temporal.taskQueue;
  const pollers = await taskQueuePollers(client, loaded.config);
  if (cmd.opts<{ json?: boolean }>().json) console.log(JSON.stringify({ taskQueue, pollers }, null, 2));
  else if (pollers.length === 0) console.log(`no worker has polled task queue "${taskQueue}"; start one with "coopci worker"`);
  else for (const w of pollers) console.log(`${w.identity}  last poll ${w.secondsAgo}s ago`);
  return pollers.some((w) => w.secondsAgo <= 60) ? 0 : 1;
};

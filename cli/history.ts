/** coopci history RECIPE: a recipe's runs across sweeps and on-demand runs. */
import type { Command } from 'commander';
import { recipeHistory } from '../client/history';
import { JSON_HELP, run, session, usageError, type Handler } from './command';

export function addHistoryCommand(program: Command): void {
  program
    .command('history')
    .argument('<recipe>')
    .summary("a recipe's runs: labels, versions, durations, flaky tiers")
    .description(
      `The recipe's runs, newest first (sweeps' and on-demand ones): label,
version, duration, flaky tiers, reason and a Web UI link each. From
Temporal's visibility, so runs older than the namespace's retention are
gone (see README "Retention"); their run directories stay in the state dir.`,
    )
    .option('--last <n>', 'how many runs (default 10)', '10')
    .option('--json', JSON_HELP)
    .action(run(history));
}

const history: Handler = async (cmd) => {
  const recipe = cmd.args[0]!;
  const o = cmd.opts<{ last: string; json?: boolean }>();
  const last = Number(o.last);
  if (!Number.isInteger(last) || last < 1 || last > 1000) usageError(cmd, `--last must be a whole number from 1 to 1000, not "${o.last}"`);
  const { loaded, client } = await session(cmd);
  if (!loaded.config.recipes.some((r) => r.name === recipe)) usageError(cmd, `"${recipe}" is not a recipe of ${loaded.file}`);
  const entries = await recipeHistory(client, loaded.config, recipe, last);
  if (o.json) {
    console.log(JSON.stringify(entries, null, 2));
    return 0;
  }
  if (entries.length === 0) {
    console.log(`${recipe} has no runs in Temporal's visibility (none yet, or older than the namespace's retention)`);
    return 0;
  }
  for (const e of entries) {
    const secs = e.durationMs === null ? 'running' : `${Math.round(e.durationMs / 1000)}s`;
    const flaky = e.flaky.length ? ` flaky: ${e.flaky.join(',')}` : '';
    console.log(
      `${e.startedAt.slice(0, 16).replace('T', ' ')}  ${(e.label ?? e.status).padEnd(24)} ${(e.version ?? '—').padEnd(14)} ${secs.padStart(6)}${flaky}`,
    );
    if (e.reason) console.log(`    ${e.reason.split('\n')[0]}`);
    console.log(`    ${e.ui}`);
  }
  return 0;
};

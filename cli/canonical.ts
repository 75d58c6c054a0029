/** coopci canonical list|show|adopt|forget: canonicals as objects an operator can see and repair, by name. */
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { Apps } from '../adapters/apps';
import { docker } from '../adapters/swarm';
import type { LoadedConfig } from '../config/load';
import { snapshotOf } from '../contract/snapshot';
import type { RunEnv } from '../contract/types';
import { adoptCanonical, canonicalDomainOf, forgetCanonical } from '../state/canonical-admin';
import { canonicals } from '../state/canonicals';
import { lastResult } from '../state/report';
import { stackVolumeSizes } from '../adapters/volumes';
import { stackName } from '../domain/stack-name';
import { formatBytes } from '../domain/size';
import { withRecipeLock } from '../client/recipe-lock';
import { JSON_HELP, loadFor, run, session, usageError, type Handler } from './command';

export function addCanonicalCommands(program: Command): void {
  const canonical = program.command('canonical').description("the recipes' canonicals: known-good deployments kept with their data");
  canonical.command('list').summary("every recipe's canonical: version, commit, domain, data, age").option('--json', JSON_HELP).action(run(list));
  canonical
    .command('show')
    .argument('<recipe>')
    .summary("one recipe's canonical, with what Swarm and abra hold of it")
    .option('--json', JSON_HELP)
    .action(run(show));
  canonical
    .command('adopt')
    .argument('<recipe>')
    .summary('write the record of a canonical whose data exists without one')
    .description(
      `Writes the record of a canonical whose data is there but whose record was
lost (a state dir not on a volume, a record removed by hand): its version
is read from abra's env file, its commit from that release tag in the
mirror. The next sweep then treats it as the canonical again.`,
    )
    .option('--json', JSON_HELP)
    .action(run(adopt));
  canonical
    .command('forget')
    .argument('<recipe>')
    .summary("drop a canonical's record (its data only with --destroy-data)")
    .description(
      `Removes the canonical's record, so the next sweep seeds the recipe afresh.
Its data (volumes, secrets, abra env file) is kept unless --destroy-data is
given, which removes it for good after a confirmation (type the recipe's
name, or pass --yes where there is no terminal).`,
    )
    .option('--destroy-data', "also remove the canonical's volumes, secrets and env file, for good")
    .option('--yes', 'confirm --destroy-data without asking')
    .action(run(forget));
}

const envOf = (loaded: LoadedConfig): RunEnv => snapshotOf(loaded.config, loaded.file, loaded.digest).env;

function knownRecipe(cmd: Command, loaded: LoadedConfig): string {
  const name = cmd.args[0]!;
  if (!loaded.config.recipes.some((r) => r.name === name)) {
    usageError(cmd, `"${name}" is not a recipe of ${loaded.file} (known: ${loaded.config.recipes.map((r) => r.name).join(', ')})`);
  }
  return name;
}

async function describe(env: RunEnv, recipe: string) {
  const record = await canonicals.read(env.stateDir, recipe).catch((e: Error) => ({ error: e.message }));
  const domain = record && 'domain' in record ? record.domain : canonicalDomainOf(env, recipe);
  const holds = await new Apps(env, docker()).holdings(domain);
  const ageDays = record && 'ts' in record ? Math.floor((Date.now() - Date.parse(record.ts)) / 86_400_000) : null;
  // Measured now (the daemon's count), not the promote's: data grows between sweeps.
  const volumes = await stackVolumeSizes(docker(), stackName(domain));
  const last = await lastResult(env.stateDir, recipe);
  return {
    recipe,
    domain,
    node: record && 'node' in record ? (record.node ?? null) : null,
    record,
    ageDays,
    volumes,
    bytes: volumes.reduce((n, v) => n + v.bytes, 0),
    lastSweep: last ? { label: last.label, version: last.version, endedAt: last.endedAt, workflowId: last.workflowId } : null,
    holds,
  };
}

const list: Handler = async (cmd) => {
  const loaded = await loadFor(cmd);
  const env = envOf(loaded);
  const rows = await Promise.all(loaded.config.recipes.map((r) => describe(env, r.name)));
  const total = rows.reduce((n, r) => n + r.bytes, 0);
  const budget = loaded.config.canonicals.diskBudget ?? null;
  if (cmd.opts<{ json?: boolean }>().json) {
    console.log(JSON.stringify(rows, null, 2));
    return 0;
  }
  console.log(`canonicals hold ${formatBytes(total)}${budget !== null ? ` of the ${formatBytes(budget)} budget` : ' (no canonicals.diskBudget)'}`);
  for (const r of rows) {
    const rec =
      r.record && 'version' in r.record
        ? `${r.record.version} (${r.record.commit.slice(0, 12)}, ${r.ageDays} days old)`
        : r.record
          ? `unreadable record: ${r.record.error}`
          : 'no record';
    const data = r.volumes.length ? `${formatBytes(r.bytes)} in ${r.volumes.map((v) => `${v.name} (${formatBytes(v.bytes)})`).join(', ')}` : 'no volumes';
    const last = r.lastSweep ? `; last run ${r.lastSweep.label} ${r.lastSweep.version ?? ''} on ${r.lastSweep.endedAt.slice(0, 10)}` : '';
    console.log(`${r.recipe.padEnd(16)} ${rec} at ${r.domain}${r.node ? ` on node ${r.node}` : ''} — ${data}${last}`);
    if (r.holds.length && !r.volumes.length) console.log(`${''.padEnd(16)} holds: ${r.holds.join('; ')}`);
  }
  return 0;
};

const show: Handler = async (cmd) => {
  const loaded = await loadFor(cmd);
  const r = await describe(envOf(loaded), knownRecipe(cmd, loaded));
  console.log(JSON.stringify(r, null, 2));
  return 0;
};

const adopt: Handler = async (cmd) => {
  const { loaded, client } = await session(cmd);
  const recipe = knownRecipe(cmd, loaded);
  const record = await withRecipeLock(client, loaded.config, recipe, 'coopci canonical adopt', () => adoptCanonical(envOf(loaded), docker(), recipe));
  if (cmd.opts<{ json?: boolean }>().json) console.log(JSON.stringify(record, null, 2));
  else console.log(`adopted the canonical of ${recipe}: ${record.version} (${record.commit.slice(0, 12)}) at ${record.domain}`);
  return 0;
};

const forget: Handler = async (cmd) => {
  const { loaded, client } = await session(cmd);
  const recipe = knownRecipe(cmd, loaded);
  const o = cmd.opts<{ destroyData?: boolean; yes?: boolean }>();
  if (o.destroyData && !o.yes && !(await confirmed(recipe))) {
    console.error(`nothing removed: --destroy-data removes the data of ${recipe}'s canonical for good; confirm by typing its name, or pass --yes`);
    return 1;
  }
  const removed = await withRecipeLock(client, loaded.config, recipe, 'coopci canonical forget', () =>
    forgetCanonical(envOf(loaded), docker(), recipe, Boolean(o.destroyData)),
  );
  console.log(`forgot the canonical of ${recipe}: removed ${removed.join(', ')}${o.destroyData ? '' : ' (its data is kept)'}`);
  return 0;
};

/** Asks on a terminal; without one there is no confirmation. */
async function confirmed(recipe: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (
      (await rl.question(`This removes the volumes, secrets and env file of ${recipe}'s canonical for good. Type "${recipe}" to confirm: `)).trim() === recipe
    );
  } finally {
    rl.close();
  }
}

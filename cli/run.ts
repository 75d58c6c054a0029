/** coopci run: one recipe on one ref, never promoted. */
import type { Command } from 'commander';
import { startRun } from '../client/run';
import { uiLink } from '../client/sweep';
import type { RecipeResult } from '../contract/types';
import { JSON_HELP, run, session, usageError, type Handler } from './command';
import { printResults } from './output';

export function addRunCommand(program: Command): void {
  program
    .command('run')
    .argument('<recipe>', 'a recipe of the config (enrolled or not)')
    .summary('test one recipe on a ref; never promotes')
    .description(
      `Runs RECIPE's tiers on a branch, tag or commit of its upstream (mirror-synced
first; default: its latest release tag), under the same per-recipe lock as
the sweep. A green run is TESTED, a red one FAILED: an on-demand run never
writes or changes a canonical, even on a release tag. With --quick it
upgrades a copy of the canonical's volumes from the canonical's version to
the ref (the canonical itself is never touched). The temporal CLI form:
  temporal workflow start --type recipeRunWorkflow --task-queue coopci \\
    --workflow-id run-hello-1 --input '{"recipe":"hello","ref":"main"}'
Exit code with --wait: 0 when TESTED, 1 when FAILED.`,
    )
    .option('--ref <ref>', 'branch, tag or commit of the upstream (default: the latest release tag)')
    .option('--quick', "upgrade a copy of the canonical's data to the ref instead of a fresh install")
    .option('--tiers <tiers>', 'only these tiers, comma-separated (install always runs), e.g. custom or backup,restore')
    .option('--wait', 'wait for the result')
    .option('--json', JSON_HELP)
    .action(run(runRecipe));
}

const runRecipe: Handler = async (cmd) => {
  const recipe = cmd.args[0]!; // required: commander checked it
  const o = cmd.opts<{ ref?: string; quick?: boolean; tiers?: string; wait?: boolean; json?: boolean }>();
  const tiers = o.tiers?.split(',').map((t) => t.trim());
  if (tiers && tiers.filter(Boolean).length === 0) usageError(cmd, '--tiers names no tier (e.g. --tiers custom)');
  const { loaded, client } = await session(cmd);
  const handle = await startRun(client, loaded.config, {
    recipe,
    ...(o.ref !== undefined ? { ref: o.ref } : {}),
    ...(o.quick ? { quick: true } : {}),
    ...(tiers ? { tiers: tiers.filter(Boolean) } : {}),
  });
  const link = uiLink(loaded.config, handle.workflowId);
  if (!o.wait) {
    console.log(o.json ? JSON.stringify({ workflowId: handle.workflowId, ui: link }) : handle.workflowId);
    return 0;
  }
  if (!o.json) console.error(`run ${handle.workflowId} started — ${link}`);
  const result: RecipeResult = await handle.result();
  if (o.json) {
    const { label, reason, version, ref, tiers: tierResults } = result;
    console.log(JSON.stringify({ workflowId: handle.workflowId, result: { recipe, label, reason, version, ref: ref ?? null, tiers: tierResults } }, null, 2));
  } else {
    printResults({ sweepId: handle.workflowId, aborted: false, configDigest: '', results: [result] }, link);
  }
  return result.label === 'TESTED' ? 0 : 1;
};

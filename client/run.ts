import type { Client } from '@temporalio/client';
import type { Config } from '../config/schema';
import { temporalSettings } from '../config/temporal';
import { onDemandRunId } from '../contract/ids';
import { SA } from '../contract/search-attributes';
import type { RunInput } from '../contract/types';
import { refProblem, selectTiers } from '../domain/on-demand';
import type { recipeRunWorkflow } from '../workflows/run';

/**
 * Starts an on-demand run of one recipe. Refused before anything starts when
 * the recipe is not in the config, the ref cannot be a git ref, or the tiers
 * are unknown; the run waits for the recipe's lock like a sweep's recipe.
 */
export async function startRun(client: Client, config: Config, input: Omit<RunInput, 'tiers'> & { tiers?: string[] }) {
  if (!config.recipes.some((r) => r.name === input.recipe))
    throw new Error(`unknown recipe "${input.recipe}" (recipes: ${config.recipes.map((r) => r.name).join(', ')})`);
  const refBad = input.ref !== undefined ? refProblem(input.ref) : null;
  if (refBad) throw new Error(refBad);
  const selected = input.tiers ? selectTiers(input.tiers) : null;
  if (selected && 'problem' in selected) throw new Error(selected.problem);
  const workflowId = onDemandRunId(input.recipe);
  return client.workflow.start<typeof recipeRunWorkflow>('recipeRunWorkflow', {
    workflowId,
    taskQueue: temporalSettings(config).taskQueue,
    args: [{ ...input, tiers: selected && 'tiers' in selected ? selected.tiers : undefined }],
    staticSummary: `on-demand run of ${input.recipe} @ ${input.ref ?? 'latest release'}${input.quick ? ' (quick)' : ''}`,
    typedSearchAttributes: [
      { key: SA.kind, value: 'run' },
      { key: SA.sweepId, value: workflowId },
      { key: SA.recipe, value: input.recipe },
    ],
  });
}

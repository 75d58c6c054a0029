import { ApplicationFailure, executeChild, ParentClosePolicy, proxyActivities, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import { SA } from '../contract/search-attributes';
import type { RecipeResult, RunInput } from '../contract/types';
import type { Activities } from './activity-types';
import { recipeWorkflow } from './recipe';
import { refProblem, selectTiers } from '../domain/on-demand';

/**
 * An on-demand run (`coopci run RECIPE --ref REF`): one recipe on one ref of
 * its upstream, with the config loaded now, as a child recipe workflow
 * (same lock, same tiers and cleanup as a sweep's, never a promote), and a
 * report in its own run directory. Its input is small on purpose, so
 * `temporal workflow start --type recipeRunWorkflow` is easy to type.
 */
export async function recipeRunWorkflow(input: RunInput): Promise<RecipeResult> {
  const { workflowId } = workflowInfo();
  // The same checks as the CLI's, for runs started with the temporal CLI: nothing runs on a bad input.
  const selected = input.tiers ? selectTiers(input.tiers) : null;
  const problem = (input.ref !== undefined ? refProblem(input.ref) : null) ?? (selected && 'problem' in selected ? selected.problem : null);
  if (problem) throw ApplicationFailure.nonRetryable(problem, 'BadRunInput');
  const tiers = selected && 'tiers' in selected ? selected.tiers : undefined;
  const acts = proxyActivities<Activities>({ startToCloseTimeout: '2m', retry: { maximumAttempts: 3, initialInterval: '2s' } });
  const snap = await acts.loadRunSnapshot.executeWithOptions({ summary: `load config for ${input.recipe}` }, [{ recipe: input.recipe }]);
  const what = `${input.recipe} @ ${input.ref ?? 'latest release'}${input.quick ? ' (quick)' : ''}`;
  setCurrentDetails(`on-demand run of **${what}**: never promoted`);
  const result = await executeChild(recipeWorkflow, {
    workflowId: `${workflowId}/${input.recipe}`,
    ...(snap.node ? { taskQueue: snap.node.taskQueue } : {}),
    args: [
      {
        sweepId: workflowId,
        env: snap.env,
        recipe: snap.recipe,
        onDemand: { ...(input.ref ? { ref: input.ref } : {}), ...(input.quick ? { quick: true } : {}), ...(tiers ? { tiers } : {}) },
        ...(snap.node ? { node: snap.node.name } : {}),
      },
    ],
    staticSummary: `${what} (on-demand run ${workflowId})`,
    typedSearchAttributes: [
      { key: SA.kind, value: 'recipe' },
      { key: SA.sweepId, value: workflowId },
      { key: SA.recipe, value: input.recipe },
    ],
    // Cancelling the run cancels the recipe, which tears its cold app down.
    parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
  });
  await acts.writeSweepReport.executeWithOptions({ summary: 'write report' }, [
    { env: snap.env, result: { sweepId: workflowId, aborted: false, configDigest: snap.digest, results: [result] } },
  ]);
  setCurrentDetails(`on-demand run of **${what}**: ${result.label}: ${result.reason}`);
  return result;
}

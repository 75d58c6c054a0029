import {
  CancellationScope,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { decide, describeDecision } from '../domain/decision';
import { labelResult, type RunOutcome } from '../domain/label';
import { promoteGate } from '../domain/promote-gate';
import { latestRelease } from '../domain/version';
import type { Activities } from './activity-types';
import { sideEffectCancellation } from './cancellation';
import { causeMessage } from './errors';
import { SA } from './search-attributes';
import { abortSignal, progressSignal, recipeStatusQuery } from './signals';
import { TIERS, type RecipeInput, type RecipePhase, type RecipeResult, type RecipeStatus, type TierResult } from './types';

/** Patch id: progress signals only for long phases, not awaited (see README "Changing workflows"). */
export const QUIET_PROGRESS = 'quiet-progress-signals';

/**
 * One recipe of a sweep, as the runbook says: mirror-sync, decide from the
 * latest release tag, cold-run every tier on that tag, tear the cold app
 * down whatever happens, promote when the gate allows, label from the
 * registry.
 */
export async function recipeWorkflow(input: RecipeInput): Promise<RecipeResult> {
  const { env, recipe } = input;
  const t = { ...env.timeouts, ...recipe.timeouts };
  const { workflowId } = workflowInfo();
  const startedAt = new Date().toISOString();
  const runDir = `${env.stateDir}/runs/${input.sweepId.replace(/[^A-Za-z0-9._-]/g, '_')}/${recipe.name}`;
  const base = { env, recipe };

  const quick = proxyActivities<Activities>({
    startToCloseTimeout: `${t.mirrorSyncSeconds * 2 + 30}s`,
    heartbeatTimeout: '20s',
    retry: { maximumAttempts: 3, initialInterval: '2s' },
  });
  const cancellationType = sideEffectCancellation();
  const gateSeconds = recipe.health.deadlineSeconds + t.deploySeconds + t.convergeSeconds;
  const tierActs = proxyActivities<Activities>({
    // Two full deploys (upgrade tier), teardowns, backups and the test command, with margin; each step has its own tighter timeout.
    startToCloseTimeout: `${2 * gateSeconds + 2 * t.teardownSeconds + 2 * t.backupSeconds + (recipe.test?.timeoutSeconds ?? 0) + 60}s`,
    heartbeatTimeout: '20s',
    retry: { maximumAttempts: 2, initialInterval: '5s' },
    cancellationType,
  });
  const cleanup = proxyActivities<Activities>({
    startToCloseTimeout: `${3 * t.teardownSeconds + 60}s`,
    heartbeatTimeout: '20s',
    retry: { maximumAttempts: 5, initialInterval: '5s', backoffCoefficient: 2 },
  });
  const promoteActs = proxyActivities<Activities>({
    startToCloseTimeout: `${gateSeconds + 2 * t.teardownSeconds + 60}s`,
    heartbeatTimeout: '20s',
    retry: { maximumAttempts: 3, initialInterval: '5s' },
    cancellationType,
  });

  const status: RecipeStatus = { recipe: recipe.name, phase: 'pending', workflowId, startedAt, attempt: 1 };
  setHandler(recipeStatusQuery, () => status);
  const work = new CancellationScope();
  let abortReason: string | null = null;
  setHandler(abortSignal, (reason) => {
    abortReason = reason || 'aborted by operator';
    work.cancel();
  });

  const setPhase = async (phase: RecipePhase, details?: string) => {
    status.phase = phase;
    setCurrentDetails(`**${recipe.name}**${status.version ? ` @ ${status.version}` : ''}: ${phase}${details ? ` — ${details}` : ''}`);
    upsertSearchAttributes([{ key: SA.phase, value: phase }]);
    if (!input.reportTo) return;
    const report = () =>
      getExternalWorkflowHandle(input.reportTo!)
        .signal(progressSignal, { recipe: recipe.name, phase, version: status.version ?? null })
        .catch(() => undefined); // the sweep may be gone (e.g. terminated); progress is best effort
    if (patched(QUIET_PROGRESS)) {
      // Only the long phases are worth a line in the sweep's history, and the
      // recipe need not wait for the sweep to hear it: a 1000-recipe sweep
      // stays far from Temporal's history limits.
      if (phase.startsWith('tier:') || phase === 'teardown' || phase === 'promote') void report();
    } else {
      await report(); // runs started before the patch: every phase, awaited
    }
  };

  const tiers: TierResult[] = [];
  let version: string | null = null;
  let before: string | null = null;
  let decision = 'not decided';
  let promoteError: string | null = null;
  let teardownError: string | null = null;

  const outcome: RunOutcome = await work
    .run(async (): Promise<RunOutcome> => {
      await setPhase('mirror-sync');
      let tags: string[];
      try {
        ({ tags } = await quick.syncRecipe.executeWithOptions({ summary: `mirror-sync ${recipe.name}` }, [base]));
      } catch (e) {
        if (isCancellation(e)) throw e;
        return { kind: 'red', reason: `mirror-sync failed: ${causeMessage(e)}` };
      }

      await setPhase('deciding');
      before = (await quick.readCanonical({ env, recipe: recipe.name }))?.version ?? null;
      const d = decide(latestRelease(tags, { includePrereleases: recipe.includePrereleases }), before);
      decision = describeDecision(d);
      if ('version' in d) {
        version = d.version;
        status.version = version;
        upsertSearchAttributes([{ key: SA.version, value: version }]);
      }
      if (d.action === 'skip') return { kind: 'skipped', reason: d.reason };
      const tested = d.version;

      const cold = await coldRun(tested, tags);
      if ('red' in cold) return { kind: 'red', reason: cold.red + (teardownError ? `; teardown failed: ${teardownError}` : '') };
      // Leftovers would block the next run and void its evidence: a failed teardown is red.
      if (teardownError) return { kind: 'red', reason: `teardown failed: ${teardownError}` };

      const gate = promoteGate({ enrolled: recipe.enrolled, green: true, testedRef: tested, quick: false, refOverride: false });
      if (!gate.allowed) return { kind: 'red', reason: `green but not promotable: ${gate.reasons.join('; ')}` };
      await setPhase('promote', `warm canonical at ${tested}`);
      try {
        const { domain } = await promoteActs.promoteDeploy.executeWithOptions({ summary: `promote ${recipe.name} ${tested}: deploy + gate` }, [{ ...base, version: tested }]);
        await promoteActs.promoteIdle.executeWithOptions({ summary: `promote ${recipe.name}: back to idle, volumes kept` }, [{ ...base, domain }]);
        await promoteActs.recordCanonical.executeWithOptions({ summary: `record canonical ${recipe.name} ${tested}` }, [{ ...base, version: tested, commit: cold.commit, domain }]);
      } catch (e) {
        if (isCancellation(e)) throw e;
        promoteError = causeMessage(e);
      }
      return { kind: 'green', testedVersion: tested };
    })
    .catch((e): RunOutcome => {
      if (isCancellation(e)) return { kind: 'red', reason: `aborted: ${abortReason ?? 'cancelled'}` };
      throw e;
    });

  // Labelling must happen even when the recipe was aborted.
  return CancellationScope.nonCancellable(async () => {
    await setPhase('labelling');
    const record = await quick.readCanonical({ env, recipe: recipe.name });
    const labelled = labelResult(outcome, record);
    const reason = promoteError && labelled.label === 'GREEN_BUT_PROMOTE_FAILED' ? `${labelled.reason}: ${promoteError}` : labelled.reason;
    upsertSearchAttributes([{ key: SA.label, value: labelled.label }]);
    const result: RecipeResult = {
      recipe: recipe.name,
      label: labelled.label,
      reason,
      version,
      canonical: { before, after: record?.version ?? null },
      decision,
      tiers,
      workflowId,
      startedAt,
      endedAt: new Date().toISOString(),
    };
    await quick.writeRecipeResult({ runDir, result });
    Object.assign(status, { label: result.label, reason: result.reason, endedAt: result.endedAt });
    await setPhase('done', `${result.label}: ${result.reason}`);
    return result;
  });

  /** Runs the tiers in order, stopping at the first red one; the cold app is torn down in every case. */
  async function coldRun(tested: string, tags: string[]): Promise<{ red: string } | { commit: string }> {
    try {
      const plan = await tierActs.prepareColdRun.executeWithOptions({ summary: `prepare cold run ${recipe.name} ${tested}` }, [
        { ...base, version: tested, tags },
      ]);
      for (const tier of TIERS) {
        await setPhase(`tier:${tier}`);
        const r = await tierActs.runTier.executeWithOptions({ summary: `${tier} ${recipe.name} ${tested}` }, [
          { ...base, ...plan, tier, version: tested, runDir },
        ]);
        tiers.push(r);
        if (r.status === 'fail') return { red: `${tier}: ${r.reason ?? 'failed'}` };
      }
      return { commit: plan.commit };
    } finally {
      teardownError = await CancellationScope.nonCancellable(async () => {
        await setPhase('teardown');
        try {
          await cleanup.teardownColdApp.executeWithOptions({ summary: `teardown cold ${recipe.name}` }, [base]);
          return null;
        } catch (e) {
          return causeMessage(e);
        }
      });
    }
  }
}


import {
  ApplicationFailure,
  CancellationScope,
  getExternalWorkflowHandle,
  isCancellation,
  log,
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
import { runDirOf } from '../domain/run-layout';
import { shortReason } from '../domain/short-reason';
import { effectiveTimeouts } from '../domain/timeouts';
import { describeIgnoredTags, ignoredTags, latestRelease } from '../domain/version';
import type { Activities } from './activity-types';
import { sideEffectCancellation } from './cancellation';
import { causeMessage } from './errors';
import { releaseLock, startLock, takeLock, type Lock } from './lock';
import { recipeLockId } from '../contract/ids';
import { SA } from '../contract/search-attributes';
import { abortSignal, progressSignal, recipeStatusQuery } from '../contract/messages';
import { TIERS, type TierName, type RecipeInput, type RecipePhase, type RecipeResult, type RecipeStatus, type TierResult } from '../contract/types';

/** Patch id: progress signals only for long phases, not awaited (see README "Changing workflows"). */
export const QUIET_PROGRESS = 'quiet-progress-signals';
/** Patch id: an advance snapshots the canonical's volumes first and restores them when it fails or is aborted. */
export const RESTORE_FAILED_ADVANCE = 'restore-failed-advance';
/** Patch id: a failed advance that could not be put back writes an alert (a person must restore the canonical). */
export const ALERT_UNRESTORED_CANONICAL = 'alert-unrestored-canonical';
/** Patch id: the recipe lock (one writer per recipe), taken before anything else. */
export const RECIPE_LOCK = 'recipe-lock';
/** A recipe waits this long at most for another run of it (a sweep's, or one started by hand). */
const RECIPE_LOCK_WAIT_MS = 6 * 3600_000;

/**
 * One recipe of a sweep, as the runbook says: mirror-sync, decide from the
 * latest release tag, cold-run every tier on that tag, tear the cold app
 * down whatever happens, promote when the gate allows, label from the
 * registry.
 */
export async function recipeWorkflow(input: RecipeInput): Promise<RecipeResult> {
  const { env, recipe } = input;
  const t = effectiveTimeouts(env.timeouts, recipe.timeouts);
  const { workflowId } = workflowInfo();
  const startedAt = new Date().toISOString();
  const runDir = runDirOf(env.stateDir, input.sweepId, recipe.name);
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

  // Copies of a canonical's volumes (its data) take time in proportion to its size: like a backup.
  const canonicalActs = proxyActivities<Activities>({
    startToCloseTimeout: `${gateSeconds + 2 * t.teardownSeconds + 2 * t.backupSeconds + t.mirrorSyncSeconds + 60}s`,
    heartbeatTimeout: '20s',
    retry: { maximumAttempts: 3, initialInterval: '5s' },
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
      if (phase.startsWith('tier:') || phase === 'teardown' || phase === 'promote' || phase === 'waiting') void report();
    } else {
      await report(); // runs started before the patch: every phase, awaited
    }
  };

  const tiers: TierResult[] = [];
  let version: string | null = null;
  let before: string | null = null;
  let beforeDomain: string | null = null;
  /** What became of the canonical after a failed advance (restored, or why not), for the result's reason. */
  let restoreNote: string | null = null;
  let decision = 'not decided';
  let promoteError: string | null = null;
  let teardownError: string | null = null;

  let lock: Lock | null = null;
  const outcome: RunOutcome = await work
    .run(async (): Promise<RunOutcome> => {
      if (patched(RECIPE_LOCK)) {
        try {
          lock = await takeRecipeLock();
        } catch (e) {
          if (isCancellation(e)) throw e;
          return { kind: 'red', reason: causeMessage(e) };
        }
      }
      await setPhase('mirror-sync');
      let tags: string[];
      try {
        ({ tags } = await quick.syncRecipe.executeWithOptions({ summary: `mirror-sync ${recipe.name}` }, [base]));
      } catch (e) {
        if (isCancellation(e)) throw e;
        return { kind: 'red', reason: `mirror-sync failed: ${causeMessage(e)}` };
      }

      await setPhase('deciding');
      const canonical = await quick.readCanonical({ env, recipe: recipe.name });
      before = canonical?.version ?? null;
      beforeDomain = canonical?.domain ?? null;
      const releases = { includePrereleases: recipe.includePrereleases };
      const d = decide(latestRelease(tags, releases), before);
      const ignored = describeIgnoredTags(ignoredTags(tags, releases));
      decision = describeDecision(d) + (ignored ? `; ${ignored}` : '');
      if ('version' in d) {
        version = d.version;
        status.version = version;
        upsertSearchAttributes([{ key: SA.version, value: version }]);
      }
      if (d.action === 'skip') return { kind: 'skipped', reason: d.reason === 'never-released' && ignored ? `never-released; ${ignored}` : d.reason };
      const tested = d.version;

      const cold = await coldRun(tested, tags);
      if ('red' in cold) return { kind: 'red', reason: cold.red + (teardownError ? `; teardown failed: ${teardownError}` : '') };
      // Leftovers would block the next run and void its evidence: a failed teardown is red.
      if (teardownError) return { kind: 'red', reason: `teardown failed: ${teardownError}` };

      const gate = promoteGate({ enrolled: recipe.enrolled, green: true, testedRef: tested, quick: false, refOverride: false });
      if (!gate.allowed) return { kind: 'red', reason: `green but not promotable: ${gate.reasons.join('; ')}` };
      await setPhase('promote', `warm canonical at ${tested}`);
      // An advance deploys a new release onto the canonical's data: snapshot it first, put it back if the advance fails.
      const advance = before && beforeDomain && patched(RESTORE_FAILED_ADVANCE) ? { from: before, domain: beforeDomain } : null;
      let snapshotted = false;
      let recorded = false;
      try {
        if (advance) {
          await canonicalActs.snapshotCanonical.executeWithOptions({ summary: `snapshot canonical ${recipe.name} ${advance.from}` }, [
            { ...base, domain: advance.domain },
          ]);
          snapshotted = true;
        }
        const { domain } = await promoteActs.promoteDeploy.executeWithOptions({ summary: `promote ${recipe.name} ${tested}: deploy + gate` }, [
          { ...base, version: tested, ...(input.node ? { node: input.node } : {}) },
        ]);
        await promoteActs.promoteIdle.executeWithOptions({ summary: `promote ${recipe.name}: back to idle, volumes kept` }, [{ ...base, domain }]);
        await promoteActs.recordCanonical.executeWithOptions({ summary: `record canonical ${recipe.name} ${tested}` }, [
          { ...base, version: tested, commit: cold.commit, domain, ...(input.node ? { node: input.node } : {}) },
        ]);
        recorded = true;
        // A snapshot left behind is replaced by the next advance's own: dropping it is best effort.
        if (snapshotted)
          await canonicalActs.dropCanonicalSnapshot.executeWithOptions({ summary: `drop snapshot ${recipe.name}` }, [base]).catch(() => undefined);
      } catch (e) {
        if (advance && snapshotted && !recorded) restoreNote = await restoreCanonical(advance.from, advance.domain);
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
    const why = promoteError && labelled.label === 'GREEN_BUT_PROMOTE_FAILED' ? `${labelled.reason}: ${promoteError}` : labelled.reason;
    const reason = restoreNote ? `${why}; ${restoreNote}` : why;
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
    log.info('recipe labelled', { recipe: recipe.name, label: result.label, version, reason: result.reason.split('\n')[0] });
    if (lock) await releaseLock(lock);
    Object.assign(status, { label: result.label, reason: result.reason, endedAt: result.endedAt });
    await setPhase('done', `${result.label}: ${result.reason}`);
    return result;
  });

  /**
   * One writer per recipe: its cold app, mirror, abra checkout and canonical
   * are touched by one workflow at a time. A run that finds another (a sweep's
   * and one started by hand) waits for it, at most RECIPE_LOCK_WAIT_MS.
   */
  function takeRecipeLock(): Promise<Lock> {
    const lockId = recipeLockId(recipe.name);
    return takeLock({
      lockId,
      start: () => startLock(lockId, `${recipe.name} held by ${workflowId}`),
      whenHeld: 'wait',
      maxWaitMs: RECIPE_LOCK_WAIT_MS,
      onWait: (held) => void setPhase('waiting', `for ${held.holder ?? 'an unknown holder'}, which holds ${recipe.name}${held.note ? ` (${held.note})` : ''}`),
      refusal: (held, waitedMs) =>
        ApplicationFailure.nonRetryable(
          `${recipe.name} is held by ${held.holder ?? 'an unknown holder'}${held.note ? ` (${held.note})` : ''}; waited ${Math.round(waitedMs / 60_000)} minutes, did not run`,
          'RecipeLocked',
          held.holder,
        ),
    });
  }

  /**
   * After a failed or aborted advance: the canonical's volumes back from the
   * snapshot, the recorded version deployed and gated on them, then idle.
   * Not cancellable (an abort must not leave it half restored). When the
   * restore fails, the snapshot stays for a person, the reason says so, and
   * an alert asks for one.
   */
  function restoreCanonical(restoredTo: string, domain: string): Promise<string> {
    return CancellationScope.nonCancellable(async () => {
      await setPhase('promote', `restoring the canonical at ${restoredTo}`);
      try {
        const done = await canonicalActs.restoreCanonical.executeWithOptions({ summary: `restore canonical ${recipe.name} ${restoredTo}` }, [
          { ...base, domain, version: restoredTo },
        ]);
        await canonicalActs.dropCanonicalSnapshot.executeWithOptions({ summary: `drop snapshot ${recipe.name}` }, [base]).catch(() => undefined);
        return `canonical restored: ${done}`;
      } catch (e) {
        const state = `canonical NOT restored (${causeMessage(e)}): its snapshot is kept under the state dir's snapshots/${recipe.name}; restore it by hand before the next sweep`;
        if (patched(ALERT_UNRESTORED_CANONICAL)) {
          const ts = new Date().toISOString();
          await quick.writeAlert({
            env,
            key: `${ts.replace(/[-:.]/g, '')}-${recipe.name}-canonical-not-restored`,
            alert: { app: recipe.name, reason: 'canonical-not-restored', ts, version: version ?? restoredTo, lastGood: restoredTo, state: shortReason(state) },
          });
        }
        return state;
      }
    });
  }

  /** Runs the tiers in order, stopping at the first red one; the cold app is torn down in every case. */
  async function coldRun(tested: string, tags: string[]): Promise<{ red: string } | { commit: string }> {
    try {
      const plan = await tierActs.prepareColdRun.executeWithOptions({ summary: `prepare cold run ${recipe.name} ${tested}` }, [
        { ...base, version: tested, tags },
      ]);
      const runTier = (tier: TierName, fresh: boolean) =>
        tierActs.runTier.executeWithOptions({ summary: `${tier} ${recipe.name} ${tested}${fresh ? ' (re-run on a fresh cold app)' : ''}` }, [
          { ...base, ...plan, tier, version: tested, runDir, ...(fresh ? { fresh } : {}) },
        ]);
      const reruns = recipe.flakeRetries ?? 0;
      for (const tier of TIERS) {
        await setPhase(`tier:${tier}`);
        let r = await runTier(tier, false);
        // A red tier re-run up to flakeRetries times; a later pass is green, reported flaky with the first failure.
        for (let rerun = 1; r.status === 'fail' && rerun <= reruns; rerun++) {
          await setPhase(`tier:${tier}`, `re-run ${rerun} of ${reruns} after: ${shortReason(r.reason ?? 'failed')}`);
          const again = await runTier(tier, true);
          r =
            again.status === 'pass'
              ? { ...again, flaky: rerun, reason: `flaky: passed on re-run ${rerun} after: ${shortReason(r.reason ?? 'failed')}` }
              : again;
        }
        tiers.push(r);
        if (r.flaky)
          upsertSearchAttributes([
            {
              key: SA.flaky,
              value: tiers
                .filter((x) => x.flaky)
                .map((x) => x.tier)
                .join(','),
            },
          ]);
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

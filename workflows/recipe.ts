import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  TimeoutFailure,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { decideFromTags } from '../domain/decision';
import { labelResult, type RunOutcome } from '../domain/label';
import { promoteGate } from '../domain/promote-gate';
import { runDirOf } from '../domain/run-layout';
import { shortReason } from '../domain/short-reason';
import { effectiveTimeouts, heartbeatTimeout } from '../domain/timeouts';
import { describeIgnoredTags, ignoredTags, latestRelease } from '../domain/version';
import type { Activities } from './activity-types';
import { sideEffectCancellation } from './cancellation';
import { causeMessage } from './errors';
import { releaseLock, startLock, takeLock, type Lock } from './lock';
import { recipeLockId } from '../contract/ids';
import { SA } from '../contract/search-attributes';
import { abortSignal, progressSignal, recipeStatusQuery } from '../contract/messages';
import {
  TIERS,
  type OnDemand,
  type TierName,
  type RecipeInput,
  type RecipePhase,
  type RecipeResult,
  type RecipeStatus,
  type TierResult,
} from '../contract/types';
import type { CanonicalRecord } from '../domain/registry-record';
// Cold-run dependencies (recipes[].needs), in coldRun.
import { sleep } from '@temporalio/workflow';
import { lockRetryDelayMs } from '../domain/lock';
import type { RecipeSpec } from '../contract/types';

/** Patch id: progress signals only for long phases, not awaited (see README "Changing workflows"). */
export const QUIET_PROGRESS = 'quiet-progress-signals';
/** Patch id: an advance snapshots the canonical's volumes first and restores them when it fails or is aborted. */
export const RESTORE_FAILED_ADVANCE = 'restore-failed-advance';
/** Patch id: a failed advance that could not be put back writes an alert (a person must restore the canonical). */
export const ALERT_UNRESTORED_CANONICAL = 'alert-unrestored-canonical';
/** Patch id: the recipe lock (one writer per recipe), taken before anything else. */
export const RECIPE_LOCK = 'recipe-lock';
/**
 * Patch id: a read-only look (mirror against upstream, canonical record) as a
 * local activity before anything else; a recipe with nothing new is labelled
 * SKIPPED without the lock or a fetch, and the label's reads and writes are
 * local activities too.
 */
export const QUICK_LOOK = 'quick-look-first';
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
  const beat = heartbeatTimeout(t);
  const { workflowId } = workflowInfo();
  const startedAt = new Date().toISOString();
  const runDir = runDirOf(env.stateDir, input.sweepId, recipe.name);
  const base = { env, recipe };

  const quick = proxyActivities<Activities>({
    startToCloseTimeout: `${t.mirrorSyncSeconds * 2 + 30}s`,
    heartbeatTimeout: beat,
    retry: { maximumAttempts: 3, initialInterval: '2s' },
  });
  // Short reads and writes run in the worker's own workflow task: no round trip through the server each.
  const local = proxyLocalActivities<Activities>({ startToCloseTimeout: `${t.mirrorSyncSeconds + 30}s`, retry: { maximumAttempts: 3, initialInterval: '2s' } });
  const lookFirst = patched(QUICK_LOOK);
  const labelActs = lookFirst ? local : quick;
  const cancellationType = sideEffectCancellation();
  const gateSeconds = recipe.health.deadlineSeconds + t.deploySeconds + t.convergeSeconds;
  const tierActs = proxyActivities<Activities>({
    // Two full deploys (upgrade tier), teardowns, backups and the test command, with margin; each step has its own tighter timeout.
    startToCloseTimeout: `${2 * gateSeconds + 2 * t.teardownSeconds + 2 * t.backupSeconds + (recipe.test?.timeoutSeconds ?? 0) + 60}s`,
    heartbeatTimeout: beat,
    retry: { maximumAttempts: 2, initialInterval: '5s' },
    cancellationType,
  });
  /** A tier with a timeout of its own (tiers.<tier>.timeoutSeconds): one attempt within it, cancelled when it runs over. */
  const tierActsWithin = (seconds: number) =>
    proxyActivities<Activities>({ startToCloseTimeout: `${seconds}s`, heartbeatTimeout: beat, retry: { maximumAttempts: 1 }, cancellationType });
  const cleanup = proxyActivities<Activities>({
    startToCloseTimeout: `${3 * t.teardownSeconds + 60}s`,
    heartbeatTimeout: beat,
    retry: { maximumAttempts: 5, initialInterval: '5s', backoffCoefficient: 2 },
  });
  const promoteActs = proxyActivities<Activities>({
    startToCloseTimeout: `${gateSeconds + 2 * t.teardownSeconds + 60}s`,
    heartbeatTimeout: beat,
    retry: { maximumAttempts: 3, initialInterval: '5s' },
    cancellationType,
  });

  // Copies of a canonical's volumes (its data) take time in proportion to its size: like a backup.
  const canonicalActs = proxyActivities<Activities>({
    startToCloseTimeout: `${gateSeconds + 2 * t.teardownSeconds + 2 * t.backupSeconds + t.mirrorSyncSeconds + 60}s`,
    heartbeatTimeout: beat,
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
  /** On-demand runs: the ref asked for, and what it resolved to. */
  let ref: RecipeResult['ref'];
  let promoteError: string | null = null;
  let teardownError: string | null = null;
  /** The cold app's volumes at teardown (null: not measured, e.g. a run recorded before it was). */
  let coldBytes: number | null = null;
  /** The canonical's volumes after its promote. */
  let canonicalBytes: number | undefined;

  let lock: Lock | null = null;
  const outcome: RunOutcome = await work
    .run(async (): Promise<RunOutcome> => {
      if (lookFirst && !input.onDemand && !input.looked) {
        // Most recipes, most weeks: nothing new upstream and the canonical at the latest release already.
        await setPhase('deciding');
        // The look only ever saves work: when it fails, the whole run below finds out why and says so.
        const look = await local.lookAtRecipe(base).catch((e: unknown) => {
          if (isCancellation(e)) throw e;
          return null;
        });
        if (look?.tags) {
          const d = decideRelease(look.tags, look.canonical);
          if (d.action === 'skip') return d.outcome;
        }
      }
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
      if (input.onDemand) return await onDemandRun(input.onDemand, tags, canonical);
      const d = decideRelease(tags, canonical);
      if (d.action === 'skip') return d.outcome;
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
          { ...base, version: tested, ...(input.node ? { node: input.node } : {}), ...(coldBytes !== null ? { coldBytes } : {}) },
        ]);
        const idle = await promoteActs.promoteIdle.executeWithOptions({ summary: `promote ${recipe.name}: back to idle, volumes kept` }, [{ ...base, domain }]);
        canonicalBytes = idle?.bytes;
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
        // Refused before anything was deployed: not a failed promote, a seed that does not fit (SKIPPED disk-budget).
        if (e instanceof ActivityFailure && e.cause instanceof ApplicationFailure && e.cause.type === 'DiskBudget')
          return { kind: 'skipped', reason: e.cause.message };
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
    const record = await labelActs.readCanonical({ env, recipe: recipe.name });
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
      ...(ref ? { ref } : {}),
      ...(canonicalBytes !== undefined ? { canonicalBytes } : {}),
      workflowId,
      startedAt,
      endedAt: new Date().toISOString(),
    };
    await labelActs.writeRecipeResult({ runDir, result });
    log.info('recipe labelled', { recipe: recipe.name, label: result.label, version, reason: result.reason.split('\n')[0] });
    if (lock) await releaseLock(lock);
    Object.assign(status, { label: result.label, reason: result.reason, endedAt: result.endedAt });
    await setPhase('done', `${result.label}: ${result.reason}`);
    return result;
  });

  /** The sweep's decision from the tags and the canonical record: skip (with its outcome), or the release to test. */
  function decideRelease(tags: string[], canonical: CanonicalRecord | null): { action: 'skip'; outcome: RunOutcome } | { action: 'test'; version: string } {
    before = canonical?.version ?? null;
    beforeDomain = canonical?.domain ?? null;
    const d = decideFromTags(tags, before, { includePrereleases: recipe.includePrereleases });
    decision = d.text;
    if (d.version !== null) {
      version = d.version;
      status.version = version;
      upsertSearchAttributes([{ key: SA.version, value: version }]);
    }
    if (d.action === 'skip') return { action: 'skip', outcome: { kind: 'skipped', reason: d.reason } };
    return { action: 'test', version: d.version };
  }

  /**
   * An on-demand run (`coopci run`): the operator's ref (a branch, tag or
   * commit; the latest release tag when none was named) cold-run like a
   * sweep's, or with `quick` on a copy of the canonical's data, under the
   * same recipe lock. Green is TESTED: the promote gate refuses every
   * on-demand run, so no canonical is ever written or changed.
   */
  async function onDemandRun(od: OnDemand, tags: string[], canonical: CanonicalRecord | null): Promise<RunOutcome> {
    const releases = { includePrereleases: recipe.includePrereleases };
    const name = od.ref ?? latestRelease(tags, releases);
    if (!name) {
      const ignored = describeIgnoredTags(ignoredTags(tags, releases));
      return { kind: 'red', reason: `no release to test: name a branch, tag or commit with --ref${ignored ? ` (${ignored})` : ''}` };
    }
    let resolved: { commit: string; kind: string; release: string | null };
    try {
      resolved = await quick.resolveRef.executeWithOptions({ summary: `resolve ${recipe.name} ${name}` }, [{ ...base, ref: name }]);
    } catch (e) {
      if (isCancellation(e)) throw e;
      return { kind: 'red', reason: `ref ${name}: ${causeMessage(e)}` };
    }
    ref = { name, commit: resolved.commit, quick: od.quick === true };
    version = resolved.release ?? name;
    status.version = version;
    upsertSearchAttributes([{ key: SA.version, value: version }]);
    const at = `${resolved.kind} ${name} at ${resolved.commit.slice(0, 8)}`;
    decision = `on-demand run of ${at}${od.quick ? `, quick: on a copy of the canonical's data (${canonical?.version ?? 'no canonical'})` : ''}; never promoted`;
    if (od.quick && !canonical)
      return { kind: 'red', reason: `--quick upgrades a copy of the canonical's data, and ${recipe.name} has no canonical: run without --quick` };
    // A release tag deploys as a release; any other ref deploys the commit as it is (abra's --chaos).
    const cold = await coldRun(resolved.release ?? resolved.commit, tags, od);
    if ('red' in cold) return { kind: 'red', reason: cold.red + (teardownError ? `; teardown failed: ${teardownError}` : '') };
    if (teardownError) return { kind: 'red', reason: `teardown failed: ${teardownError}` };
    const gate = promoteGate({
      enrolled: recipe.enrolled,
      green: true,
      testedRef: resolved.release ?? name,
      quick: od.quick === true,
      refOverride: od.ref !== undefined,
      onDemand: true,
    });
    return { kind: 'tested', reason: `green on ${at}; not promoted: ${gate.allowed ? 'on-demand run' : gate.reasons.join('; ')}` };
  }

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

  /**
   * Runs the tiers in order, stopping at the first red one; the cold app is
   * torn down in every case. With recipes[].needs, the dependencies are
   * deployed first (under their recipe locks) and torn down after the cold
   * app, whatever happens. Without needs (every run recorded before needs
   * existed) not one command is added, so old histories replay: no patch.
   */
  async function coldRun(tested: string, tags: string[], onDemand?: OnDemand): Promise<{ red: string } | { commit: string }> {
    const hasNeeds = (recipe.needs?.length ?? 0) > 0;
    /** Dependency locks held, dependencies asked to deploy (each torn down, even a failed one), and the env the cold app gets. */
    const depLocks: Lock[] = [];
    const deployedDeps: RecipeSpec[] = [];
    let needsEnv: Record<string, string> | null = null;
    try {
      if (hasNeeds) {
        const red = await deployDependencies();
        if (red) return { red };
      }
      const plan = {
        ...(await tierActs.prepareColdRun.executeWithOptions({ summary: `prepare cold run ${recipe.name} ${tested}` }, [
          { ...base, version: tested, tags, ...(onDemand ? { onDemand } : {}) },
        ])),
        // The dependencies' domains, for the cold app's env file (runTier's install and upgrade).
        ...(needsEnv ? { needsEnv } : {}),
      };
      const runTier = async (tier: TierName, fresh: boolean): Promise<TierResult> => {
        const limit = recipe.tiers?.[tier]?.timeoutSeconds;
        const acts = limit ? tierActsWithin(limit) : tierActs;
        try {
          return await acts.runTier.executeWithOptions({ summary: `${tier} ${recipe.name} ${tested}${fresh ? ' (re-run on a fresh cold app)' : ''}` }, [
            { ...base, ...plan, tier, version: tested, runDir, ...(fresh ? { fresh } : {}) },
          ]);
        } catch (e) {
          // The tier's own limit (tiers.<tier>.timeoutSeconds) is a red tier, not a broken run; the cold app is torn down as always.
          if (limit && isTimeout(e))
            return { tier, status: 'fail', reason: `timed out after ${limit}s (tiers.${tier}.timeoutSeconds)`, durationMs: limit * 1000 };
          throw e;
        }
      };
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
          // What its volumes held: about what a seed of it would hold (the disk budget's estimate).
          coldBytes = (await cleanup.teardownColdApp.executeWithOptions({ summary: `teardown cold ${recipe.name}` }, [base]))?.bytes ?? null;
          return null;
        } catch (e) {
          return causeMessage(e);
        }
      });
      if (hasNeeds) {
        // After the cold app (it may use them to the end); leftovers are red like the cold app's.
        const depErrors = await teardownDependencies();
        if (depErrors) teardownError = teardownError ? `${teardownError}; ${depErrors}` : depErrors;
      }
    }

    /**
     * The recipes this one needs, in deploy order (a dependency's own first),
     * each deployed at its own dependency domain by one activity, under that
     * recipe's lock. Their specs, domains and the env values come from the
     * worker's config through planDependencies: the sweep's input carries
     * only this recipe, and an activity resolves every recipe from the
     * worker's config anyway (activities/trusted.ts); the plan is an activity
     * result, so it is in the history and replays as it ran. Returns a red
     * reason naming the dependency, or null.
     */
    async function deployDependencies(): Promise<string | null> {
      let planned: Awaited<ReturnType<Activities['planDependencies']>>;
      try {
        planned = await quick.planDependencies.executeWithOptions({ summary: `plan dependencies of ${recipe.name}` }, [base]);
      } catch (e) {
        if (isCancellation(e)) throw e;
        return `dependencies: ${causeMessage(e)}`;
      }
      const waited = await takeDependencyLocks(planned.deps.map((d) => d.recipe.name));
      if (waited) return waited;
      for (const dep of planned.deps) {
        await setPhase('tier:install', `dependency ${dep.recipe.name} at ${dep.domain}`);
        deployedDeps.push(dep.recipe);
        try {
          const done = await dependencyActs(dep.recipe, 'deploy').deployDependency.executeWithOptions(
            { summary: `dependency ${dep.recipe.name} for ${recipe.name}` },
            [{ env, recipe: dep.recipe, dependent: recipe.name }],
          );
          log.info('dependency deployed', {
            recipe: recipe.name,
            dependency: dep.recipe.name,
            version: done.version,
            source: done.source,
            domain: done.domain,
          });
        } catch (e) {
          if (isCancellation(e)) throw e;
          return `dependency ${dep.recipe.name} failed: ${causeMessage(e)}`;
        }
      }
      needsEnv = planned.env;
      return null;
    }

    /**
     * Every dependency's recipe lock, or none: a run holding some while it
     * waits for another could deadlock with a run holding that one (its own)
     * and waiting for one of ours. Held ones are released before each wait;
     * a run then holds only its own lock while it waits, and a chain of waits
     * follows `needs`, which has no cycle. Returns a red reason after
     * RECIPE_LOCK_WAIT_MS, or null with every lock held.
     */
    async function takeDependencyLocks(names: string[]): Promise<string | null> {
      const begun = Date.now();
      for (let attempt = 0; ; attempt++) {
        let held: { name: string; by: string } | null = null;
        for (const name of names) {
          const lockId = recipeLockId(name);
          try {
            depLocks.push(
              await takeLock({
                lockId,
                start: () => startLock(lockId, `${name} held by ${workflowId} (a dependency of ${recipe.name})`),
                whenHeld: 'refuse',
                refusal: (h) => {
                  held = { name, by: `${h.holder ?? 'an unknown holder'}${h.note ? ` (${h.note})` : ''}` };
                  return ApplicationFailure.nonRetryable(`${name} is held by ${held.by}`, 'RecipeLocked', h.holder);
                },
              }),
            );
          } catch (e) {
            if (!held) throw e;
            break;
          }
        }
        const blocked = held as { name: string; by: string } | null;
        if (!blocked) return null;
        while (depLocks.length > 0) {
          await releaseLock(depLocks[depLocks.length - 1]!);
          depLocks.pop();
        }
        const waitedMs = Date.now() - begun;
        if (waitedMs >= RECIPE_LOCK_WAIT_MS)
          return `dependency ${blocked.name} is held by ${blocked.by}; waited ${Math.round(waitedMs / 60_000)} minutes, did not run`;
        void setPhase('waiting', `for ${blocked.by}, which holds ${blocked.name} (a dependency of ${recipe.name})`);
        await sleep(lockRetryDelayMs(attempt));
      }
    }

    /** Tears down every dependency asked to deploy, last first, then releases their locks; not cancellable. Returns what failed, or null. */
    function teardownDependencies(): Promise<string | null> {
      return CancellationScope.nonCancellable(async () => {
        const errors: string[] = [];
        for (const dep of [...deployedDeps].reverse()) {
          try {
            await dependencyActs(dep, 'teardown').teardownDependency.executeWithOptions({ summary: `teardown dependency ${dep.name} for ${recipe.name}` }, [
              { env, recipe: dep, dependent: recipe.name },
            ]);
          } catch (e) {
            errors.push(`dependency ${dep.name}: ${causeMessage(e)}`);
          }
        }
        // Released only once their apps are gone (a released lock lets the dependency's own run move its checkout).
        for (const lock of depLocks.splice(0).reverse()) await releaseLock(lock).catch(() => undefined);
        return errors.length > 0 ? errors.join('; ') : null;
      });
    }

    /** A dependency's steps, sized by its own effective timeouts and gate (as the cold run's are by the recipe's). */
    function dependencyActs(dep: RecipeSpec, step: 'deploy' | 'teardown') {
      const dt = effectiveTimeouts(env.timeouts, dep.timeouts);
      if (step === 'teardown')
        return proxyActivities<Activities>({
          startToCloseTimeout: `${3 * dt.teardownSeconds + 60}s`,
          heartbeatTimeout: heartbeatTimeout(dt),
          retry: { maximumAttempts: 5, initialInterval: '5s', backoffCoefficient: 2 },
        });
      return proxyActivities<Activities>({
        // Mirror sync and checkout, clearing a crashed attempt's leftovers, app new, deploy, convergence and the gate, with margin.
        startToCloseTimeout: `${4 * dt.mirrorSyncSeconds + 3 * dt.teardownSeconds + 2 * dt.deploySeconds + dt.convergeSeconds + dep.health.deadlineSeconds + 60}s`,
        heartbeatTimeout: heartbeatTimeout(dt),
        retry: { maximumAttempts: 2, initialInterval: '5s' },
        cancellationType,
      });
    }
  }
}

/** An activity that ran over its start-to-close timeout. */
function isTimeout(e: unknown): boolean {
  return e instanceof ActivityFailure && e.cause instanceof TimeoutFailure;
}

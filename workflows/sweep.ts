import {
  ApplicationFailure,
  ChildWorkflowHandle,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from './activity-types';
import { causeMessage } from './errors';
import { recipeWorkflow } from './recipe';
import { SA } from './search-attributes';
import {
  abortSignal,
  progressSignal,
  releaseSignal,
  retrySignal,
  skipSignal,
  SWEEP_LOCK_ID,
  sweepStatusQuery,
} from './signals';
import type { ConfigSnapshot, RecipeResult, RecipeSpec, RecipeStatus, SweepInput, SweepNode, SweepResult, SweepStatus } from './types';

/** Patch id: the lock outlives a continue-as-new (ABANDON, stale locks healed), and long sweeps continue as new. */
export const SWEEP_CONTINUE_AS_NEW = 'sweep-continue-as-new';
/** Well below Temporal's 10,240-event warning, leaving room for the retry pass and signals. */
const DEFAULT_CONTINUE_AS_NEW_AFTER = 4_000;

const acts = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 5, initialInterval: '2s' },
});

/**
 * The weekly sweep: one at a time (a lock child with a fixed id), the config
 * snapshot loaded once, each enrolled recipe as a child workflow, in lanes
 * (one by default: a node runs one cold deploy at a time), then the retries
 * operators asked for, then a report. A long sweep continues as new between
 * recipes, carrying its state, so its history stays short at any size.
 */
export async function sweepWorkflow(input: SweepInput = {}): Promise<SweepResult> {
  const sweepId = workflowInfo().workflowId;
  const carried = input.carried;
  const status: SweepStatus = { sweepId, state: 'starting', recipes: carried?.recipes ?? [] };
  const byName = new Map<string, RecipeStatus>(status.recipes.map((r) => [r.recipe, r]));
  const results = new Map<string, RecipeResult>((carried?.results ?? []).map((r) => [r.recipe, r]));
  const running = new Map<string, ChildWorkflowHandle<typeof recipeWorkflow>>();
  const skipRequested = new Set<string>(carried?.skipRequested);
  const retryQueue: string[] = [...(carried?.retryQueue ?? [])];
  if (carried?.abortReason) Object.assign(status, { state: 'aborting', abortReason: carried.abortReason });

  setHandler(sweepStatusQuery, () => status);
  setHandler(progressSignal, (p) => {
    const s = byName.get(p.recipe);
    if (s && !s.label) Object.assign(s, { phase: p.phase, ...(p.version !== undefined ? { version: p.version } : {}) });
    showProgress();
  });
  setHandler(abortSignal, (reason) => {
    if (status.state === 'done') return;
    status.state = 'aborting';
    status.abortReason = reason || 'aborted by operator';
    for (const [, child] of running) void signalChild(child.workflowId, status.abortReason);
  });
  setHandler(skipSignal, (recipe) => {
    skipRequested.add(recipe);
    const child = running.get(recipe);
    if (child) void signalChild(child.workflowId, 'skipped by operator');
  });
  setHandler(retrySignal, (recipe) => {
    if (!retryQueue.includes(recipe)) retryQueue.push(recipe);
  });

  let snapshot: ConfigSnapshot;
  let lock: ChildWorkflowHandle<typeof sweepLockWorkflow> | null = null;
  let queue: RecipeSpec[];
  const canRotate = patched(SWEEP_CONTINUE_AS_NEW);
  if (carried) {
    snapshot = carried.snapshot;
    queue = carried.pending.map((name) => snapshot.recipes.find((r) => r.name === name)!);
    if (status.state !== 'aborting') status.state = 'running';
  } else {
    upsertSearchAttributes([
      { key: SA.kind, value: 'sweep' },
      { key: SA.sweepId, value: sweepId },
    ]);
    lock = await acquireLock(canRotate);
    snapshot = await acts.loadConfigSnapshot.executeWithOptions({ summary: 'load config snapshot' }, [{ recipes: input.recipes }]);
    upsertMemo({ configDigest: snapshot.digest, recipes: snapshot.recipes.map((r) => r.name).join(', ') });
    for (const r of snapshot.recipes) {
      const s: RecipeStatus = { recipe: r.name, phase: 'pending', attempt: 0 };
      byName.set(r.name, s);
      status.recipes.push(s);
    }
    queue = [...snapshot.recipes];
    status.state = 'running';
  }
  status.configDigest = snapshot.digest;
  showProgress();

  // Lanes stop taking recipes once the history is long; the next run goes on from there.
  const historyLong = () => canRotate && (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= (input.continueAsNewAfterEvents ?? DEFAULT_CONTINUE_AS_NEW_AFTER));
  // One lane per node when the sweep is spread over nodes (each node runs one cold deploy at a time).
  const lanes: (SweepNode | undefined)[] = snapshot.nodes?.length ? snapshot.nodes : Array.from({ length: snapshot.lanes }, () => undefined);
  const lane = async (node: SweepNode | undefined) => {
    while (queue.length > 0 && !historyLong()) await runRecipe(queue.shift()!, node);
  };
  await Promise.all(lanes.slice(0, Math.max(1, Math.min(lanes.length, queue.length))).map(lane));
  if (queue.length > 0) {
    await condition(() => running.size === 0);
    return continueAsNew<typeof sweepWorkflow>({
      ...input,
      carried: {
        snapshot,
        recipes: status.recipes,
        results: [...results.values()],
        pending: queue.map((r) => r.name),
        skipRequested: [...skipRequested],
        retryQueue,
        ...(status.abortReason ? { abortReason: status.abortReason } : {}),
        runs: (carried?.runs ?? 0) + 1,
      },
    });
  }

  // Retries asked for during the pass (and while retrying) run once each, after it.
  if (!aborting()) status.state = 'retrying';
  for (let name = retryQueue.shift(); name && !aborting(); name = retryQueue.shift()) {
    const spec = snapshot.recipes.find((r) => r.name === name);
    const prior = results.get(name);
    if (spec && prior && (prior.label === 'FAILED' || prior.label === 'GREEN_BUT_PROMOTE_FAILED')) await runRecipe(spec, snapshot.nodes?.[0]);
  }

  status.state = 'done';
  const result: SweepResult = {
    sweepId,
    aborted: status.abortReason !== undefined,
    ...(status.abortReason ? { abortReason: status.abortReason } : {}),
    configDigest: snapshot.digest,
    results: snapshot.recipes.map((r) => results.get(r.name)!),
  };
  result.reportFile = await acts.writeSweepReport.executeWithOptions({ summary: 'write sweep report' }, [{ env: snapshot.env, result }]);
  showProgress();
  if (lock) {
    await lock.signal(releaseSignal);
    await lock.result();
  } else {
    // Started by an earlier run of this sweep: release it by id.
    await getExternalWorkflowHandle(SWEEP_LOCK_ID).signal(releaseSignal);
  }
  return result;

  async function runRecipe(r: RecipeSpec, node?: SweepNode): Promise<void> {
    const s = byName.get(r.name)!;
    s.attempt += 1;
    delete s.label;
    if (aborting() || skipRequested.has(r.name)) {
      finish(r.name, skipped(r.name, aborting() ? `aborted: ${status.abortReason}` : 'skipped by operator'));
      return;
    }
    const workflowId = `${sweepId}/${r.name}${s.attempt > 1 ? `/retry-${s.attempt - 1}` : ''}`;
    // The recipe reports only its long phases; until then it is syncing and deciding.
    Object.assign(s, { workflowId, phase: 'mirror-sync', startedAt: new Date().toISOString() });
    try {
      const child = await startChild(recipeWorkflow, {
        workflowId,
        // On a node: its worker runs the recipe and every step of it, against its abra server.
        ...(node ? { taskQueue: node.taskQueue } : {}),
        args: [{ sweepId, env: node ? { ...snapshot.env, server: node.server } : snapshot.env, recipe: r, reportTo: sweepId }],
        staticSummary: `${r.name} (sweep ${sweepId}${s.attempt > 1 ? `, retry ${s.attempt - 1}` : ''}${node ? `, on ${node.name}` : ''})`,
        typedSearchAttributes: [
          { key: SA.kind, value: 'recipe' },
          { key: SA.sweepId, value: sweepId },
          { key: SA.recipe, value: r.name },
        ],
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      });
      running.set(r.name, child);
      const res = await child.result();
      finish(r.name, skipRequested.has(r.name) ? { ...res, label: 'SKIPPED', reason: 'skipped by operator' } : res);
    } catch (e) {
      finish(r.name, { ...skipped(r.name, ''), label: 'FAILED', reason: `recipe workflow failed: ${causeMessage(e)}`, workflowId });
    } finally {
      running.delete(r.name);
    }
  }

  function aborting(): boolean {
    return status.state === 'aborting';
  }

  function finish(name: string, res: RecipeResult) {
    results.set(name, res);
    Object.assign(byName.get(name)!, { phase: 'done', label: res.label, reason: res.reason, version: res.version, endedAt: res.endedAt });
    showProgress();
  }

  function skipped(name: string, reason: string): RecipeResult {
    const now = new Date().toISOString();
    return { recipe: name, label: 'SKIPPED', reason, version: null, canonical: { before: null, after: null }, decision: 'not run', tiers: [], workflowId: '', startedAt: now, endedAt: now };
  }

  function showProgress() {
    const done = status.recipes.filter((s) => s.label).length;
    const active = status.recipes.filter((s) => !s.label && s.phase !== 'pending').map((s) => `${s.recipe}: ${s.phase}`);
    setCurrentDetails(`**${status.state}** ${done}/${status.recipes.length} recipes done${active.length ? ` — ${active.join(', ')}` : ''}`);
  }

  async function signalChild(workflowId: string, reason: string) {
    await getExternalWorkflowHandle(workflowId).signal(abortSignal, reason).catch(() => undefined);
  }

  /**
   * Only one sweep at a time: a second start fails here, naming the sweep
   * that holds the lock. The lock must outlive a continue-as-new, so it is
   * abandoned rather than terminated with its parent run; a lock whose sweep
   * is gone (terminated by hand) is stale and is cleared once.
   */
  async function acquireLock(outlivesRun: boolean) {
    const start = () =>
      startChild(sweepLockWorkflow, {
        workflowId: SWEEP_LOCK_ID,
        staticSummary: `held by ${sweepId}`,
        parentClosePolicy: outlivesRun ? ParentClosePolicy.ABANDON : ParentClosePolicy.TERMINATE,
      });
    try {
      return await start();
    } catch (e) {
      if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
      if (outlivesRun && (await acts.clearStaleSweepLock())) return await start();
      const holder = await acts.sweepLockHolder();
      throw ApplicationFailure.nonRetryable(`another sweep is running: ${holder ?? 'unknown'}; wait for it or abort it first`, 'SweepAlreadyRunning', holder);
    }
  }
}

/** Held open by the running sweep; the server terminates it if that sweep dies. */
export async function sweepLockWorkflow(): Promise<void> {
  let released = false;
  setHandler(releaseSignal, () => {
    released = true;
  });
  await condition(() => released);
}

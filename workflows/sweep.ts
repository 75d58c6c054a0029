import {
  ApplicationFailure,
  ChildWorkflowHandle,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  ParentClosePolicy,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { recipeWorkflowId, SCHEDULED_SWEEP_ID_PREFIX, SWEEP_LOCK_ID, warmLockId } from '../contract/ids';
import { lockRetryDelayMs } from '../domain/lock';
import {
  abortSignal,
  type ControlAnswer,
  progressSignal,
  releaseSignal,
  retrySignal,
  retryUpdate,
  skipSignal,
  skipUpdate,
  sweepStatusQuery,
} from '../contract/messages';
import { SA } from '../contract/search-attributes';
import type { ConfigSnapshot, RecipeResult, RecipeSpec, RecipeStatus, SweepCarry, SweepInput, SweepNode, SweepResult, SweepStatus } from '../contract/types';
import { decideFromTags } from '../domain/decision';
import { isRed, labelResult } from '../domain/label';
import { runDirOf } from '../domain/run-layout';
import { effectiveTimeouts } from '../domain/timeouts';
import { shortReason } from '../domain/short-reason';
import type { Activities } from './activity-types';
import { causeMessage } from './errors';
import { lockWorkflow, takeLock } from './lock';
import { notifyWebhooks } from './notify';
import { summarizeSweep } from '../domain/notification';
import { recipeWorkflow } from './recipe';

/** Patch id: the lock outlives a continue-as-new (ABANDON, stale locks healed), and long sweeps continue as new. */
export const SWEEP_CONTINUE_AS_NEW = 'sweep-continue-as-new';
/** Patch id: the sweep lock is taken through takeLock (stale locks cleared by run id, and only once the dead sweep's recipes have ended; scheduled sweeps wait). */
export const LOCK_BY_RUN_ID = 'lock-by-run-id';
/** Patch id: a sweep does not start its recipes while the proxy is being deployed (a converge's, a schedule's or by hand). */
export const WAIT_FOR_PROXY_DEPLOY = 'wait-for-proxy-deploy';
/**
 * Patch id: on one node (lanes), the sweep looks at each recipe itself (a
 * read-only local activity) and settles one with nothing new as SKIPPED
 * without a recipe workflow.
 */
export const SWEEP_LOOKS_FIRST = 'sweep-looks-first';
/** A scheduled sweep waits this long at most for a sweep started by hand. */
const SCHEDULED_SWEEP_WAITS_MS = 24 * 3600_000;
/** Well below Temporal's 10,240-event warning, leaving room for the retry pass and signals. */
const DEFAULT_CONTINUE_AS_NEW_AFTER = 4_000;

const acts = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 5, initialInterval: '2s' },
});
/** The look and a settled recipe's result file: run in the sweep's own workflow task, no round trip through the server. */
const local = proxyLocalActivities<Activities>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 3, initialInterval: '2s' } });

/**
 * The weekly sweep: one at a time (a lock child with a fixed id), the config
 * snapshot loaded once, each enrolled recipe as a child workflow, in lanes
 * (one by default: a node runs one cold deploy at a time), then the retries
 * operators asked for, then a report. A long sweep continues as new between
 * recipes, carrying its state, so its history stays short at any size.
 */
export async function sweepWorkflow(input: SweepInput = {}): Promise<SweepResult> {
  const sweep = new Sweep(workflowInfo().workflowId, input.carried);
  const canRotate = patched(SWEEP_CONTINUE_AS_NEW);
  // A run continued from an earlier one already holds the lock and the snapshot.
  const lock = input.carried ? null : await sweep.start(canRotate, input.recipes);
  sweep.ready();

  await sweep.mainPass(() => canRotate && historyIsLong(input.continueAsNewAfterEvents));
  if (sweep.hasPending()) {
    await sweep.childrenDone();
    return continueAsNew<typeof sweepWorkflow>({ ...input, carried: sweep.carry(input.carried) });
  }
  await sweep.retryPass();
  const result = await sweep.finish();
  await releaseLock(lock);
  return result;
}

/** The sweep lock: a lock workflow of its own type (see lockWorkflow), held open by the running sweep. */
export async function sweepLockWorkflow(): Promise<void> {
  return lockWorkflow();
}

/** Lanes stop taking recipes once the history is long; the next run goes on from there. */
function historyIsLong(limit = DEFAULT_CONTINUE_AS_NEW_AFTER): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= limit;
}

async function releaseLock(lock: ChildWorkflowHandle<typeof sweepLockWorkflow> | null): Promise<void> {
  if (lock) {
    await lock.signal(releaseSignal);
    await lock.result();
  } else {
    // Started by an earlier run of this sweep: release it by id.
    await getExternalWorkflowHandle(SWEEP_LOCK_ID).signal(releaseSignal);
  }
}

/**
 * A sweep's state and the operator messages that change it (the SDK samples'
 * safe-message-handlers pattern): the workflow function above reads like the
 * runbook, and every mutation of the state happens here.
 */
class Sweep {
  private readonly status: SweepStatus;
  private readonly byName: Map<string, RecipeStatus>;
  private readonly results: Map<string, RecipeResult>;
  private readonly running = new Map<string, ChildWorkflowHandle<typeof recipeWorkflow>>();
  private readonly skipRequested: Set<string>;
  private readonly retryQueue: string[];
  private snapshot!: ConfigSnapshot;
  private queue: RecipeSpec[] = [];

  constructor(
    private readonly sweepId: string,
    carried: SweepCarry | undefined,
  ) {
    this.status = { sweepId, state: 'starting', recipes: carried?.recipes ?? [] };
    this.byName = new Map(this.status.recipes.map((r) => [r.recipe, r]));
    this.results = new Map((carried?.results ?? []).map((r) => [r.recipe, r]));
    this.skipRequested = new Set(carried?.skipRequested);
    this.retryQueue = [...(carried?.retryQueue ?? [])];
    if (carried?.abortReason) Object.assign(this.status, { state: 'aborting', abortReason: carried.abortReason });
    this.handleMessages();
    if (carried) {
      this.snapshot = carried.snapshot;
      this.queue = carried.pending.map((name) => this.snapshot.recipes.find((r) => r.name === name)!);
      if (!this.aborting()) this.status.state = 'running';
    }
  }

  /** A new sweep: findable in the Web UI, holding the lock, with its config snapshot. */
  async start(lockOutlivesRun: boolean, only: string[] | undefined): Promise<ChildWorkflowHandle<typeof sweepLockWorkflow>> {
    upsertSearchAttributes([
      { key: SA.kind, value: 'sweep' },
      { key: SA.sweepId, value: this.sweepId },
    ]);
    const lock = await this.acquireLock(lockOutlivesRun);
    this.snapshot = await acts.loadConfigSnapshot.executeWithOptions({ summary: 'load config snapshot' }, [{ recipes: only }]);
    upsertMemo({ configDigest: this.snapshot.digest, recipes: this.snapshot.recipes.map((r) => r.name).join(', ') });
    for (const r of this.snapshot.recipes) {
      const s: RecipeStatus = { recipe: r.name, phase: 'pending', attempt: 0 };
      this.byName.set(r.name, s);
      this.status.recipes.push(s);
    }
    this.queue = [...this.snapshot.recipes];
    if (this.snapshot.proxyApp && patched(WAIT_FOR_PROXY_DEPLOY)) await this.waitForProxyDeploy(this.snapshot.proxyApp);
    // An abort that arrived while the sweep was starting stands: every recipe is then SKIPPED, aborted.
    if (!this.aborting()) this.status.state = 'running';
    return lock;
  }

  /**
   * Every recipe's health gate and canonical goes through the proxy: while it
   * is being deployed (and may be rolled back) the sweep waits, looking at
   * the proxy's warm lock less and less often.
   */
  private async waitForProxyDeploy(app: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const lock = await acts.lockState.executeWithOptions({ summary: `is ${app} being deployed?` }, [{ lockId: warmLockId(app) }]);
      if (lock.state !== 'held' || this.aborting()) return;
      setCurrentDetails(
        `waiting for the deploy of **${app}** (${lock.holder ?? 'started by hand'}) to end: a sweep does not start while the proxy is being deployed`,
      );
      await sleep(lockRetryDelayMs(attempt));
    }
  }

  ready(): void {
    this.status.configDigest = this.snapshot.digest;
    this.showProgress();
    log.info('sweep running', { recipes: this.snapshot.recipes.length, pending: this.queue.length, lanes: this.snapshot.nodes?.length ?? this.snapshot.lanes });
  }

  /** Every queued recipe, in lanes: one per node when spread over nodes (each runs one cold deploy at a time), else `lanes`. */
  async mainPass(pause: () => boolean): Promise<void> {
    const lanes: (SweepNode | undefined)[] = this.snapshot.nodes?.length ? this.snapshot.nodes : Array.from({ length: this.snapshot.lanes }, () => undefined);
    const lane = async (node: SweepNode | undefined) => {
      for (;;) {
        const r = pause() ? undefined : this.takeFor(node);
        if (!r) return;
        await this.runRecipe(r, node);
      }
    };
    await Promise.all(lanes.slice(0, Math.max(1, Math.min(lanes.length, this.queue.length))).map(lane));
  }

  /** The next queued recipe this lane may run: on a node, one pinned to it or to none (a canonical stays on its node). */
  private takeFor(node: SweepNode | undefined): RecipeSpec | undefined {
    const i = this.queue.findIndex((r) => !node || (this.pinOf(r.name) ?? node.name) === node.name);
    return i < 0 ? undefined : this.queue.splice(i, 1)[0];
  }

  /** The configured node a recipe's canonical lives on; a node no longer configured pins nothing (its promote then refuses, naming it). */
  private pinOf(name: string): string | undefined {
    const pin = this.snapshot.pins?.[name];
    return this.snapshot.nodes?.some((n) => n.name === pin) ? pin : undefined;
  }

  /** Where a retry runs: the recipe's pinned node, else where it ran last. */
  private nodeFor(name: string): SweepNode | undefined {
    const nodes = this.snapshot.nodes;
    const want = this.pinOf(name) ?? this.byName.get(name)?.node;
    return nodes?.find((n) => n.name === want) ?? nodes?.[0];
  }

  hasPending(): boolean {
    return this.queue.length > 0;
  }

  childrenDone(): Promise<void> {
    return condition(() => this.running.size === 0);
  }

  /** What the next run of this sweep needs to go on where this one stopped. */
  carry(previous: SweepCarry | undefined): SweepCarry {
    return {
      snapshot: this.snapshot,
      recipes: this.status.recipes,
      results: [...this.results.values()],
      pending: this.queue.map((r) => r.name),
      skipRequested: [...this.skipRequested],
      retryQueue: this.retryQueue,
      ...(this.status.abortReason ? { abortReason: this.status.abortReason } : {}),
      runs: (previous?.runs ?? 0) + 1,
    };
  }

  /** Retries asked for during the pass (and while retrying) run once each, after it. */
  async retryPass(): Promise<void> {
    if (!this.aborting()) this.status.state = 'retrying';
    for (let name = this.retryQueue.shift(); name && !this.aborting(); name = this.retryQueue.shift()) {
      const spec = this.snapshot.recipes.find((r) => r.name === name);
      const prior = this.results.get(name);
      if (spec && prior && isRed(prior.label)) await this.runRecipe(spec, this.nodeFor(name));
    }
  }

  /** The result, with the report written to the sweep's run directory. */
  async finish(): Promise<SweepResult> {
    this.status.state = 'done';
    const result: SweepResult = {
      sweepId: this.sweepId,
      aborted: this.status.abortReason !== undefined,
      ...(this.status.abortReason ? { abortReason: this.status.abortReason } : {}),
      configDigest: this.snapshot.digest,
      results: this.snapshot.recipes.map((r) => this.results.get(r.name)!),
    };
    result.reportFile = await acts.writeSweepReport.executeWithOptions({ summary: 'write sweep report' }, [{ env: this.snapshot.env, result }]);
    await this.notify(result);
    this.showProgress();
    log.info('sweep done', { aborted: result.aborted, labels: result.results.map((r) => `${r.recipe}=${r.label}`).join(' '), report: result.reportFile });
    return result;
  }

  /**
   * The sweep's summary, and the alerts its recipes raised (a canonical not
   * restored), to the webhooks that want them; then how each delivery went,
   * in the report. Never changes the sweep's result.
   */
  private async notify(result: SweepResult): Promise<void> {
    const summary = summarizeSweep(result);
    const env = this.snapshot.env;
    const since = summary.since;
    const recipes = result.results.map((r) => r.recipe);
    const keys = await notifyWebhooks(env, [{ kind: 'sweep', summary }], async () =>
      since
        ? (await acts.sweepAlertKeys.executeWithOptions({ summary: 'alerts raised by this sweep' }, [{ env, recipes, since }])).map((alertKey) => ({
            kind: 'alert' as const,
            alertKey,
          }))
        : [],
    );
    if (keys.length > 0) {
      await acts.noteNotificationsInReport
        .executeWithOptions({ summary: 'notifications in the report' }, [{ env, sweepId: this.sweepId, keys }])
        .catch((e) => log.warn('notifications not added to the report', { error: causeMessage(e) }));
    }
  }

  private handleMessages(): void {
    setHandler(sweepStatusQuery, () => this.status);
    setHandler(progressSignal, (p) => {
      const s = this.byName.get(p.recipe);
      if (s && !s.label) Object.assign(s, { phase: p.phase, ...(p.version !== undefined ? { version: p.version } : {}) });
      this.showProgress();
    });
    setHandler(abortSignal, (reason) => {
      if (this.status.state === 'done') return;
      this.status.state = 'aborting';
      this.status.abortReason = reason || 'aborted by operator';
      for (const [, child] of this.running) void signalChild(child.workflowId, this.status.abortReason);
    });
    setHandler(skipSignal, (recipe) => {
      this.skip(recipe);
    });
    setHandler(retrySignal, (recipe) => {
      this.retry(recipe);
    });
    setHandler(skipUpdate, (recipe) => this.skip(recipe), { validator: (recipe: string) => this.validateSkip(recipe) });
    setHandler(retryUpdate, (recipe) => this.retry(recipe), { validator: (recipe: string) => this.validateRetry(recipe) });
  }

  private skip(recipe: string): ControlAnswer {
    this.skipRequested.add(recipe);
    const child = this.running.get(recipe);
    if (child) void signalChild(child.workflowId, 'skipped by operator');
    return { recipe, message: child ? `${recipe} is being stopped (its cold app torn down) and will be skipped` : `${recipe} will be skipped` };
  }

  private retry(recipe: string): ControlAnswer {
    if (!this.retryQueue.includes(recipe)) this.retryQueue.push(recipe);
    return { recipe, message: `${recipe} will be retried once after the pass` };
  }

  /** Updates are refused before anything is recorded: the operator learns why at once. */
  private validateSkip(recipe: string): void {
    const s = this.known(recipe);
    if (s.label && !this.retryQueue.includes(recipe)) refuse(`${recipe} already finished (${s.label}); there is nothing to skip`);
  }

  private validateRetry(recipe: string): void {
    const s = this.known(recipe);
    if (this.aborting()) refuse(`the sweep is aborting (${this.status.abortReason}); nothing more runs`);
    if (!s.label || !isRed(s.label)) {
      refuse(`${recipe} is not red (${s.label ?? s.phase}); only FAILED or GREEN_BUT_PROMOTE_FAILED recipes are retried`);
    }
  }

  private known(recipe: string): RecipeStatus {
    if (this.status.state === 'starting') refuse('the sweep is still loading its configuration; try again in a moment');
    if (this.status.state === 'done') refuse(`the sweep ${this.sweepId} has finished`);
    const s = this.byName.get(recipe);
    if (!s) refuse(`"${recipe}" is not a recipe of this sweep (${[...this.byName.keys()].join(', ')})`);
    return s;
  }

  private async runRecipe(r: RecipeSpec, node?: SweepNode): Promise<void> {
    const s = this.byName.get(r.name)!;
    s.attempt += 1;
    delete s.label;
    // An abort or skip may arrive before the recipe starts, or while the sweep looks at it.
    const stopped = () => {
      if (!this.aborting() && !this.skipRequested.has(r.name)) return false;
      this.record(r.name, notRun(r.name, this.aborting() ? `aborted: ${this.status.abortReason}` : 'skipped by operator'));
      return true;
    };
    if (stopped()) return;
    const looked = !node && s.attempt === 1 && patched(SWEEP_LOOKS_FIRST);
    if (looked) {
      const settled = await this.settleByLook(r, s);
      if (settled) {
        this.record(r.name, this.skipRequested.has(r.name) ? { ...settled, reason: 'skipped by operator' } : settled);
        return;
      }
      if (stopped()) return;
    }
    const workflowId = recipeWorkflowId(this.sweepId, r.name, s.attempt);
    // The recipe reports only its long phases; until then it is syncing and deciding.
    Object.assign(s, { workflowId, phase: 'mirror-sync', startedAt: new Date().toISOString(), ...(node ? { node: node.name } : {}) });
    try {
      const child = await startChild(recipeWorkflow, {
        workflowId,
        // On a node: its worker runs the recipe and every step of it, against its abra server.
        ...(node ? { taskQueue: node.taskQueue } : {}),
        args: [
          {
            sweepId: this.sweepId,
            env: node ? { ...this.snapshot.env, server: node.server } : this.snapshot.env,
            recipe: r,
            reportTo: this.sweepId,
            ...(node ? { node: node.name } : {}),
            ...(looked ? { looked } : {}),
          },
        ],
        staticSummary: `${r.name} (sweep ${this.sweepId}${s.attempt > 1 ? `, retry ${s.attempt - 1}` : ''}${node ? `, on ${node.name}` : ''})`,
        typedSearchAttributes: [
          { key: SA.kind, value: 'recipe' },
          { key: SA.sweepId, value: this.sweepId },
          { key: SA.recipe, value: r.name },
        ],
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      });
      this.running.set(r.name, child);
      const res = await child.result();
      this.record(r.name, this.skipRequested.has(r.name) ? { ...res, label: 'SKIPPED', reason: 'skipped by operator' } : res);
    } catch (e) {
      this.record(r.name, { ...notRun(r.name, ''), label: 'FAILED', reason: `recipe workflow failed: ${causeMessage(e)}`, workflowId });
    } finally {
      this.running.delete(r.name);
    }
  }

  /**
   * Most recipes, most weeks: nothing new upstream and the canonical at the
   * latest release. The sweep's own look (mirror against upstream, the
   * canonical record; read-only, so no recipe lock) settles such a recipe as
   * SKIPPED, with its result file like any run's; the sweep's history shows
   * the look and its answer. Anything else, or a look that fails, is left
   * to the recipe's workflow, which syncs under the lock and says why. Not
   * on nodes: there the node's worker keeps the recipe's mirror and record.
   */
  private async settleByLook(r: RecipeSpec, s: RecipeStatus): Promise<RecipeResult | null> {
    const env = this.snapshot.env;
    const startedAt = new Date().toISOString();
    Object.assign(s, { workflowId: this.sweepId, phase: 'deciding', startedAt });
    const seconds = effectiveTimeouts(env.timeouts, r.timeouts).mirrorSyncSeconds + 30;
    const look = await local.lookAtRecipe
      .executeWithOptions({ summary: `look at ${r.name}`, startToCloseTimeout: `${seconds}s` }, [{ env, recipe: r }])
      .catch((e: unknown) => {
        if (isCancellation(e)) throw e;
        return null;
      });
    if (!look?.tags) return null;
    const before = look.canonical?.version ?? null;
    const d = decideFromTags(look.tags, before, { includePrereleases: r.includePrereleases });
    if (d.action !== 'skip') return null;
    const result: RecipeResult = {
      recipe: r.name,
      ...labelResult({ kind: 'skipped', reason: d.reason }, look.canonical),
      version: d.version,
      canonical: { before, after: before },
      decision: d.text,
      tiers: [],
      workflowId: this.sweepId,
      startedAt,
      endedAt: new Date().toISOString(),
    };
    await local.writeRecipeResult.executeWithOptions({ summary: `${r.name}: SKIPPED (${d.reason})` }, [
      { runDir: runDirOf(env.stateDir, this.sweepId, r.name), result },
    ]);
    return result;
  }

  private aborting(): boolean {
    return this.status.state === 'aborting';
  }

  private record(name: string, full: RecipeResult): void {
    const res = { ...full, reason: shortReason(full.reason), tiers: full.tiers.map((t) => (t.reason ? { ...t, reason: shortReason(t.reason) } : t)) };
    this.results.set(name, res);
    Object.assign(this.byName.get(name)!, { phase: 'done', label: res.label, reason: res.reason, version: res.version, endedAt: res.endedAt });
    this.showProgress();
  }

  showProgress(): void {
    const done = this.status.recipes.filter((s) => s.label).length;
    const active = this.status.recipes.filter((s) => !s.label && s.phase !== 'pending').map((s) => `${s.recipe}: ${s.phase}`);
    setCurrentDetails(`**${this.status.state}** ${done}/${this.status.recipes.length} recipes done${active.length ? ` — ${active.join(', ')}` : ''}`);
  }

  /**
   * Only one sweep at a time: a second start fails here, naming the sweep
   * that holds the lock; a scheduled one waits for it instead (the schedule's
   * overlap policy sees only the sweeps it started itself). The lock must
   * outlive a continue-as-new, so it is abandoned rather than terminated
   * with its parent run. A lock whose sweep is gone (terminated by hand) is
   * stale once none of that sweep's recipes still runs, and is cleared by
   * its run id.
   */
  private async acquireLock(outlivesRun: boolean): Promise<ChildWorkflowHandle<typeof sweepLockWorkflow>> {
    const start = () =>
      startChild(sweepLockWorkflow, {
        workflowId: SWEEP_LOCK_ID,
        staticSummary: `held by ${this.sweepId}`,
        parentClosePolicy: outlivesRun ? ParentClosePolicy.ABANDON : ParentClosePolicy.TERMINATE,
      });
    if (!outlivesRun || !patched(LOCK_BY_RUN_ID)) return this.acquireLockAsBefore(start, outlivesRun);
    const scheduled = this.sweepId.startsWith(SCHEDULED_SWEEP_ID_PREFIX);
    return takeLock({
      lockId: SWEEP_LOCK_ID,
      start,
      whenHeld: scheduled ? 'wait' : 'refuse',
      maxWaitMs: SCHEDULED_SWEEP_WAITS_MS,
      onWait: (held) => setCurrentDetails(`**waiting** for sweep ${held.holder ?? 'unknown'} to end${held.note ? ` (${held.note})` : ''}`),
      refusal: (held, waitedMs) =>
        ApplicationFailure.nonRetryable(
          `another sweep is running: ${held.holder ?? 'unknown'}${held.note ? ` (${held.note})` : ''}; ` +
            (waitedMs > 0 ? `waited ${Math.round(waitedMs / 60_000)} minutes for it, so this scheduled sweep did not run` : 'wait for it or abort it first'),
          'SweepAlreadyRunning',
          held.holder,
        ),
    });
  }

  /** Sweeps started before the LOCK_BY_RUN_ID patch replay this. */
  private async acquireLockAsBefore(start: () => Promise<ChildWorkflowHandle<typeof sweepLockWorkflow>>, outlivesRun: boolean) {
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

/** A recipe the sweep did not run (aborted or skipped before it started). */
function notRun(name: string, reason: string): RecipeResult {
  const now = new Date().toISOString();
  return {
    recipe: name,
    label: 'SKIPPED',
    reason,
    version: null,
    canonical: { before: null, after: null },
    decision: 'not run',
    tiers: [],
    workflowId: '',
    startedAt: now,
    endedAt: now,
  };
}

async function signalChild(workflowId: string, reason: string): Promise<void> {
  await getExternalWorkflowHandle(workflowId)
    .signal(abortSignal, reason)
    .catch(() => undefined);
}

/** A refused update: the caller gets the reason, the sweep's history gets nothing. */
function refuse(reason: string): never {
  throw ApplicationFailure.nonRetryable(reason, 'Refused');
}

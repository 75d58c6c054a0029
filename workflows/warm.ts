import {
  CancellationScope,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Alert } from '../domain/warm-records';
import {
  afterGate,
  afterRollback,
  afterSkip,
  chooseRelease,
  gateError,
  rejectedReason,
  rejectionOf,
  rollbackFailed,
  type GateOutcome,
  type WarmConclusion,
  type WarmVerdict,
} from '../domain/warm-outcome';
import { deployStepSeconds, gateStepSeconds, lockTimedOut } from '../domain/warm-lock';
import { heartbeatTimeout } from '../domain/timeouts';
import type { Activities } from './activity-types';
import { sideEffectCancellation } from './cancellation';
import { causeMessage } from './errors';
import { releaseLock, startLock, type Lock } from './lock';
import { notifyWebhooks } from './notify';
import type { NotifyRef } from '../domain/notification';
import { SA } from '../contract/search-attributes';
import { warmLockId } from '../contract/ids';
import { abortSignal, warmDeployStatusQuery } from '../contract/messages';
import type { WarmDeployInput, WarmDeployPhase, WarmDeployResult } from '../contract/types';

/**
 * Patch id: a deploy takes its app's lock first (one deploy per warm app,
 * whoever started it), skips a release that failed its gate before (unless
 * forced), remembers the ones that fail, and resolves the app's alerts once
 * healthy. Executions started before it replay without any of that.
 */
export const WARM_ONE_WRITER = 'warm-lock-and-rejections';
/** How often a deploy waiting for another one of the same app looks again. */
const LOCK_POLL_MS = 10_000;

const setup = proxyActivities<Activities>({ startToCloseTimeout: '5 minutes', retry: { maximumAttempts: 3, initialInterval: '2s' } });

/**
 * The health-gated deploy of a warm app (the proxy by default): wait for any
 * other deploy of the app, deploy the latest release (or the one asked for)
 * unless it was rejected before, gate it on a signal the app serves itself,
 * then record last-good, or roll back to last-good, remember the release as
 * rejected and raise an alert.
 */
export async function warmDeployWorkflow(input: WarmDeployInput = {}): Promise<WarmDeployResult> {
  const { workflowId, startTime } = workflowInfo();
  let phase: WarmDeployPhase = 'loading';
  let waitingFor: string | undefined;
  let abortReason: string | null = null;
  const gateScope = new CancellationScope();
  setHandler(warmDeployStatusQuery, () => ({ phase, abortReason, ...(waitingFor ? { waitingFor } : {}) }));
  setHandler(abortSignal, (reason) => {
    abortReason = reason || 'aborted by operator';
    gateScope.cancel();
  });
  const step = (p: WarmDeployPhase, details: string) => {
    phase = p;
    if (p !== 'waiting') waitingFor = undefined;
    setCurrentDetails(`**${p}** — ${details}`);
    upsertSearchAttributes([{ key: SA.phase, value: p }]);
  };
  const oneWriter = patched(WARM_ONE_WRITER);

  const w = await setup.loadWarmApp.executeWithOptions({ summary: 'load config' }, [input]);
  const acts = proxyActivities<Activities>({
    startToCloseTimeout: `${deployStepSeconds(w.env.timeouts)}s`,
    heartbeatTimeout: heartbeatTimeout(w.env.timeouts),
    retry: { maximumAttempts: 3, initialInterval: '5s' },
    cancellationType: sideEffectCancellation(),
  });
  const gate = proxyActivities<Activities>({
    startToCloseTimeout: `${gateStepSeconds(w.app.health)}s`,
    heartbeatTimeout: heartbeatTimeout(w.env.timeouts),
    retry: { maximumAttempts: 3, initialInterval: '2s' },
  });
  const app = w.app.name;
  upsertSearchAttributes([
    { key: SA.kind, value: 'warm' },
    { key: SA.recipe, value: app },
  ]);

  const lock = oneWriter ? await takeLock() : null;
  // Nothing was read or deployed: which release it would have deployed is not known.
  if (lock && 'gaveUp' in lock) return conclude({ outcome: 'SKIPPED', lastGood: null, alert: null, reason: lock.gaveUp }, input.version ?? 'latest', null);

  step('deploying', `finding the latest release of ${w.app.recipe}`);
  const latest = await acts.latestWarmRelease.executeWithOptions({ summary: `mirror-sync ${w.app.recipe}` }, [
    { ...w, ...(input.version ? { requested: input.version } : {}) },
  ]);
  upsertSearchAttributes([{ key: SA.version, value: latest }]);
  const lastGood = (await acts.readLastGood(w))?.version ?? null;
  const { version: release, rejection } = oneWriter ? chooseRelease(latest, input, await acts.readRejectedReleases(w)) : { version: latest, rejection: null };
  if (release !== latest) upsertSearchAttributes([{ key: SA.version, value: release }]);
  const skipped = rejection && rejectedReason(rejection, w.deployCommand);
  if (skipped && !lastGood) return conclude(afterSkip(app, null, skipped, null), release, null);
  // A rejected release is not deployed: the app stays on (or goes back to) last-good, gated like any deploy.
  const version = skipped ? lastGood! : release;
  step('deploying', skipped ? `${app} stays on last-good ${version} (${release} was rejected)` : `${app} ${version} (last good: ${lastGood ?? 'none'})`);
  const outcome: GateOutcome | null = await gateScope
    .run(async () => {
      try {
        await acts.deployWarm.executeWithOptions({ summary: `deploy ${app} ${version}` }, [{ ...w, version }]);
      } catch (e) {
        if (isCancellation(e)) throw e;
        return { healthy: false, attempts: 0, elapsedMs: 0, last: `deploy failed: ${causeMessage(e)}` };
      }
      step('gating', `${w.app.health.url} until ${w.app.health.consecutive} passes in a row, at most ${w.app.health.deadlineSeconds}s`);
      return gate.gateWarm.executeWithOptions({ summary: `health gate ${app} ${version}` }, [w]);
    })
    .catch((e) => {
      if (isCancellation(e)) return null; // aborted: rolled back like an unhealthy release
      return gateError(causeMessage(e));
    });

  return CancellationScope.nonCancellable(async () => {
    const d = { app, version, lastGood };
    const v: WarmVerdict = outcome ? { kind: 'gated', gate: outcome } : { kind: 'aborted', reason: abortReason ?? 'aborted by operator' };
    const end = (c: WarmConclusion) => conclude(skipped ? afterSkip(app, lastGood, skipped, c) : c, release, lastGood, oneWriter ? rejectionOf(d, v, c) : null);
    const next = afterGate(d, v);
    if (next.next === 'conclude') return end(next.conclusion);
    step('rolling-back', `${app} back to ${next.to}`);
    const back = { ...d, lastGood: next.to };
    try {
      await acts.deployWarm.executeWithOptions({ summary: `roll back ${app} to ${next.to}` }, [{ ...w, version: next.to }]);
    } catch (e) {
      return end(rollbackFailed(back, v, causeMessage(e)));
    }
    const again = await gate.gateWarm.executeWithOptions({ summary: `health gate ${app} ${next.to} (rollback)` }, [w]).catch((e) => gateError(causeMessage(e)));
    return end(afterRollback(back, v, again));
  });

  /**
   * Records last-good and resolves the app's alerts, or remembers a rejected
   * release and raises the alert the rollback tree asked for; then lets the
   * next deploy of the app go and says how this one ended.
   */
  async function conclude(c: WarmConclusion, release: string, lastGoodBefore: string | null, rejected: string | null = null): Promise<WarmDeployResult> {
    const notify: NotifyRef[] = [];
    if (c.outcome === 'HEALTHY') {
      await acts.recordLastGood({ ...w, version: release });
      const at = new Date().toISOString();
      const resolved = oneWriter ? await acts.resolveWarmAlerts({ env: w.env, app, by: workflowId, at }) : [];
      if (resolved.length > 0) notify.push({ kind: 'resolved', app, version: release, by: workflowId, at });
    }
    if (rejected) {
      await acts.rejectWarmRelease({ env: w.env, app, rejection: { version: release, ts: startTime.toISOString(), why: rejected, workflowId } });
    }
    const alert = c.alert ? await raise(c.alert.reason, c.alert.state, release, lastGoodBefore) : null;
    if (c.alert) notify.push({ kind: 'alert', alertKey: alertKey(c.alert.reason), workflowId });
    if (lock && !('gaveUp' in lock)) await releaseLock(lock);
    // After the lock is let go: a slow or failing webhook holds up no other deploy of the app, and never changes this one's outcome.
    await notifyWebhooks(w.env, notify);
    step('done', `${c.outcome}: ${c.reason}`);
    log.info('warm deploy done', { app, version: release, outcome: c.outcome, lastGood: c.lastGood, alert });
    upsertSearchAttributes([{ key: SA.label, value: c.outcome }]);
    return { workflowId, app, version: release, outcome: c.outcome, lastGood: c.lastGood, alert, reason: c.reason };
  }

  /** One alert per deploy run: the key is fixed by the run's start time, so a retried write finds it. */
  function raise(reason: Alert['reason'], state: string, version: string, lastGood: string | null): Promise<string> {
    const ts = startTime.toISOString();
    const key = alertKey(reason);
    return acts.writeAlert.executeWithOptions({ summary: `alert ${reason}` }, [{ env: w.env, key, alert: { app, reason, ts, version, lastGood, state } }]);
  }

  /** The alert's key (and file name): fixed by the run's start time, so its notification is one per alert too. */
  function alertKey(reason: Alert['reason']): string {
    return `${startTime.toISOString().replace(/[-:.]/g, '')}-${app}-${reason}`;
  }

  /** Takes the app's deploy lock, waiting its turn behind a running deploy of the app; gives up after lockWaitSeconds or on an abort. */
  async function takeLock(): Promise<Lock | { gaveUp: string }> {
    const until = Date.now() + w.lockWaitSeconds * 1000;
    for (;;) {
      try {
        return await startLock(warmLockId(app), `held by ${workflowId}`);
      } catch (e) {
        if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
      }
      const held = await setup.warmLockState.executeWithOptions({ summary: `who holds the deploy lock of ${app}` }, [{ app }]);
      if (held.state === 'stale') {
        const cleared = await setup.clearStaleWarmLock.executeWithOptions({ summary: `clear the stale deploy lock of ${app}` }, [
          { app, runId: held.runId, why: held.why },
        ]);
        if (cleared) continue;
      }
      const holder = held.state === 'held' ? held.holder : 'another deploy';
      if (abortReason !== null) return { gaveUp: `aborted while waiting for ${holder}: ${abortReason}` };
      const left = until - Date.now();
      if (left <= 0) return { gaveUp: lockTimedOut(app, holder, w.lockWaitSeconds) };
      waitingFor = holder;
      step('waiting', `waiting for ${holder}`);
      await condition(() => abortReason !== null, Math.min(LOCK_POLL_MS, left));
    }
  }
}

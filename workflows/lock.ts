import {
  type ApplicationFailure,
  CancellationScope,
  condition,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { releaseSignal } from '../contract/messages';
import { lockRetryDelayMs, type LockState } from '../domain/lock';
import type { Activities } from './activity-types';

const acts = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 5, initialInterval: '2s' } });

/**
 * A lock: a workflow with a fixed id, held open by the workflow that started
 * it until that one releases it (or dies: the server then ends it with its
 * parent). A second start of the same id fails, which is the exclusion.
 */
export async function lockWorkflow(): Promise<void> {
  let released = false;
  setHandler(releaseSignal, () => {
    released = true;
  });
  await condition(() => released);
}

export type Lock = ChildWorkflowHandle<typeof lockWorkflow>;

export interface LockRequest<H> {
  lockId: string;
  /** Starts the lock workflow under `lockId` (see startLock). */
  start: () => Promise<H>;
  /** Wait for a holder that is running (looking again with a growing pause), or refuse at once. */
  whenHeld: 'wait' | 'refuse';
  /** How long to wait at most (workflow time). */
  maxWaitMs?: number;
  /** Told whenever the lock is found held, before waiting. */
  onWait?: (held: Extract<LockState, { state: 'held' }>) => void;
  /** The refusal (waitedMs 0) or the end of the wait as an error. */
  refusal: (held: Extract<LockState, { state: 'held' }>, waitedMs: number) => ApplicationFailure;
}

/**
 * Takes a lock: starts it, or learns who holds it. A stale lock (its holder
 * gone, nothing of it still running) is ended by its run id and taken; two
 * starters racing on it cannot both win, as only one start can succeed. The
 * lock is started outside any cancellation scope, so cancelling the holder's
 * work never ends the lock before the holder's cleanup has run.
 */
export async function takeLock<H>(r: LockRequest<H>): Promise<H> {
  const begun = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await r.start();
    } catch (e) {
      if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
    }
    const s = await acts.lockState({ lockId: r.lockId });
    if (s.state === 'free') continue;
    if (s.state === 'stale') {
      await acts.clearStaleLock({ lockId: r.lockId, runId: s.lockRunId, reason: `stale: its holder ${s.holder} is ${s.holderStatus.toLowerCase()}` });
      continue;
    }
    // Refused at once: no wait (the workflow clock moved on while lockState ran, but nobody waited).
    if (r.whenHeld === 'refuse') throw r.refusal(s, 0);
    const waited = Date.now() - begun;
    if (waited >= (r.maxWaitMs ?? 0)) throw r.refusal(s, waited);
    r.onWait?.(s);
    await sleep(lockRetryDelayMs(attempt));
  }
}

/** Starts a lock that ends with its holder; `summary` shows in the Web UI who holds it. */
export function startLock(lockId: string, summary: string): Promise<Lock> {
  return CancellationScope.nonCancellable(() =>
    startChild(lockWorkflow, { workflowId: lockId, staticSummary: summary, parentClosePolicy: ParentClosePolicy.TERMINATE }),
  );
}

/** Releases a lock and waits until it has ended, so the next holder finds it free. */
export async function releaseLock(lock: ChildWorkflowHandle<() => Promise<void>>): Promise<void> {
  await lock.signal(releaseSignal);
  await lock.result();
}

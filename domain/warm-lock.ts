import type { Timeouts } from './timeouts';

/**
 * One deploy per warm app at a time: a lock workflow with a fixed id per app,
 * started by the deploy as its child. What Temporal says about the lock and
 * the deploy that started it decides whether it is free, held or stale.
 */
export type WarmLockState =
  | { state: 'free' }
  | { state: 'held'; holder: string }
  /** No running deploy holds it (its holder ended, or it was started by hand): terminate that run and take it. */
  | { state: 'stale'; holder: string | null; runId: string; why: string };

export function warmLockState(lock: { running: boolean; runId: string; holder: string | null } | null, holderStatus: string | null): WarmLockState {
  if (!lock?.running) return { state: 'free' };
  if (lock.holder && holderStatus === 'RUNNING') return { state: 'held', holder: lock.holder };
  const why = lock.holder ? `stale: its deploy ${lock.holder} is ${(holderStatus ?? 'gone').toLowerCase()}` : 'stale: no deploy holds it (started by hand)';
  return { state: 'stale', holder: lock.holder, runId: lock.runId, why };
}

/** A deploy's (or rollback's) step: mirror-sync, abra and convergence, plus a minute to spare. */
export const deployStepSeconds = (t: Timeouts) => t.mirrorSyncSeconds + t.deploySeconds + t.convergeSeconds + 60;
/** A health gate: its deadline and one last request, plus a minute to spare. */
export const gateStepSeconds = (h: { deadlineSeconds: number; requestTimeoutSeconds: number }) => h.deadlineSeconds + h.requestTimeoutSeconds + 60;

/**
 * How long a deploy waits for the one before it: a whole deploy with a
 * rollback (deploy, gate, deploy again, gate again). A holder running longer
 * than that is stuck, and the waiting deploy gives up visibly.
 */
export function lockWaitSeconds(t: Timeouts, h: { deadlineSeconds: number; requestTimeoutSeconds: number }): number {
  return 2 * (deployStepSeconds(t) + gateStepSeconds(h));
}

/** The reason of a deploy that gave up waiting. */
export function lockTimedOut(app: string, holder: string, waitedSeconds: number): string {
  return `another deploy of ${app} (${holder}) ran for longer than ${Math.ceil(waitedSeconds / 60)} min; nothing was deployed; try again once it has ended`;
}

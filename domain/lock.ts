/**
 * Who holds a lock (a workflow with a fixed id, started by its holder as a
 * child), from what Temporal says about the lock, its holder and the
 * holder's own children.
 */
export type LockState =
  | { state: 'free' }
  /** `holder` is null when the lock has no parent (started by hand): treated as held. `note` says why a dead holder still counts. */
  | { state: 'held'; holder: string | null; note?: string }
  /** The holder is gone and left nothing running: the lock (this run of it) may be cleared. */
  | { state: 'stale'; holder: string; holderStatus: string; lockRunId: string };

export interface LockView {
  running: boolean;
  runId: string;
  /** The workflow that started the lock. */
  holder: string | null;
}

export interface HolderView {
  /** Temporal's status name, null when the holder cannot be found. */
  status: string | null;
  /** Workflows the holder started that still run (a sweep's recipes tearing down after it was terminated). */
  childrenRunning: number;
}

export function lockState(lock: LockView | null, holder: HolderView): LockState {
  if (!lock?.running) return { state: 'free' };
  if (!lock.holder) return { state: 'held', holder: null };
  if (holder.status === 'RUNNING') return { state: 'held', holder: lock.holder };
  const status = holder.status ?? 'GONE';
  if (holder.childrenRunning > 0) {
    return { state: 'held', holder: lock.holder, note: `${lock.holder} is ${status.toLowerCase()}, but ${holder.childrenRunning} of its workflows still run` };
  }
  return { state: 'stale', holder: lock.holder, holderStatus: status, lockRunId: lock.runId };
}

/** How long to wait before looking at a held lock again: 5 s, doubling, at most 5 minutes (few history events over hours). */
export function lockRetryDelayMs(attempt: number): number {
  return Math.min(5_000 * 2 ** Math.min(attempt, 10), 300_000);
}

/** Step timeouts, in seconds; the config's `timeouts`, with a recipe's own overrides on top. */
export interface Timeouts {
  mirrorSyncSeconds: number;
  deploySeconds: number;
  convergeSeconds: number;
  teardownSeconds: number;
  backupSeconds: number;
  /** How long a step may go without a heartbeat; absent in snapshots taken before it was configurable. */
  heartbeatSeconds?: number;
}

/** The timeouts of one step each (the heartbeat timeout is not one). */
export type StepTimeoutKey = Exclude<keyof Timeouts, 'heartbeatSeconds'>;

/** Steps heartbeat every 2 s; a worker that stops (a crash) is noticed after this long. */
export const DEFAULT_HEARTBEAT_SECONDS = 20;

/** The heartbeat timeout of a recipe's or warm app's steps, as Temporal's activity options take it. */
export function heartbeatTimeout(t: Timeouts): string {
  return `${t.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS}s`;
}

/** A recipe's effective timeouts: the global ones, each replaced by the recipe's override when it sets one. */
export function effectiveTimeouts(global: Timeouts, overrides: Partial<Timeouts> | undefined): Timeouts {
  const own = Object.entries(overrides ?? {}).filter(([, v]) => v !== undefined);
  return { ...global, ...Object.fromEntries(own) };
}

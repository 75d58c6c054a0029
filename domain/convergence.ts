/** When Swarm's view of a stack counts as deployed; pure, fed by activities/swarm.ts. */

export interface ServiceState {
  name: string;
  desired: number;
  running: number;
  update: string | null;
  /** The most recent task error Swarm reported, for a readable failure. */
  lastError: string | null;
}

/**
 * A task counts as running once it has been running for a moment, as the
 * docker CLI's own convergence wait does: a container that exits at once
 * (crash-looping under Swarm's restart policy) is briefly 'running' on every
 * restart, and a poll landing in that instant must not call it converged.
 */
export const STABLE_RUNNING_MS = 1000;

export function runsStably(status: { State?: string; Timestamp?: string } | undefined, nowMs: number): boolean {
  if (status?.State !== 'running' || !status.Timestamp) return false;
  return nowMs - Date.parse(status.Timestamp) >= STABLE_RUNNING_MS;
}

/** Converged: every service of the stack runs all desired replicas and no update is in flight or rolled back. */
export function isConverged(services: readonly ServiceState[]): boolean {
  return (
    services.length > 0 &&
    services.every((s) => s.running >= s.desired && (s.update === null || s.update === 'completed'))
  );
}

export function describeServices(services: readonly ServiceState[]): string {
  if (services.length === 0) return 'no services';
  return services
    .map((s) => `${s.name} ${s.running}/${s.desired}${s.update ? ` update=${s.update}` : ''}${s.lastError ? ` (${s.lastError})` : ''}`)
    .join(', ');
}

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
 * A task counts as running once it has been running for a while, as the
 * docker CLI's own convergence wait does (it waits 5 s): a container that
 * exits at once (crash-looping under Swarm's restart policy) is 'running' for
 * a moment on every restart, and a poll landing then must not call it
 * converged. Swarm reports the exit up to ~0.7 s late here; 2 s leaves margin
 * without slowing every deploy by the CLI's full 5 s.
 */
export const STABLE_RUNNING_MS = 2000;

export function runsStably(status: { State?: string; Timestamp?: string } | undefined, nowMs: number): boolean {
  if (status?.State !== 'running' || !status.Timestamp) return false;
  return nowMs - Date.parse(status.Timestamp) >= STABLE_RUNNING_MS;
}

/** Converged: every service of the stack runs all desired replicas and no update is in flight or rolled back. */
export function isConverged(services: readonly ServiceState[]): boolean {
  return services.length > 0 && services.every((s) => s.running >= s.desired && (s.update === null || s.update === 'completed'));
}

export function describeServices(services: readonly ServiceState[]): string {
  if (services.length === 0) return 'no services';
  return services.map((s) => `${s.name} ${s.running}/${s.desired}${s.update ? ` update=${s.update}` : ''}${s.lastError ? ` (${s.lastError})` : ''}`).join(', ');
}

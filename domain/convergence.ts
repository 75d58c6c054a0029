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

/** The part of a service's task template that a task is made from, as the Docker API returns both. */
export interface TaskTemplate {
  ContainerSpec?: unknown;
  ForceUpdate?: number;
}

/**
 * Whether a task was made from the service's current template. Right after a
 * deploy changes a service, and until Swarm's orchestrator starts the update
 * (under load, seconds), the previous release's task still runs and the
 * service's update status is still the last update's "completed": counting
 * that task would call the new release converged, and its health gate would
 * probe the previous release's container. Both sides come from the same Go
 * type through the same encoder, so their JSON compares exactly.
 */
export function madeFromCurrent(task: TaskTemplate | undefined, service: TaskTemplate | undefined): boolean {
  return JSON.stringify(task?.ContainerSpec) === JSON.stringify(service?.ContainerSpec) && (task?.ForceUpdate ?? 0) === (service?.ForceUpdate ?? 0);
}

/** Converged: every service of the stack runs all desired replicas and no update is in flight or rolled back. */
export function isConverged(services: readonly ServiceState[]): boolean {
  return services.length > 0 && services.every((s) => s.running >= s.desired && (s.update === null || s.update === 'completed'));
}

export function describeServices(services: readonly ServiceState[]): string {
  if (services.length === 0) return 'no services';
  return services.map((s) => `${s.name} ${s.running}/${s.desired}${s.update ? ` update=${s.update}` : ''}${s.lastError ? ` (${s.lastError})` : ''}`).join(', ');
}

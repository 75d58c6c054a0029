/** What Swarm and abra's env file say about an app right now. */
export interface AppState {
  deployed: boolean;
  /** The version in abra's env file (TYPE=<recipe>:<version>), null without one. */
  version: string | null;
}

/**
 * "Deploy unless already at this version": a retry after a crash finds the
 * app running the version it was asked for and does nothing again.
 */
export function alreadyRunning(app: AppState, target: string): boolean {
  return app.deployed && app.version === target;
}

/**
 * How a warm app reaches a version: nothing when it already runs it; else
 * `app new` when abra has no env file for it, then `upgrade` when deployed
 * (a newer version onto the running app) or `deploy` when not.
 */
export function warmDeploySteps(app: AppState & { envFile: boolean }, target: string): ('new' | 'deploy' | 'upgrade')[] {
  if (alreadyRunning(app, target)) return [];
  return [...(app.envFile ? [] : ['new' as const]), app.deployed ? 'upgrade' : 'deploy'];
}

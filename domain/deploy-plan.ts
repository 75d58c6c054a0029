import { compareVersions, isVersion } from './version';

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
 * How a warm app reaches a version, in commands abra accepts in that state:
 * nothing when it already runs it; `app new` when abra has no env file for
 * it; then `deploy` when it is not deployed, `upgrade` to a higher version,
 * `rollback` to a lower one (abra refuses to upgrade downwards), and
 * `redeploy` (deploy --force) when it runs a version abra's env file does not
 * name (the env file was lost), the one case a forced deploy is meant.
 */
export type WarmStep = 'new' | 'deploy' | 'upgrade' | 'rollback' | 'redeploy';

export function warmDeploySteps(app: AppState & { envFile: boolean }, target: string): WarmStep[] {
  if (alreadyRunning(app, target)) return [];
  const create: WarmStep[] = app.envFile ? [] : ['new'];
  if (!app.deployed) return [...create, 'deploy'];
  if (!app.envFile || app.version === null || !isVersion(app.version)) return [...create, 'redeploy'];
  return [compareVersions(target, app.version) > 0 ? 'upgrade' : 'rollback'];
}

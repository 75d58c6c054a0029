/**
 * Workflow and schedule ids: what operators type (`temporal workflow … --workflow-id`)
 * and what makes runs exclusive (a fixed id can run only once at a time).
 */

/** Held by the running sweep: a fixed id means one sweep at a time. */
export const SWEEP_LOCK_ID = 'coopci-sweep-lock';

export const SWEEP_SCHEDULE_ID = 'coopci-weekly-sweep';
export const PROXY_SCHEDULE_ID = 'coopci-proxy-deploy';
export const CONVERGE_SCHEDULE_ID = 'coopci-warm-converge';
/** Temporal appends the scheduled time, e.g. converge-warm-scheduled-2026-11-22T02:00:00Z. */
export const SCHEDULED_CONVERGE_ID_PREFIX = 'converge-warm-scheduled';

/** Temporal appends the scheduled time, e.g. sweep-scheduled-2026-11-22T03:00:00Z. */
export const SCHEDULED_SWEEP_ID_PREFIX = 'sweep-scheduled';
export const scheduledWarmDeployIdPrefix = (app: string) => `deploy-${app}-scheduled`;

/** A sweep started by hand, named after its start time: sweep-20261123T131800Z. */
export function manualSweepId(now = new Date()): string {
  return `sweep-${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}`;
}

/** An on-demand run of one recipe (`coopci run`), named after the recipe and its start time: run-hello-20261123T131800Z. */
export function onDemandRunId(recipe: string, now = new Date()): string {
  return `run-${recipe}-${manualSweepId(now).slice('sweep-'.length)}`;
}

/** A recipe of a sweep: `<sweep-id>/<recipe>`, and `/retry-N` for the operator's retries. */
export function recipeWorkflowId(sweepId: string, recipe: string, attempt: number): string {
  return `${sweepId}/${recipe}${attempt > 1 ? `/retry-${attempt - 1}` : ''}`;
}

/** One deploy per warm app at a time: the workflow id is fixed per app. */
export const warmWorkflowId = (app: string) => `deploy-${app}`;

/** One converge at a time (fixed id); its apps are `converge-warm/<app>`. */
export const CONVERGE_ID = 'converge-warm';

/** Task queue names beyond the configured ones are not invented here: they come from the config (temporal.taskQueue, nodes[].taskQueue). */

/** Held by whatever touches a recipe's cold app, mirror, abra checkout or canonical: one writer per recipe. */
export const recipeLockId = (recipe: string) => `coopci-lock/recipe/${recipe}`;

/** Held by the one deploy of a warm app that runs (manual, scheduled or converge's): a fixed id per app. */
export const warmLockId = (app: string) => `coopci-lock/warm/${app}`;

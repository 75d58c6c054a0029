import { WorkflowExecutionAlreadyStartedError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { Config } from '../config/schema';
import { SA } from '../contract/search-attributes';
import { readLock, sweepChildrenQuery } from '../adapters/locks';
import { manualSweepId, SWEEP_LOCK_ID } from '../contract/ids';
import { abortSignal, retryUpdate, skipUpdate, sweepStatusQuery } from '../contract/messages';
import type { SweepResult, SweepStatus } from '../contract/types';
import { temporalSettings, uiWorkflowsUrl } from '../config/temporal';
import type { sweepWorkflow } from '../workflows/sweep';

export class SweepRunningError extends Error {
  override name = 'SweepRunningError';
  constructor(readonly runningId: string) {
    super(
      `a sweep is already running: ${runningId}\n` +
        `Watch it with "coopci sweep status ${runningId}", or stop it with "coopci sweep abort ${runningId} --reason …".`,
    );
  }
}

/** The sweep holding the lock, if it is still running (a stale lock is cleared by the next sweep). */
export async function runningSweep(client: Client): Promise<string | null> {
  const lock = await readLock(client, SWEEP_LOCK_ID, sweepChildrenQuery);
  return lock.state === 'held' ? (lock.holder ?? 'unknown') : null;
}

/**
 * Why a sweep of these recipes could not run (a recipe not in the config, or
 * not enrolled), naming the enrolled ones; undefined when it can. The sweep
 * would only find out after it started.
 */
export function sweepRecipesProblem(config: Pick<Config, 'recipes'>, recipes: string[]): string | undefined {
  const enrolled = `enrolled recipes: ${
    config.recipes
      .filter((r) => r.enrolled)
      .map((r) => r.name)
      .join(', ') || 'none'
  }`;
  for (const name of recipes) {
    const r = config.recipes.find((x) => x.name === name);
    if (!r) return `unknown recipe "${name}" (${enrolled})`;
    if (!r.enrolled) return `recipe "${name}" is not enrolled: ${r.exception} (${enrolled})`;
  }
  return undefined;
}

/** Starts a sweep unless one runs; the workflow itself refuses too, so a race cannot get two. */
export async function startSweep(client: Client, config: Config, opts: { recipes?: string[]; workflowId?: string; continueAsNewAfterEvents?: number } = {}) {
  const problem = opts.recipes && sweepRecipesProblem(config, opts.recipes);
  if (problem) throw new Error(problem);
  const running = await runningSweep(client);
  if (running) throw new SweepRunningError(running);
  const workflowId = opts.workflowId ?? manualSweepId();
  try {
    return await client.workflow.start<typeof sweepWorkflow>('sweepWorkflow', {
      workflowId,
      taskQueue: temporalSettings(config).taskQueue,
      args: [
        {
          ...(opts.recipes ? { recipes: opts.recipes } : {}),
          ...(opts.continueAsNewAfterEvents ? { continueAsNewAfterEvents: opts.continueAsNewAfterEvents } : {}),
        },
      ],
      staticSummary: `manual sweep${opts.recipes ? ` of ${opts.recipes.join(', ')}` : ''}`,
      typedSearchAttributes: [
        { key: SA.kind, value: 'sweep' },
        { key: SA.sweepId, value: workflowId },
      ],
    });
  } catch (e) {
    if (e instanceof WorkflowExecutionAlreadyStartedError) throw new SweepRunningError(workflowId);
    throw e;
  }
}

/** The most recently started sweep. */
export async function latestSweepId(client: Client): Promise<string | null> {
  for await (const w of client.workflow.list({ query: `${SA.kind.name} = 'sweep'`, pageSize: 1 })) return w.workflowId;
  return null;
}

/** Live status of a running sweep, or the final one of a finished sweep. */
export async function sweepStatus(client: Client, id: string): Promise<{ running: boolean; status: SweepStatus; result?: SweepResult }> {
  const handle = client.workflow.getHandle<typeof sweepWorkflow>(id);
  const d = await handle.describe();
  if (d.status.name === 'RUNNING') return { running: true, status: await handle.query(sweepStatusQuery) };
  if (d.status.name === 'COMPLETED') {
    const result = await handle.result();
    return { running: false, result, status: statusFromResult(result) };
  }
  throw new Error(`sweep ${id} is ${d.status.name.toLowerCase()}; see it in the Web UI or with "temporal workflow show --workflow-id ${id}"`);
}

function statusFromResult(r: SweepResult): SweepStatus {
  return {
    sweepId: r.sweepId,
    state: 'done',
    ...(r.abortReason ? { abortReason: r.abortReason } : {}),
    configDigest: r.configDigest,
    recipes: r.results.map((x) => ({
      recipe: x.recipe,
      phase: 'done',
      label: x.label,
      reason: x.reason,
      version: x.version,
      workflowId: x.workflowId,
      startedAt: x.startedAt,
      endedAt: x.endedAt,
      attempt: 1,
    })),
  };
}

/** Aborts a sweep: a signal, as the sweep has nothing to answer (the current recipe cleans up, the rest are skipped). */
export async function abortSweep(client: Client, id: string, reason: string): Promise<void> {
  await client.workflow.getHandle(id).signal(abortSignal, reason);
}

export type ControlOutcome = { accepted: true; message: string } | { accepted: false; reason: string };

/**
 * Asks a sweep to skip or retry a recipe. The sweep answers what it will do,
 * or refuses with its reason (an unknown recipe, a retry of one that is not
 * red, a skip of one already finished) before recording anything.
 */
export async function controlSweep(client: Client, id: string, what: 'skip' | 'retry', recipe: string): Promise<ControlOutcome> {
  try {
    const answer = await client.workflow.getHandle(id).executeUpdate(what === 'skip' ? skipUpdate : retryUpdate, { args: [recipe] });
    return { accepted: true, message: answer.message };
  } catch (e) {
    // The validator's ApplicationFailure, whose message is the reason.
    if (e instanceof WorkflowUpdateFailedError) return { accepted: false, reason: (e.cause ?? e).message };
    throw e;
  }
}

export function uiLink(config: Config, workflowId: string): string {
  return uiWorkflowsUrl(config) + encodeURIComponent(workflowId);
}

import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Config } from '../config/schema';
import { SA } from '../workflows/search-attributes';
import { abortSignal, retrySignal, skipSignal, SWEEP_LOCK_ID, sweepStatusQuery } from '../workflows/signals';
import type { SweepResult, SweepStatus } from '../workflows/types';
import { temporalSettings, uiWorkflowsUrl } from './connect';

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
  try {
    const d = await client.workflow.getHandle(SWEEP_LOCK_ID).describe();
    if (d.status.name !== 'RUNNING') return null;
    const holder = d.parentExecution?.workflowId;
    if (!holder) return 'unknown';
    const h = await client.workflow.getHandle(holder).describe();
    return h.status.name === 'RUNNING' ? holder : null;
  } catch {
    return null;
  }
}

export function manualSweepId(now = new Date()): string {
  return `sweep-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
}

/** Starts a sweep unless one runs; the workflow itself refuses too, so a race cannot get two. */
export async function startSweep(client: Client, config: Config, opts: { recipes?: string[]; workflowId?: string; continueAsNewAfterEvents?: number } = {}) {
  const running = await runningSweep(client);
  if (running) throw new SweepRunningError(running);
  const workflowId = opts.workflowId ?? manualSweepId();
  try {
    return await client.workflow.start('sweepWorkflow', {
      workflowId,
      taskQueue: temporalSettings(config).taskQueue,
      args: [{ ...(opts.recipes ? { recipes: opts.recipes } : {}), ...(opts.continueAsNewAfterEvents ? { continueAsNewAfterEvents: opts.continueAsNewAfterEvents } : {}) }],
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
  const handle = client.workflow.getHandle(id);
  const d = await handle.describe();
  if (d.status.name === 'RUNNING') return { running: true, status: await handle.query(sweepStatusQuery) };
  if (d.status.name === 'COMPLETED') {
    const result = (await handle.result()) as SweepResult;
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
    recipes: r.results.map((x) => ({ recipe: x.recipe, phase: 'done', label: x.label, reason: x.reason, version: x.version, workflowId: x.workflowId, startedAt: x.startedAt, endedAt: x.endedAt, attempt: 1 })),
  };
}

export async function signalSweep(client: Client, id: string, what: 'abort' | 'skip' | 'retry', arg: string): Promise<void> {
  const handle = client.workflow.getHandle(id);
  const def = { abort: abortSignal, skip: skipSignal, retry: retrySignal }[what];
  await handle.signal(def, arg);
}

export function uiLink(config: Config, workflowId: string): string {
  return uiWorkflowsUrl(config) + encodeURIComponent(workflowId);
}

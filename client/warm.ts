import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import type { Config } from '../config/schema';
import { SA } from '../contract/search-attributes';
import { abortSignal, warmDeployStatusQuery } from '../contract/messages';
import type { WarmDeployResult } from '../contract/types';
import { readWarmLock } from '../adapters/warm-lock';
import { temporalSettings } from '../config/temporal';
import { CONVERGE_ID, warmWorkflowId } from '../contract/ids';
import type { convergeWorkflow } from '../workflows/converge';
import type { warmDeployWorkflow } from '../workflows/warm';

function warmAppName(config: Config, app?: string): string {
  const name = app ?? config.proxy?.app;
  if (!name) throw new Error('no proxy configured: set proxy.app in the config');
  return name;
}

/**
 * Starts a deploy of a warm app (the proxy by default): the latest release,
 * or `version`; `force` deploys it even if it failed its gate before. It
 * waits its turn behind a deploy of the app that the schedule or a converge
 * started.
 */
export async function startWarmDeploy(client: Client, config: Config, app?: string, release: { version?: string; force?: boolean } = {}) {
  const name = warmAppName(config, app);
  const workflowId = warmWorkflowId(name);
  try {
    return await client.workflow.start<typeof warmDeployWorkflow>('warmDeployWorkflow', {
      workflowId,
      taskQueue: temporalSettings(config).taskQueue,
      args: [{ app: name, ...release }],
      staticSummary: `health-gated deploy of ${name}${release.version ? ` ${release.version}` : ''}${release.force ? ' (forced)' : ''}`,
      typedSearchAttributes: [
        { key: SA.kind, value: 'warm' },
        { key: SA.recipe, value: name },
      ],
    });
  } catch (e) {
    if (e instanceof WorkflowExecutionAlreadyStartedError) {
      throw new Error(`a deploy of ${name} is already running (${workflowId}); watch it in the Web UI or abort it with "coopci proxy abort --reason TEXT"`);
    }
    throw e;
  }
}

/**
 * The newest deploys of a warm app, whoever started them (manual, schedule,
 * converge), as Temporal describes them now: visibility lists running ones
 * first, then the most recently closed; describing each corrects a list
 * that lags a just-finished run.
 */
async function recentDeploys(client: Client, app: string, limit = 20): Promise<WorkflowExecutionDescription[]> {
  const ids: { workflowId: string; runId: string }[] = [];
  for await (const w of client.workflow.list({ query: `${SA.kind.name} = 'warm' AND ${SA.recipe.name} = '${app}'`, pageSize: limit })) {
    ids.push({ workflowId: w.workflowId, runId: w.runId });
    if (ids.length >= limit) break;
  }
  const described = await Promise.all(
    ids.map((w) =>
      client.workflow
        .getHandle(w.workflowId, w.runId)
        .describe()
        .catch(() => null),
    ),
  );
  return described.filter((d) => d !== null).sort((a, b) => b.startTime.getTime() - a.startTime.getTime());
}

/**
 * The deploy of a warm app that runs now: the holder of the app's deploy
 * lock, else one waiting for it (or started before there was one). `last`:
 * the newest one, running or not.
 */
async function findDeploy(
  client: Client,
  app: string,
): Promise<{ running: { workflowId: string; runId?: string } | null; last: WorkflowExecutionDescription | null }> {
  const lock = await readWarmLock(client, app);
  const recent = await recentDeploys(client, app);
  const waiting = recent.find((d) => d.status.name === 'RUNNING');
  const running = lock.state === 'held' ? { workflowId: lock.holder } : waiting ? { workflowId: waiting.workflowId, runId: waiting.runId } : null;
  return { running, last: recent[0] ?? null };
}

/**
 * Aborts the running deploy of a warm app, whichever started it: the step in
 * flight stops, then the app is rolled back to last-good (no alert: an
 * operator asked for it). A deploy still waiting for another gives up.
 */
export async function abortWarmDeploy(client: Client, config: Config, reason: string, app?: string): Promise<string> {
  const name = warmAppName(config, app);
  const { running, last } = await findDeploy(client, name);
  if (!running) {
    const seen = last ? `${last.workflowId}: ${last.status.name.toLowerCase()}` : 'never started';
    throw new Error(`no deploy of ${name} is running (${seen}); start one with "coopci proxy deploy"`);
  }
  await client.workflow.getHandle(running.workflowId, running.runId).signal(abortSignal, reason);
  return running.workflowId;
}

/** Phase of a warm app's running deploy (whichever started it), or the outcome of its newest one. */
export async function warmDeployStatus(client: Client, config: Config, app?: string) {
  const name = warmAppName(config, app);
  const { running, last } = await findDeploy(client, name);
  if (running) {
    const handle = client.workflow.getHandle<typeof warmDeployWorkflow>(running.workflowId, running.runId);
    return { workflowId: running.workflowId, running: true as const, ...(await handle.query(warmDeployStatusQuery)) };
  }
  if (!last) throw new Error(`${name} has never been deployed here; run "coopci proxy deploy"`);
  const status = last.status.name;
  const result = status === 'COMPLETED' ? ((await client.workflow.getHandle(last.workflowId, last.runId).result()) as WarmDeployResult) : null;
  return { workflowId: last.workflowId, running: false as const, status, result };
}

export class ConvergeRunningError extends Error {
  override name = 'ConvergeRunningError';
  constructor() {
    super(`a converge is already running (${CONVERGE_ID}); wait for it or terminate it`);
  }
}

/** Brings every warm app up in order; one converge at a time (fixed id). */
export async function startConverge(client: Client, config: Config) {
  if (config.warm.length === 0) throw new Error('no warm apps configured: list them under warm in the config');
  try {
    return await client.workflow.start<typeof convergeWorkflow>('convergeWorkflow', {
      workflowId: CONVERGE_ID,
      taskQueue: temporalSettings(config).taskQueue,
      args: [],
      staticSummary: `converge ${config.warm.map((w) => w.name).join(' → ')}`,
      typedSearchAttributes: [{ key: SA.kind, value: 'converge' }],
    });
  } catch (e) {
    if (e instanceof WorkflowExecutionAlreadyStartedError) throw new ConvergeRunningError();
    throw e;
  }
}

/** The worker's start-up converge: started, or why not (no warm apps, one already running). Never throws for those. */
export async function convergeAtStart(client: Client, config: Config): Promise<string> {
  if (config.warm.length === 0) return 'converge at start: no warm apps configured';
  try {
    const handle = await startConverge(client, config);
    return `converge at start: ${handle.workflowId} started`;
  } catch (e) {
    if (e instanceof ConvergeRunningError) return `converge at start: ${CONVERGE_ID} is already running; left to finish`;
    throw e;
  }
}

import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Config } from '../config/schema';
import { SA } from '../workflows/search-attributes';
import { abortSignal, warmStatusQuery } from '../workflows/signals';
import { temporalSettings } from './connect';

/** One deploy per warm app at a time: the workflow id is fixed per app. */
export const warmWorkflowId = (app: string) => `deploy-${app}`;

function warmAppName(config: Config, app?: string): string {
  const name = app ?? config.proxy?.app;
  if (!name) throw new Error('no proxy configured: set proxy.app in the config');
  return name;
}

export async function startWarmDeploy(client: Client, config: Config, app?: string) {
  const name = warmAppName(config, app);
  const workflowId = warmWorkflowId(name);
  try {
    return await client.workflow.start('warmDeployWorkflow', {
      workflowId,
      taskQueue: temporalSettings(config).taskQueue,
      args: [{ app: name }],
      staticSummary: `health-gated deploy of ${name}`,
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
 * Aborts the running deploy of a warm app: the step in flight stops, then the
 * app is rolled back to last-good (no alert: an operator asked for it).
 */
export async function abortWarmDeploy(client: Client, config: Config, reason: string, app?: string): Promise<string> {
  const name = warmAppName(config, app);
  const handle = client.workflow.getHandle(warmWorkflowId(name));
  const status = await handle.describe().then(
    (d) => d.status.name,
    (e) => {
      if (e instanceof WorkflowNotFoundError) return 'never started';
      throw e;
    },
  );
  if (status !== 'RUNNING') throw new Error(`no deploy of ${name} is running (${handle.workflowId}: ${status.toLowerCase()}); start one with "coopci proxy deploy"`);
  await handle.signal(abortSignal, reason);
  return handle.workflowId;
}

/** Phase of a warm app's deploy, from the running workflow or its last result. */
export async function warmDeployStatus(client: Client, config: Config, app?: string) {
  const name = warmAppName(config, app);
  const handle = client.workflow.getHandle(warmWorkflowId(name));
  const { status } = await handle.describe().catch((e) => {
    if (e instanceof WorkflowNotFoundError) throw new Error(`${name} has never been deployed here; run "coopci proxy deploy"`);
    throw e;
  });
  if (status.name === 'RUNNING') return { workflowId: handle.workflowId, running: true as const, ...(await handle.query(warmStatusQuery)) };
  return { workflowId: handle.workflowId, running: false as const, status: status.name, result: status.name === 'COMPLETED' ? await handle.result() : null };
}

export const CONVERGE_ID = 'converge-warm';

/** Brings every warm app up in order; one converge at a time (fixed id). */
export async function startConverge(client: Client, config: Config) {
  try {
    return await client.workflow.start('convergeWorkflow', {
      workflowId: CONVERGE_ID,
      taskQueue: temporalSettings(config).taskQueue,
      args: [],
      staticSummary: `converge ${config.warm.map((w) => w.name).join(' → ')}`,
      typedSearchAttributes: [{ key: SA.kind, value: 'converge' }],
    });
  } catch (e) {
    if (e instanceof WorkflowExecutionAlreadyStartedError) throw new Error(`a converge is already running (${CONVERGE_ID}); wait for it or terminate it`);
    throw e;
  }
}

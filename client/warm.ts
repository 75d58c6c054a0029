import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Config } from '../config/schema';
import { SA } from '../workflows/search-attributes';
import { temporalSettings } from './connect';

/** One deploy per warm app at a time: the workflow id is fixed per app. */
export const warmWorkflowId = (app: string) => `deploy-${app}`;

export async function startWarmDeploy(client: Client, config: Config, app?: string) {
  const name = app ?? config.proxy?.app;
  if (!name) throw new Error('no proxy configured: set proxy.app in the config');
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
      throw new Error(`a deploy of ${name} is already running (${workflowId}); watch it in the Web UI or abort it with "temporal workflow signal --workflow-id ${workflowId} --name abort --input '\\"reason\\"'"`);
    }
    throw e;
  }
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

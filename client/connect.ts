import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { Config } from '../config/schema';

/**
 * Temporal connection settings, following Temporal's own conventions: the
 * config file gives address and namespace; a profile from Temporal's config
 * file (TEMPORAL_CONFIG_FILE / TEMPORAL_PROFILE) and the usual environment
 * (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*)
 * override it, exactly as they would for the `temporal` CLI. The API key and
 * TLS material stay in the environment, never in the coopci config.
 */
export function temporalSettings(config: Pick<Config, 'temporal'>) {
  const profile = loadClientConnectConfig();
  const address = profile.connectionOptions.address ?? config.temporal.address;
  return {
    address,
    namespace: profile.namespace ?? config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    connection: { ...profile.connectionOptions, address },
  };
}

export class UnreachableError extends Error {
  override name = 'UnreachableError';
}

export async function connectClient(config: Pick<Config, 'temporal'>): Promise<Client> {
  const s = temporalSettings(config);
  try {
    const connection = await Connection.connect({ ...s.connection, connectTimeout: '5s' });
    return new Client({ connection, namespace: s.namespace });
  } catch (e) {
    throw new UnreachableError(
      `cannot reach the Temporal server at ${s.address} (${(e as Error).message.split('\n')[0]}).\n` +
        `Start one with "npm start" (local dev server) or set TEMPORAL_ADDRESS / temporal.address in the config.`,
    );
  }
}

/** The Web UI's list of the namespace's workflows; a workflow's page is this plus its id. */
export function uiWorkflowsUrl(config: Pick<Config, 'temporal'>): string {
  return `${config.temporal.uiUrl}/namespaces/${encodeURIComponent(temporalSettings(config).namespace)}/workflows/`;
}

/** The workers that polled the config's task queue (workflow tasks), and how long ago. */
export async function taskQueuePollers(client: Client, config: Pick<Config, 'temporal'>): Promise<{ identity: string; secondsAgo: number }[]> {
  const s = temporalSettings(config);
  const { pollers } = await client.workflowService.describeTaskQueue({
    namespace: s.namespace,
    taskQueue: { name: s.taskQueue },
    taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
  });
  return (pollers ?? []).map((p) => ({
    identity: p.identity ?? 'unknown',
    secondsAgo: p.lastAccessTime?.seconds ? Math.max(0, Math.round(Date.now() / 1000 - Number(p.lastAccessTime.seconds))) : Infinity,
  }));
}

import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config/schema';
import { temporalSettings } from '../config/temporal';

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

import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config/schema';

/** Temporal connection settings: the config file, overridden by Temporal's usual environment variables. */
export function temporalSettings(config: Pick<Config, 'temporal'>) {
  return {
    address: process.env.TEMPORAL_ADDRESS ?? config.temporal.address,
    namespace: process.env.TEMPORAL_NAMESPACE ?? config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
  };
}

export class UnreachableError extends Error {
  override name = 'UnreachableError';
}

export async function connectClient(config: Pick<Config, 'temporal'>): Promise<Client> {
  const s = temporalSettings(config);
  try {
    const connection = await Connection.connect({ address: s.address, connectTimeout: '5s' });
    return new Client({ connection, namespace: s.namespace });
  } catch (e) {
    throw new UnreachableError(
      `cannot reach the Temporal server at ${s.address} (${(e as Error).message.split('\n')[0]}).\n` +
        `Start one with "npm start" (local dev server) or set TEMPORAL_ADDRESS / temporal.address in the config.`,
    );
  }
}

import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { Config } from './schema';

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

/** The Web UI's list of the namespace's workflows; a workflow's page is this plus its id. */
export function uiWorkflowsUrl(config: Pick<Config, 'temporal'>): string {
  return `${config.temporal.uiUrl}/namespaces/${encodeURIComponent(temporalSettings(config).namespace)}/workflows/`;
}

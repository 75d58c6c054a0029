import type { Client } from '@temporalio/client';
import { createCanonicalActivities } from './canonical-activities';
import { createDependencyActivities } from './dependency-activities';
import { createNotifyActivities } from './notify-activities';
import { createRecipeActivities } from './recipe-activities';
import { createSweepActivities } from './sweep-activities';
import { createWarmActivities } from './warm-activities';
import { docker } from '../adapters/swarm';
import { trustedConfig, trusting } from './trusted';

export interface ActivityDeps {
  /** The config file a sweep snapshot is read from. */
  configFile: string;
  client: Client;
}

export function createActivities(deps: ActivityDeps) {
  const d = docker();
  const config = trustedConfig(deps.configFile);
  const all = {
    ...createRecipeActivities(d),
    ...createCanonicalActivities(d),
    ...createSweepActivities(deps),
    ...createWarmActivities({ configFile: deps.configFile, docker: d }),
    // Cold-run dependencies look other recipes up in the same trusted config.
    ...createDependencyActivities({ docker: d, config }),
    // Webhook URLs are read from the same trusted config, never from a workflow's input.
    ...createNotifyActivities({ config }),
  };
  return trusting(all, config);
}

import type { Client } from '@temporalio/client';
import { createCanonicalActivities } from './canonical-activities';
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
  const all = {
    ...createRecipeActivities(d),
    ...createCanonicalActivities(d),
    ...createSweepActivities(deps),
    ...createWarmActivities({ configFile: deps.configFile, docker: d }),
  };
  return trusting(all, trustedConfig(deps.configFile));
}

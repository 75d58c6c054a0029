import type { Client } from '@temporalio/client';
import { createRecipeActivities } from './recipe-activities';
import { createSweepActivities } from './sweep-activities';
import { createWarmActivities } from './warm-activities';
import { docker } from './swarm';

export interface ActivityDeps {
  /** The config file a sweep snapshot is read from. */
  configFile: string;
  client: Client;
}

export function createActivities(deps: ActivityDeps) {
  const d = docker();
  return {
    ...createRecipeActivities(d),
    ...createSweepActivities(deps),
    ...createWarmActivities({ configFile: deps.configFile, docker: d }),
  };
}

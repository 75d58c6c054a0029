import { ApplicationFailure } from '@temporalio/common';
import path from 'node:path';
import { ConfigError, loadConfig } from '../config/load';
import type { Config } from '../config/schema';
import { uiWorkflowsUrl } from '../client/connect';
import type { ConfigSnapshot, RecipeSpec } from '../workflows/types';

/** The config, or a non-retryable failure naming the file and fields: retrying cannot fix a bad file. */
export async function loadOrFail(file: string) {
  try {
    return await loadConfig(file);
  } catch (e) {
    if (e instanceof ConfigError) throw ApplicationFailure.nonRetryable(e.message, 'ConfigError');
    throw e;
  }
}

export function snapshotOf(config: Config, file: string, digest: string, only?: string[]): ConfigSnapshot {
  const enrolled = config.recipes.filter((r) => r.enrolled);
  for (const name of only ?? []) {
    const r = config.recipes.find((x) => x.name === name);
    if (!r) throw ApplicationFailure.nonRetryable(`recipe "${name}" is not in ${file}`, 'UnknownRecipe');
    if (!r.enrolled) throw ApplicationFailure.nonRetryable(`recipe "${name}" is not enrolled (${r.exception})`, 'NotEnrolled');
  }
  let recipes: RecipeSpec[] = only ? enrolled.filter((r) => only.includes(r.name)) : enrolled;
  if (config.sweep.order === 'alphabetical') recipes = [...recipes].sort((a, b) => a.name.localeCompare(b.name));
  return {
    digest,
    lanes: config.sweep.lanes,
    ...(config.nodes.length > 0 ? { nodes: config.nodes } : {}),
    recipes,
    env: {
      stateDir: config.stateDir,
      configDir: path.dirname(file),
      abra: { bin: config.abra.bin, dir: config.abra.dir },
      server: config.server,
      ciDomain: config.ciDomain,
      liveWarmDomains: config.warm.map((w) => w.domain),
      timeouts: config.timeouts,
      uiWorkflows: uiWorkflowsUrl(config),
    },
  };
}

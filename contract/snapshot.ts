import { ApplicationFailure } from '@temporalio/common';
import path from 'node:path';
import type { Config } from '../config/schema';
import { uiWorkflowsUrl } from '../config/temporal';
import { notifyTargetsOf } from '../config/notifications';
import type { ConfigSnapshot, RecipeSpec } from './types';

/**
 * What a sweep (or a warm deploy, or an operator command) runs with, from a
 * loaded config: the enrolled recipes in order, and where things live. Only
 * enrolled recipes may be named in `only`.
 */
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
    ...(config.proxy ? { proxyApp: config.proxy.app } : {}),
    recipes,
    env: {
      stateDir: config.stateDir,
      configDir: path.dirname(file),
      abra: { bin: config.abra.bin, dir: config.abra.dir, domainChecks: config.abra.domainChecks },
      server: config.server,
      ciDomain: config.ciDomain,
      liveWarmDomains: config.warm.map((w) => w.domain),
      timeouts: config.timeouts,
      uiWorkflows: uiWorkflowsUrl(config),
      ...(config.canonicals.diskBudget ? { diskBudgetBytes: config.canonicals.diskBudget } : {}),
      notify: notifyTargetsOf(config.notifications),
    },
  };
}

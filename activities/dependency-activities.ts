/**
 * Cold-run dependencies (`recipes[].needs`): the apps a recipe's cold run
 * needs beside it, deployed first and torn down after it. The workflow holds
 * each dependency's recipe lock meanwhile, so its mirror and abra checkout
 * (ABRA_DIR/recipes/<dep>, shared with the dependency's own runs) are touched
 * by nobody else.
 *
 * Everything here is worked out from the worker's own config (as
 * activities/trusted.ts requires of whatever runs as the worker): the
 * dependency's spec, the domain it runs at and the values its env file gets,
 * from the names the workflow passes. A domain is never taken from the
 * input, so a teardown can only ever remove a dependency app (`dep-…`), never
 * a canonical or a cold app.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type Docker from 'dockerode';
import type { LoadedConfig } from '../config/load';
import { alreadyRunning } from '../domain/deploy-plan';
import { assertRecipeName } from '../domain/names';
import { dependencyDomain, dependencyPlan, type DependencyApp } from '../domain/needs';
import { effectiveTimeouts, type StepTimeoutKey } from '../domain/timeouts';
import { latestRelease } from '../domain/version';
import type { RecipeSpec, RunEnv } from '../contract/types';
import { Apps } from '../adapters/apps';
import { checkoutForAbra, syncMirror } from '../adapters/git';
import { canonicals } from '../state/canonicals';
import { paths } from '../state/paths';

interface Base {
  env: RunEnv;
  recipe: RecipeSpec;
}

/** A dependency of `dependent`'s cold run (`recipe` is the dependency). */
interface DependencyInput extends Base {
  dependent: string;
}

/** What the workflow needs to run a recipe's dependencies: each one's spec (its timeouts and gate size the steps) and domain, in deploy order. */
export interface DependenciesPlan {
  deps: { recipe: RecipeSpec; domain: string }[];
  /** The dependent's env file values (each need's variable: that dependency's domain). */
  env: Record<string, string>;
}

export interface DependencyDeployed {
  domain: string;
  version: string;
  /** Why that version: the dependency's canonical, or its latest release (no canonical). */
  source: 'canonical' | 'latest release';
  done: 'deployed' | 'already-deployed';
}

export function createDependencyActivities(deps: { docker: Docker; config: () => Promise<LoadedConfig> }) {
  const apps = (b: Base) => new Apps({ ...b.env, timeouts: effectiveTimeouts(b.env.timeouts, b.recipe.timeouts) }, deps.docker);
  const ms = (b: Base, key: StepTimeoutKey) => effectiveTimeouts(b.env.timeouts, b.recipe.timeouts)[key] * 1000;

  /** The dependent's plan from the worker's config; refuses a dependent or dependency the config does not (or no longer) name. */
  async function planOf(b: Base, dependent: string) {
    const { config } = await deps.config();
    if (!config.recipes.some((r) => r.name === dependent))
      throw ApplicationFailure.nonRetryable(`recipe "${dependent}" is not in the config`, 'UntrustedInput');
    return { config, plan: dependencyPlan(dependent, config.recipes, b.env.ciDomain) };
  }

  return {
    /** Which recipes the cold run of `recipe` needs, in deploy order, where each runs, and what the recipe's env file is told. */
    async planDependencies(b: Base): Promise<DependenciesPlan> {
      const { config, plan } = await planOf(b, b.recipe.name);
      return {
        deps: plan.deps.map((d) => ({ recipe: config.recipes.find((r) => r.name === d.recipe)!, domain: d.domain })),
        env: plan.env,
      };
    },

    /**
     * Deploys a dependency at its dependency domain for `dependent`: its
     * upstream mirror-synced; its canonical's version (the release known to
     * work here), else its latest release; checked out for abra; `app new`
     * with its own needs' domains in its env file, deploy, convergence, its
     * own health gate. Idempotent: a retry that finds it running that version
     * only gates it again; anything else left at the domain is removed first.
     */
    async deployDependency(b: DependencyInput): Promise<DependencyDeployed> {
      const { plan } = await planOf(b, b.dependent);
      const app: DependencyApp | undefined = plan.deps.find((d) => d.recipe === b.recipe.name);
      if (!app) throw ApplicationFailure.nonRetryable(`${b.dependent} does not need ${b.recipe.name} (the config changed?)`, 'NotADependency');
      const t = ms(b, 'mirrorSyncSeconds');
      const mirror = paths.mirror(b.env.stateDir, b.recipe.name);
      const { tags } = await syncMirror(b.recipe.upstream, mirror, t);
      const record = await canonicals.read(b.env.stateDir, b.recipe.name);
      let version: string;
      let source: DependencyDeployed['source'];
      if (record) {
        if (!tags.includes(record.version))
          throw ApplicationFailure.nonRetryable(`its canonical's version ${record.version} is no longer a tag of its upstream`, 'DependencyVersion');
        version = record.version;
        source = 'canonical';
      } else {
        const latest = latestRelease(tags, { includePrereleases: b.recipe.includePrereleases });
        if (!latest) throw ApplicationFailure.nonRetryable(`${b.recipe.name} has no canonical and no release tag to deploy`, 'DependencyVersion');
        version = latest;
        source = 'latest release';
      }
      const a = apps(b);
      if (alreadyRunning(await a.state(app.domain), version)) {
        await a.waitConverged(app.domain, ms(b, 'convergeSeconds'));
        await a.waitHealthy(app.domain, b.recipe.health);
        return { domain: app.domain, version, source, done: 'already-deployed' };
      }
      // A crashed attempt's half-made app (an env file without its values, a stack that never came up) goes first.
      await a.destroy(app.domain);
      await checkoutForAbra(mirror, paths.abraRecipe(b.env.abra.dir, b.recipe.name), version, t);
      try {
        await a.abra.appNew(b.recipe.name, version, app.domain, ms(b, 'deploySeconds'), app.env);
        await a.rollOut(app.domain, version, b.recipe.health, 'deploy');
      } catch (e) {
        // The dependency did not come up: a result for the cold run (red, naming it), as a red tier is; not retried.
        // A worker that dies mid-deploy is still retried (a timeout), and the retry starts clean.
        if (e instanceof CancelledFailure || Context.current().cancellationSignal.aborted) throw new CancelledFailure(`dependency ${b.recipe.name} cancelled`);
        throw ApplicationFailure.nonRetryable(`${version}: ${(e as Error).message}`, 'DependencyDown');
      }
      return { domain: app.domain, version, source, done: 'deployed' };
    },

    /** Removes a dependency app completely and proves nothing is left; nothing there is fine. */
    async teardownDependency(b: DependencyInput): Promise<void> {
      await apps(b).destroy(dependencyDomain(b.recipe.name, assertRecipeName(b.dependent), b.env.ciDomain));
    },
  };
}

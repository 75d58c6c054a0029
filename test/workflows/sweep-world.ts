/**
 * A scripted world for sweep tests: each recipe says what its upstream, its
 * registry record and its tiers do, and the mocks play it back (the registry
 * of canonicals is an in-memory map, so labels come from it as in production).
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { CanonicalRecord } from '../../domain/registry-record';
import type { ConfigSnapshot, RecipeSpec, SweepInput, TierName } from '../../contract/types';
import type { sweepWorkflow } from '../../workflows/sweep';
import { CallLog, deferred, env, fail, pause, uniqueId, type Hold, type InputOf, type Mocks } from './harness';

export interface RecipeScript {
  /** Release tags upstream (default: one release, 1.0.0+1.0). */
  tags?: string[];
  /** The version already canonical in the registry. */
  canonical?: string;
  /** The mirror already equals upstream: the read-only look sees the tags without a sync (a recipe nothing happened to since last week). */
  mirrorCurrent?: boolean;
  /** mirror-sync fails with this message. */
  syncFails?: string;
  /** This tier comes back red. */
  redTier?: TierName;
  /** ...with this reason (default `<tier> broke`). */
  redReason?: string;
  /** ...only on its first this many runs, then it passes (a flake). */
  redRuns?: number;
  /** The recipe's flakeRetries. */
  flakeRetries?: number;
  /** promoteDeploy fails, non-retryably, with this message. */
  promoteFails?: string;
  /** The install tier stops here until the test releases it or the workflow cancels it. */
  hold?: Hold;
  /** restoreCanonical fails, non-retryably, with this message. */
  restoreFails?: string;
  /** promoteDeploy stops here until the test releases it, deaf to cancellation meanwhile (a deploy in flight). */
  promoteHold?: Hold;
}

export interface WorldOptions {
  lanes?: number;
  /** mirror-sync takes this long (so recipes that overlap would be seen overlapping). */
  syncMs?: number;
  /** Each recipe waits in mirror-sync until two recipes are in flight at once; it fails if that does not happen within 5 s. */
  meetInSync?: boolean;
  /** Scale-out nodes (each polls the test's own task queue), and recipes whose canonical is on one of them. */
  nodes?: { name: string; server: string }[];
  pins?: Record<string, string>;
  /** Loading the config snapshot stops here until the test releases it (the sweep is still starting). */
  loadHold?: Hold;
  /** The config's proxy (a sweep waits while it is being deployed). */
  proxyApp?: string;
}

export const spec = (name: string): RecipeSpec => ({
  name,
  upstream: `/nonexistent/upstream/${name}`,
  enrolled: true,
  includePrereleases: false,
  health: { url: 'https://{domain}/', allowedStatus: [200], intervalSeconds: 1, deadlineSeconds: 10, consecutive: 1, requestTimeoutSeconds: 2 },
});

const record = (recipe: string, version: string): CanonicalRecord => ({
  recipe,
  version,
  commit: 'c0ffee'.padEnd(40, '0'),
  domain: `warm-${recipe}.ci.test.local`,
  status: 'idle',
  ts: '2026-01-01T00:00:00.000Z',
});

export function sweepWorld(scripts: Record<string, RecipeScript>, opts: WorldOptions = {}) {
  const log = new CallLog();
  const script = (name: string) => scripts[name]!;
  const registry = new Map(Object.entries(scripts).flatMap(([name, s]) => (s.canonical ? [[name, record(name, s.canonical)] as const] : [])));
  const recipes = Object.entries(scripts).map(([name, s]) => ({ ...spec(name), ...(s.flakeRetries ? { flakeRetries: s.flakeRetries } : {}) }));
  const snapshot: ConfigSnapshot = { digest: 'digest-1', env, recipes, lanes: opts.lanes ?? 1, ...(opts.proxyApp ? { proxyApp: opts.proxyApp } : {}) };
  const redSoFar = new Map<string, number>();

  // Recipes in flight: from their first look or mirror-sync to their result being written.
  const inFlight = new Set<string>();
  const flight = { max: 0 };
  const takeOff = (recipe: string) => {
    inFlight.add(recipe);
    flight.max = Math.max(flight.max, inFlight.size);
  };
  const twoAtOnce = deferred();

  const mocks: Mocks = {
    async loadConfigSnapshot({ recipes }) {
      await opts.loadHold?.wait();
      const { taskQueue } = Context.current().info;
      const scaleOut = opts.nodes ? { nodes: opts.nodes.map((n) => ({ ...n, taskQueue })), pins: opts.pins ?? {} } : {};
      return { ...snapshot, ...scaleOut, recipes: snapshot.recipes.filter((r) => !recipes || recipes.includes(r.name)) };
    },
    async sweepLockHolder() {
      return null;
    },
    async clearStaleSweepLock() {
      return false;
    },
    async writeSweepReport({ result }) {
      return `/nonexistent/state/runs/${result.sweepId}/report.md`;
    },
    async lookAtRecipe({ recipe }) {
      const s = script(recipe.name);
      if (s.syncFails) throw fail(s.syncFails);
      if (s.mirrorCurrent) takeOff(recipe.name);
      return { tags: s.mirrorCurrent ? (s.tags ?? ['1.0.0+1.0']) : null, canonical: registry.get(recipe.name) ?? null };
    },
    async syncRecipe({ recipe }) {
      takeOff(recipe.name);
      if (inFlight.size >= 2) twoAtOnce.resolve();
      if (opts.syncMs) await pause(opts.syncMs);
      if (opts.meetInSync && !(await Promise.race([twoAtOnce.promise.then(() => true), pause(5_000).then(() => false)]))) {
        throw fail('no second recipe ran beside this one');
      }
      const s = script(recipe.name);
      if (s.syncFails) throw fail(s.syncFails);
      return { tags: s.tags ?? ['1.0.0+1.0'] };
    },
    async readCanonical({ recipe }) {
      return registry.get(recipe) ?? null;
    },
    async prepareColdRun({ recipe, version }) {
      return { domain: `cold-${recipe.name}.ci.test.local`, commit: `${version}-commit`, previous: null, backup: false };
    },
    async runTier({ recipe, tier }) {
      const s = script(recipe.name);
      if (tier === 'install') await s.hold?.wait();
      const runs = (redSoFar.get(recipe.name) ?? 0) + (s.redTier === tier ? 1 : 0);
      redSoFar.set(recipe.name, runs);
      const red = s.redTier === tier && (s.redRuns === undefined || runs <= s.redRuns);
      return red ? { tier, status: 'fail', reason: s.redReason ?? `${tier} broke`, durationMs: 1 } : { tier, status: 'pass', durationMs: 1 };
    },
    async teardownColdApp() {
      return { bytes: 1234 };
    },
    async promoteDeploy({ recipe }) {
      const s = script(recipe.name);
      await s.promoteHold?.waitIgnoringCancel();
      if (s.promoteFails) throw fail(s.promoteFails);
      return { domain: `warm-${recipe.name}.ci.test.local`, done: 'deployed' };
    },
    async promoteIdle() {
      return { bytes: 4321 };
    },
    async snapshotCanonical({ recipe }) {
      return `/nonexistent/state/snapshots/${recipe.name}`;
    },
    async restoreCanonical({ recipe, domain, version }) {
      const s = script(recipe.name);
      if (s.restoreFails) throw fail(s.restoreFails);
      return `${domain} back at ${version}, healthy, idle`;
    },
    async dropCanonicalSnapshot() {},
    async writeAlert({ key }) {
      return `/nonexistent/state/alerts/${key}.json`;
    },
    async recordCanonical({ recipe, version, node }) {
      const r = { ...record(recipe.name, version), ...(node ? { node } : {}) };
      registry.set(recipe.name, r);
      return r;
    },
    async writeRecipeResult({ result }) {
      inFlight.delete(result.recipe);
    },
  };

  return {
    log,
    mocks: log.record(mocks),
    /** The most recipes that were in flight at once. */
    maxInFlight: () => flight.max,
    /** What one recipe workflow did, in order, with the tier for runTier: `runTier:install`. */
    steps(workflowId: string): string[] {
      return log.by(workflowId).map((c) => (c.activity === 'runTier' ? `runTier:${(c.input as InputOf<'runTier'>).tier}` : c.activity));
    },
  };
}

/** The steps of a recipe that is green through every tier and promoted. */
export const GREEN_AND_PROMOTED = [
  'syncRecipe',
  'readCanonical',
  'prepareColdRun',
  'runTier:install',
  'runTier:upgrade',
  'runTier:backup',
  'runTier:restore',
  'runTier:custom',
  'teardownColdApp',
  'promoteDeploy',
  'promoteIdle',
  'recordCanonical',
  'readCanonical',
  'writeRecipeResult',
];

/** Starts the real sweepWorkflow on the test's task queue. */
export function startSweep(client: Client, taskQueue: string, input: SweepInput = {}, workflowId = uniqueId('sweep')) {
  return client.workflow.start<typeof sweepWorkflow>('sweepWorkflow', { workflowId, taskQueue, args: [input] });
}

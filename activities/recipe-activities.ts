import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import type Docker from 'dockerode';
import { canonicalDomain } from '../domain/canonical-domain';
import { alreadyRunning } from '../domain/deploy-plan';
import { fillTemplate } from '../domain/template';
import { effectiveTimeouts } from '../domain/timeouts';
import { nodeMismatch, type CanonicalRecord } from '../domain/registry-record';
import { canonicals } from '../state/canonicals';
import { coldDomain } from '../domain/stack-name';
import { upgradeBase } from '../domain/version';
import type { RecipeResult, RecipeSpec, RunEnv, TierName, TierResult } from '../contract/types';
import { Apps } from '../adapters/apps';
import { checkoutForAbra, declaresBackup, listTags, syncMirror, tagCommit } from '../adapters/git';
import { junitForTier, parseJunit } from '../adapters/junit';
import { writeJsonAtomic } from '../state/json-store';
import { runCommand } from '../adapters/run-command';
import { paths } from '../state/paths';

interface Base {
  env: RunEnv;
  recipe: RecipeSpec;
}

export interface ColdPlan {
  domain: string;
  commit: string;
  /** The upgrade tier's starting release; null when there is none (see upgradeProblem). */
  previous: string | null;
  /** Why the configured upgradeFrom cannot be used: the upgrade tier fails with it. */
  upgradeProblem?: string;
  backup: boolean;
}

export interface TierInput extends Base, ColdPlan {
  tier: TierName;
  version: string;
  runDir: string;
  /** A re-run of a red tier (flakeRetries): start again from a fresh cold app. */
  fresh?: boolean;
}

/** The run's settings with the recipe's effective timeouts. */
function timeoutsFor(env: RunEnv, recipe: RecipeSpec): RunEnv {
  return { ...env, timeouts: effectiveTimeouts(env.timeouts, recipe.timeouts) };
}

export function createRecipeActivities(docker: Docker) {
  const apps = (b: Base) => new Apps(timeoutsFor(b.env, b.recipe), docker);
  const ms = (b: Base, key: keyof RunEnv['timeouts']) => timeoutsFor(b.env, b.recipe).timeouts[key] * 1000;

  return {
    /** mirror-sync, then the mirror's tags. A failure here ends the recipe: never test a stale mirror. */
    async syncRecipe(b: Base): Promise<{ tags: string[] }> {
      const mirror = paths.mirror(b.env.stateDir, b.recipe.name);
      await syncMirror(b.recipe.upstream, mirror, ms(b, 'mirrorSyncSeconds'));
      return { tags: await listTags(mirror, ms(b, 'mirrorSyncSeconds')) };
    },

    async readCanonical(b: { env: RunEnv; recipe: string }): Promise<CanonicalRecord | null> {
      return canonicals.read(b.env.stateDir, b.recipe);
    },

    /** Checks out the tag for abra, clears a crashed run's cold app, and works out which tiers apply. */
    async prepareColdRun(b: Base & { version: string; tags: string[] }): Promise<ColdPlan> {
      const mirror = paths.mirror(b.env.stateDir, b.recipe.name);
      const t = ms(b, 'mirrorSyncSeconds');
      await checkoutForAbra(mirror, paths.abraRecipe(b.env.abra.dir, b.recipe.name), b.version, t);
      const domain = coldDomain(b.recipe.name, b.env.ciDomain);
      await apps(b).destroy(domain);
      const base = upgradeBase(b.tags, b.version, b.recipe.upgradeFrom);
      return {
        domain,
        commit: await tagCommit(mirror, b.version, t),
        previous: 'from' in base ? base.from : null,
        ...('problem' in base ? { upgradeProblem: base.problem } : {}),
        backup: await declaresBackup(mirror, b.version, t),
      };
    },

    /**
     * One tier of the cold run. A red tier is a result, not an error (no
     * retry); only cancellation propagates, so the workflow can clean up.
     */
    async runTier(i: TierInput): Promise<TierResult> {
      const start = Date.now();
      const a = apps(i);
      let status: TierResult['status'] = 'pass';
      let reason: string | undefined;
      const na = (why: string) => {
        status = 'n/a';
        reason = why;
      };
      const junit = path.join('junit', `${i.tier}.xml`);
      await mkdir(path.join(i.runDir, 'junit'), { recursive: true });
      // A report left by an earlier attempt must never be read (or kept) as this attempt's.
      await rm(path.join(i.runDir, junit), { force: true });
      const install = async () => {
        await a.destroy(i.domain);
        await a.abra.appNew(i.recipe.name, i.version, i.domain, ms(i, 'deploySeconds'));
        await a.rollOut(i.domain, i.version, i.recipe.health, 'deploy');
      };
      const expected = i.tier === 'install' ? undefined : i.recipe.tiers?.[i.tier];
      try {
        if (expected?.expected === 'n/a') na(`expected n/a: ${expected.reason}`);
        else {
          if (i.fresh && (i.tier === 'backup' || i.tier === 'restore' || i.tier === 'custom')) {
            // A re-run starts from a fresh cold app (install and upgrade make their own); a restore needs its backup again.
            await install();
            if (i.tier === 'restore') await a.abra.backup(i.domain, ms(i, 'backupSeconds'));
          }
          await runOneTier();
        }
      } catch (e) {
        if (Context.current().cancellationSignal.aborted) throw new CancelledFailure(`tier ${i.tier} cancelled`);
        status = 'fail';
        reason = (e as Error).message;
      }
      async function runOneTier() {
        switch (i.tier) {
          case 'install':
            await install();
            break;
          case 'upgrade':
            if (i.upgradeProblem) throw new Error(i.upgradeProblem);
            if (!i.previous) {
              na('no earlier release to upgrade from');
              break;
            }
            await a.destroy(i.domain);
            await a.abra.appNew(i.recipe.name, i.previous, i.domain, ms(i, 'deploySeconds'));
            await a.rollOut(i.domain, i.previous, i.recipe.health, 'deploy');
            await a.rollOut(i.domain, i.version, i.recipe.health, 'upgrade');
            break;
          case 'backup':
            if (!i.backup) na('the recipe declares no backups');
            else await a.abra.backup(i.domain, ms(i, 'backupSeconds'));
            break;
          case 'restore':
            if (!i.backup) na('the recipe declares no backups');
            else {
              await a.abra.restore(i.domain, ms(i, 'backupSeconds'));
              await a.waitConverged(i.domain, ms(i, 'convergeSeconds'));
              await a.waitHealthy(i.domain, i.recipe.health);
            }
            break;
          case 'custom':
            if (!i.recipe.test) na('no test command configured');
            else reason = await runCustomTests(i);
            break;
        }
      }
      const durationMs = Date.now() - start;
      // The test command's own report is the evidence when it wrote one (failing tests included); else one case for the tier.
      const ownReport = i.tier === 'custom' && (await exists(path.join(i.runDir, junit)));
      if (!ownReport) await writeFile(path.join(i.runDir, junit), junitForTier(i.recipe.name, i.tier, status, durationMs, reason));
      const result: TierResult = { tier: i.tier, status, durationMs, junit, ...(reason ? { reason } : {}) };
      await writeJsonAtomic(path.join(i.runDir, 'tiers', `${i.tier}.json`), result);
      return result;
    },

    /** Always runs (also on failure and abort): nothing of the cold app may be left. */
    async teardownColdApp(b: Base): Promise<void> {
      await apps(b).destroy(coldDomain(b.recipe.name, b.env.ciDomain));
    },

    /**
     * Deploys the warm canonical at the tested version and health-gates it.
     * Idempotent: a record already at this version, or the app already running
     * this version (a retry after a crash), deploys nothing again.
     */
    async promoteDeploy(b: Base & { version: string; node?: string }): Promise<{ domain: string; done: 'deployed' | 'already-recorded' | 'already-deployed' }> {
      const domain = canonicalDomain(b.recipe.name, b.env.ciDomain, b.env.liveWarmDomains);
      const record = await canonicals.read(b.env.stateDir, b.recipe.name);
      if (record?.version === b.version) return { domain, done: 'already-recorded' };
      canonicals.assertNotBackwards(b.recipe.name, record, b.version);
      const elsewhere = nodeMismatch(record, b.node);
      if (elsewhere) throw ApplicationFailure.nonRetryable(`${elsewhere}: not advanced here (its data is there)`, 'CanonicalOnAnotherNode');
      // Deploy exactly the tested tag: the checkout the cold run left may be hours old, or moved by another run since.
      await checkoutForAbra(
        paths.mirror(b.env.stateDir, b.recipe.name),
        paths.abraRecipe(b.env.abra.dir, b.recipe.name),
        b.version,
        ms(b, 'mirrorSyncSeconds'),
      );
      const a = apps(b);
      if (alreadyRunning(await a.state(domain), b.version)) {
        await a.waitConverged(domain, ms(b, 'convergeSeconds'));
        await a.waitHealthy(domain, b.recipe.health);
        return { domain, done: 'already-deployed' };
      }
      if (!record) {
        await clearFailedSeed(a, b, domain);
        await canonicals.writeSeedMarker(b.env.stateDir, { recipe: b.recipe.name, version: b.version, domain });
      } else if (await a.isDeployed(domain)) {
        // A canonical must be idle; one left running is undeployed, keeping its volumes.
        await a.undeploy(domain, ms(b, 'teardownSeconds'));
      }
      if (!(await a.envFileExists(domain))) await a.abra.appNew(b.recipe.name, b.version, domain, ms(b, 'deploySeconds'));
      await a.rollOut(domain, b.version, b.recipe.health, 'deploy');
      return { domain, done: 'deployed' };
    },

    /** Returns the canonical to idle: undeployed, volumes kept for the next warm reattach. */
    async promoteIdle(b: Base & { domain: string }): Promise<void> {
      const a = apps(b);
      await a.undeploy(b.domain, ms(b, 'teardownSeconds'));
    },

    /** Writes the canonical record atomically; it never goes backwards, and rewriting the same version keeps the first record. */
    async recordCanonical(b: Base & { version: string; commit: string; domain: string; node?: string }): Promise<CanonicalRecord> {
      return canonicals.write(b.env.stateDir, {
        recipe: b.recipe.name,
        version: b.version,
        commit: b.commit,
        domain: b.domain,
        ...(b.node ? { node: b.node } : {}),
      });
    },

    async writeRecipeResult(r: { runDir: string; result: RecipeResult }): Promise<void> {
      await writeJsonAtomic(path.join(r.runDir, 'result.json'), r.result);
    },
  };
}

/**
 * Before a seed: whatever is at the canonical's domain goes only when a seed
 * marker proves it is a failed seed's leftover. Anything else may be a
 * canonical whose record was lost (a state dir not on a volume, a record
 * removed by hand): its data is kept and the promote is refused, saying how
 * to adopt or forget it.
 */
async function clearFailedSeed(a: Apps, b: Base, domain: string): Promise<void> {
  const held = await a.holdings(domain);
  if (held.length === 0) return;
  const marker = await canonicals.readSeedMarker(b.env.stateDir, b.recipe.name);
  if (marker?.domain === domain) {
    await a.destroy(domain);
    return;
  }
  throw ApplicationFailure.nonRetryable(
    `${domain} holds data but ${b.recipe.name} has no canonical record (lost?): kept, nothing removed. ` +
      `Adopt it with "coopci canonical adopt ${b.recipe.name}" or remove it with "coopci canonical forget ${b.recipe.name} --destroy-data". ` +
      `It holds: ${held.join('; ')}`,
    'UnrecordedCanonical',
  );
}

/** The recipe's own test command: argv without a shell, JUnit parsed when it writes one. Returns a note or throws. */
async function runCustomTests(i: TierInput): Promise<string | undefined> {
  const test = i.recipe.test!;
  const junit = path.join(i.runDir, 'junit', 'custom.xml');
  const url = fillTemplate(i.recipe.health.url, { domain: i.domain });
  const values = { domain: i.domain, url, junit, version: i.version, recipe: i.recipe.name };
  const [file, ...args] = test.command.map((arg) => fillTemplate(arg, values));
  let commandError: Error | null = null;
  try {
    await runCommand(file!, args, { cwd: i.env.configDir, timeoutMs: test.timeoutSeconds * 1000, label: `test command ${file}` });
  } catch (e) {
    commandError = e as Error;
  }
  const hasJunit = await exists(junit);
  if (hasJunit) {
    const s = parseJunit(await readFile(junit, 'utf8'));
    if (s.failures + s.errors > 0) throw new Error(`${s.failures + s.errors} of ${s.tests} tests failed: ${s.failed.slice(0, 5).join(', ')}`);
    if (commandError) throw commandError;
    return `${s.tests} tests passed${s.skipped ? `, ${s.skipped} skipped` : ''}`;
  }
  if (commandError) throw commandError;
  return 'test command passed (no JUnit report written)';
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

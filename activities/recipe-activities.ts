import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CancelledFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import type Docker from 'dockerode';
import { canonicalDomain } from '../domain/canonical-domain';
import { CanonicalRecord } from '../domain/registry-record';
import { coldDomain } from '../domain/stack-name';
import { previousRelease } from '../domain/version';
import type { RecipeResult, RecipeSpec, RunEnv, TierName, TierResult } from '../workflows/types';
import { Apps } from './apps';
import { checkoutForAbra, declaresBackup, listTags, syncMirror, tagCommit } from './git';
import { junitForTier, parseJunit } from './junit';
import { readJson, writeJsonAtomic } from './registry';
import { runCommand } from './run-command';
import { paths } from './state-paths';

interface Base {
  env: RunEnv;
  recipe: RecipeSpec;
}

export interface ColdPlan {
  domain: string;
  commit: string;
  previous: string | null;
  backup: boolean;
}

export interface TierInput extends Base, ColdPlan {
  tier: TierName;
  version: string;
  runDir: string;
}

/** A recipe's effective timeouts: the global ones with its own overrides. */
export function timeoutsFor(env: RunEnv, recipe: RecipeSpec): RunEnv {
  return { ...env, timeouts: { ...env.timeouts, ...recipe.timeouts } };
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
      return readJson(paths.canonical(b.env.stateDir, b.recipe), CanonicalRecord);
    },

    /** Checks out the tag for abra, clears a crashed run's cold app, and works out which tiers apply. */
    async prepareColdRun(b: Base & { version: string; tags: string[] }): Promise<ColdPlan> {
      const mirror = paths.mirror(b.env.stateDir, b.recipe.name);
      const t = ms(b, 'mirrorSyncSeconds');
      await checkoutForAbra(mirror, paths.abraRecipe(b.env.abra.dir, b.recipe.name), b.version, t);
      const domain = coldDomain(b.recipe.name, b.env.ciDomain);
      await apps(b).destroy(domain);
      return {
        domain,
        commit: await tagCommit(mirror, b.version, t),
        previous: previousRelease(b.tags, b.version),
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
      try {
        switch (i.tier) {
          case 'install':
            await a.destroy(i.domain);
            await a.abra.appNew(i.recipe.name, i.version, i.domain, ms(i, 'deploySeconds'));
            await a.rollOut(i.domain, i.version, i.recipe.health, 'deploy');
            break;
          case 'upgrade':
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
      } catch (e) {
        if (Context.current().cancellationSignal.aborted) throw new CancelledFailure(`tier ${i.tier} cancelled`);
        status = 'fail';
        reason = (e as Error).message;
      }
      const durationMs = Date.now() - start;
      const junit = path.join('junit', `${i.tier}.xml`);
      await mkdir(path.join(i.runDir, 'junit'), { recursive: true });
      if (i.tier !== 'custom' || status !== 'pass') {
        await writeFile(path.join(i.runDir, junit), junitForTier(i.recipe.name, i.tier, status, durationMs, reason));
      }
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
    async promoteDeploy(b: Base & { version: string }): Promise<{ domain: string; done: 'deployed' | 'already-recorded' | 'already-deployed' }> {
      const domain = canonicalDomain(b.recipe.name, b.env.ciDomain, b.env.liveWarmDomains);
      const record = await readJson(paths.canonical(b.env.stateDir, b.recipe.name), CanonicalRecord);
      if (record?.version === b.version) return { domain, done: 'already-recorded' };
      const a = apps(b);
      if ((await a.isDeployed(domain)) && (await a.appVersion(domain)) === b.version) {
        await a.waitConverged(domain, ms(b, 'convergeSeconds'));
        await a.waitHealthy(domain, b.recipe.health);
        return { domain, done: 'already-deployed' };
      }
      if (!record) {
        // Fresh seed: a failed earlier attempt's stack and secrets must not block this one.
        await a.destroy(domain);
      } else if (await a.isDeployed(domain)) {
        // A canonical must be idle; one left running is undeployed, keeping its volumes.
        await a.abra.undeploy(domain, ms(b, 'teardownSeconds'));
      }
      if (!(await a.envFileExists(domain))) await a.abra.appNew(b.recipe.name, b.version, domain, ms(b, 'deploySeconds'));
      await a.rollOut(domain, b.version, b.recipe.health, 'deploy');
      return { domain, done: 'deployed' };
    },

    /** Returns the canonical to idle: undeployed, volumes kept for the next warm reattach. */
    async promoteIdle(b: Base & { domain: string }): Promise<void> {
      const a = apps(b);
      if (await a.isDeployed(b.domain)) await a.abra.undeploy(b.domain, ms(b, 'teardownSeconds'));
    },

    /** Writes the canonical record atomically; rewriting the same version keeps the first record. */
    async recordCanonical(b: Base & { version: string; commit: string; domain: string }): Promise<CanonicalRecord> {
      const file = paths.canonical(b.env.stateDir, b.recipe.name);
      const existing = await readJson(file, CanonicalRecord);
      if (existing?.version === b.version) return existing;
      const record = CanonicalRecord.parse({
        recipe: b.recipe.name,
        version: b.version,
        commit: b.commit,
        domain: b.domain,
        status: 'idle',
        ts: new Date().toISOString(),
      });
      await writeJsonAtomic(file, record);
      return record;
    },

    async writeRecipeResult(r: { runDir: string; result: RecipeResult }): Promise<void> {
      await writeJsonAtomic(path.join(r.runDir, 'result.json'), r.result);
    },
  };
}

/** The recipe's own test command: argv without a shell, JUnit parsed when it writes one. Returns a note or throws. */
async function runCustomTests(i: TierInput): Promise<string | undefined> {
  const test = i.recipe.test!;
  const junit = path.join(i.runDir, 'junit', 'custom.xml');
  const url = i.recipe.health.url.replaceAll('{domain}', i.domain);
  const subst = (s: string) =>
    s.replaceAll('{domain}', i.domain).replaceAll('{url}', url).replaceAll('{junit}', junit).replaceAll('{version}', i.version).replaceAll('{recipe}', i.recipe.name);
  const [file, ...args] = test.command.map(subst);
  let commandError: Error | null = null;
  try {
    await runCommand(file!, args, { cwd: i.env.configDir, timeoutMs: test.timeoutSeconds * 1000, label: `test command ${file}` });
  } catch (e) {
    commandError = e as Error;
  }
  const hasJunit = await stat(junit).then(() => true, () => false);
  if (hasJunit) {
    const s = parseJunit(await readFile(junit, 'utf8'));
    if (s.failures + s.errors > 0) throw new Error(`${s.failures + s.errors} of ${s.tests} tests failed: ${s.failed.slice(0, 5).join(', ')}`);
    if (commandError) throw commandError;
    return `${s.tests} tests passed${s.skipped ? `, ${s.skipped} skipped` : ''}`;
  }
  if (commandError) throw commandError;
  return 'test command passed (no JUnit report written)';
}

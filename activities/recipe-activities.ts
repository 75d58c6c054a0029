import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import type Docker from 'dockerode';
import { canonicalDomain } from '../domain/canonical-domain';
import { alreadyRunning } from '../domain/deploy-plan';
import { fillTemplate } from '../domain/template';
import { effectiveTimeouts, type StepTimeoutKey } from '../domain/timeouts';
import { nodeMismatch, type CanonicalRecord } from '../domain/registry-record';
import { canonicals } from '../state/canonicals';
import { coldDomain, stackName } from '../domain/stack-name';
import { compareVersions, isVersion, latestRelease, upgradeBase } from '../domain/version';
import { isCommit, notSelected, refProblem, refUpgradeBase } from '../domain/on-demand';
import type { OnDemand, RecipeResult, RecipeSpec, RunEnv, TierName, TierResult } from '../contract/types';
import { CHECKOUT } from '../adapters/abra';
import { Apps } from '../adapters/apps';
import { copyStackVolumes, stackVolumeSizes } from '../adapters/volumes';
import { budgetRefusal } from '../domain/size';
import { upstreamGone } from '../domain/upstream-gone';
import { checkoutForAbra, declaresBackup, peekMirror, resolveRef, syncMirror, tagCommit } from '../adapters/git';
import { junitForTier, parseJunit } from '../adapters/junit';
import { writeJsonAtomic } from '../state/json-store';
import { CommandError, runCommand } from '../adapters/run-command';
import { withStepsOnResult } from '../adapters/timing';
import { DUMP_STYLE_HINT, MARKER_FILE, markerPlace, readMarker, writeMarker } from '../adapters/restore-marker';
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
  /** `version` is a commit (an on-demand run of a branch or commit): deployed as it is checked out (abra's --chaos). */
  chaos?: boolean;
  /** An on-demand quick run: install reattaches to a copy of this canonical's volumes, at its version. */
  reattach?: { from: string; domain: string };
  /** An on-demand run's tiers; the others are n/a. Absent: all. */
  tiers?: TierName[];
  /** recipes[].needs: the dependencies' domains, written into the cold app's env file (set by the workflow, not by prepareColdRun). */
  needsEnv?: Record<string, string>;
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

/** One of the recipe's effective timeouts, in milliseconds. */
const ms = (b: Base, key: StepTimeoutKey) => timeoutsFor(b.env, b.recipe).timeouts[key] * 1000;

export function createRecipeActivities(docker: Docker) {
  const apps = (b: Base) => new Apps(timeoutsFor(b.env, b.recipe), docker);

  return {
    /** mirror-sync, then the mirror's tags. A failure here ends the recipe: never test a stale mirror. */
    async syncRecipe(b: Base): Promise<{ tags: string[] }> {
      const mirror = paths.mirror(b.env.stateDir, b.recipe.name);
      try {
        const { tags } = await syncMirror(b.recipe.upstream, mirror, ms(b, 'mirrorSyncSeconds'));
        return { tags };
      } catch (e) {
        // Not there at all: another attempt would only delay the FAILED label by its backoff.
        if (e instanceof CommandError && upstreamGone(e.message)) throw ApplicationFailure.nonRetryable(e.message, 'UpstreamGone');
        throw e;
      }
    },

    /**
     * The quick path's one look, read-only (no lock needed): the mirror's tags
     * when it already equals upstream (null: a sync under the lock is needed),
     * and the canonical record.
     */
    async lookAtRecipe(b: Base): Promise<{ tags: string[] | null; canonical: CanonicalRecord | null }> {
      const mirror = paths.mirror(b.env.stateDir, b.recipe.name);
      const [tags, canonical] = await Promise.all([
        // Upstream unreachable or gone: not settled here; the sync under the lock fails and says why.
        peekMirror(b.recipe.upstream, mirror, ms(b, 'mirrorSyncSeconds')).catch(() => null),
        canonicals.read(b.env.stateDir, b.recipe.name),
      ]);
      return { tags, canonical };
    },

    async readCanonical(b: { env: RunEnv; recipe: string }): Promise<CanonicalRecord | null> {
      return canonicals.read(b.env.stateDir, b.recipe);
    },

    /** An on-demand run's ref, in the mirror synced just now; a release tag is tested as a release. */
    async resolveRef(b: Base & { ref: string }): Promise<{ commit: string; kind: 'tag' | 'branch' | 'commit'; release: string | null }> {
      const problem = refProblem(b.ref);
      if (problem) throw ApplicationFailure.nonRetryable(problem, 'BadRef');
      const r = await resolveRef(paths.mirror(b.env.stateDir, b.recipe.name), b.ref, ms(b, 'mirrorSyncSeconds'));
      return { ...r, release: r.kind === 'tag' && isVersion(b.ref) ? b.ref : null };
    },

    /** Checks out the tag for abra, clears a crashed run's cold app, and works out which tiers apply. */
    async prepareColdRun(b: Base & { version: string; tags: string[]; onDemand?: OnDemand }): Promise<ColdPlan> {
      const mirror = paths.mirror(b.env.stateDir, b.recipe.name);
      const t = ms(b, 'mirrorSyncSeconds');
      await checkoutForAbra(mirror, paths.abraRecipe(b.env.abra.dir, b.recipe.name), b.version, t);
      const domain = coldDomain(b.recipe.name, b.env.ciDomain);
      await apps(b).destroy(domain);
      // An on-demand run of a branch or commit: `version` is the commit, deployed as it is.
      const chaos = isCommit(b.version);
      const base = chaos
        ? refUpgradeBase(b.tags, latestRelease(b.tags, { includePrereleases: b.recipe.includePrereleases }), b.recipe.upgradeFrom)
        : upgradeBase(b.tags, b.version, b.recipe.upgradeFrom);
      const onDemand = b.onDemand ? await onDemandPlan(b, b.onDemand) : {};
      return {
        ...onDemand,
        ...(chaos ? { chaos } : {}),
        domain,
        commit: chaos ? b.version : await tagCommit(mirror, b.version, t),
        previous: 'from' in base ? base.from : null,
        ...('problem' in base ? { upgradeProblem: base.problem } : {}),
        backup: await declaresBackup(mirror, b.version, t),
      };
    },

    /**
     * One tier of the cold run. A red tier is a result, not an error (no
     * retry); only cancellation propagates, so the workflow can clean up.
     */
    // withStepsOnResult: the result carries the commands and waits the tier spent its time in (adapters/timing).
    runTier: withStepsOnResult(async (i: TierInput): Promise<TierResult> => {
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
      /** The tested target onto the app: a release by version, a branch or commit (chaos) as checked out. */
      const deployTested = async (how: 'deploy' | 'upgrade') => {
        if (!i.chaos) return a.rollOut(i.domain, i.version, i.recipe.health, how);
        // An earlier step may have checked out a release for abra (the upgrade base): back to the commit.
        await checkoutForAbra(
          paths.mirror(i.env.stateDir, i.recipe.name),
          paths.abraRecipe(i.env.abra.dir, i.recipe.name),
          i.version,
          ms(i, 'mirrorSyncSeconds'),
        );
        await a.abra.deploy(i.domain, CHECKOUT, ms(i, 'deploySeconds'));
        await a.waitConverged(i.domain, ms(i, 'convergeSeconds'));
        await a.waitHealthy(i.domain, i.recipe.health);
      };
      const install = async (): Promise<string | undefined> => {
        await a.destroy(i.domain);
        if (i.reattach) return reattach(i, a, docker, deployTested);
        if (i.chaos)
          await checkoutForAbra(
            paths.mirror(i.env.stateDir, i.recipe.name),
            paths.abraRecipe(i.env.abra.dir, i.recipe.name),
            i.version,
            ms(i, 'mirrorSyncSeconds'),
          );
        await a.abra.appNew(i.recipe.name, i.chaos ? CHECKOUT : i.version, i.domain, ms(i, 'deploySeconds'), i.needsEnv);
        await deployTested('deploy');
        return undefined;
      };
      const expected = i.tier === 'install' ? undefined : i.recipe.tiers?.[i.tier];
      try {
        if (expected?.expected === 'n/a') na(`expected n/a: ${expected.reason}`);
        else if (i.tiers && !i.tiers.includes(i.tier)) na(notSelected(i.tiers));
        else {
          if (i.fresh && (i.tier === 'backup' || i.tier === 'restore' || i.tier === 'custom')) {
            // A re-run starts from a fresh cold app (install and upgrade make their own); a restore needs its backup
            // again, seeded and changed as the backup tier does it, so the restore has something to bring back.
            await install();
            if (i.tier === 'restore' && i.backup) await backupRoundTrip(i, a, dataCheck(i, docker));
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
            reason = await install();
            break;
          case 'upgrade':
            if (i.reattach) {
              na("quick run: the install tier upgraded a copy of the canonical's data");
              break;
            }
            if (i.upgradeProblem) throw new Error(i.upgradeProblem);
            if (!i.previous) {
              na('no earlier release to upgrade from');
              break;
            }
            await a.destroy(i.domain);
            await a.abra.appNew(i.recipe.name, i.previous, i.domain, ms(i, 'deploySeconds'), i.needsEnv);
            await a.rollOut(i.domain, i.previous, i.recipe.health, 'deploy');
            await deployTested('upgrade');
            break;
          case 'backup':
            if (!i.backup) na('the recipe declares no backups');
            else await backupRoundTrip(i, a, dataCheck(i, docker));
            break;
          case 'restore':
            if (!i.backup) na('the recipe declares no backups');
            else await restoreRoundTrip(i, a, dataCheck(i, docker));
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
    }),

    /** Always runs (also on failure and abort): nothing of the cold app may be left. */
    async teardownColdApp(b: Base): Promise<{ bytes: number }> {
      const domain = coldDomain(b.recipe.name, b.env.ciDomain);
      // Measured first: what a seed of this release would hold, for the disk budget.
      const sizes = await stackVolumeSizes(docker, stackName(domain)).catch(() => []);
      await apps(b).destroy(domain);
      return { bytes: sizes.reduce((n, v) => n + v.bytes, 0) };
    },

    /**
     * Deploys the warm canonical at the tested version and health-gates it.
     * Idempotent: a record already at this version, or the app already running
     * this version (a retry after a crash), deploys nothing again.
     */
    async promoteDeploy(
      b: Base & { version: string; node?: string; coldBytes?: number },
    ): Promise<{ domain: string; done: 'deployed' | 'already-recorded' | 'already-deployed' }> {
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
        if (b.env.diskBudgetBytes !== undefined) {
          const refusal = budgetRefusal(b.recipe.name, b.coldBytes ?? 0, await canonicals.usedBytes(b.env.stateDir, b.recipe.name), b.env.diskBudgetBytes);
          if (refusal) throw ApplicationFailure.nonRetryable(refusal, 'DiskBudget');
        }
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
    async promoteIdle(b: Base & { domain: string }): Promise<{ bytes: number }> {
      const a = apps(b);
      await a.undeploy(b.domain, ms(b, 'teardownSeconds'));
      // Its size, for the disk budget, the report and `coopci canonical list`.
      const volumes = await stackVolumeSizes(docker, stackName(b.domain));
      await canonicals.writeUsage(b.env.stateDir, b.recipe.name, volumes);
      return { bytes: volumes.reduce((n, v) => n + v.bytes, 0) };
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

/**
 * How the backup and restore tiers see the app's data: `seed` writes a
 * marker into it, `holds` says whether it holds one. The recipe's
 * `backup.seed`/`backup.verify` commands when configured, else coopci's
 * default marker file on the backed-up volume (adapters/restore-marker.ts),
 * which a dump-style backup (a database) does not save: such recipes need
 * the commands.
 */
interface DataCheck {
  seed(marker: string): Promise<void>;
  holds(marker: string): Promise<boolean>;
  /** What was used, for reasons: "backup.verify", or the default marker's place. */
  describe(): Promise<string>;
  /** Said after a restore that lost the marker: why it may be the check rather than the recipe. */
  lostHint(): Promise<string>;
}

/**
 * The marker a backup round-trip writes: derived from the run directory, the
 * recipe and its role, so a retried activity or a re-run writes the same one
 * and two runs never share one. It says nothing secret.
 */
export function restoreMarker(runDir: string, recipe: string, role: 'before-backup' | 'after-backup'): string {
  return `coopci-${role}-${createHash('sha256').update(`${runDir}\0${recipe}\0${role}`).digest('hex').slice(0, 16)}`;
}

function dataCheck(i: TierInput, docker: Docker): DataCheck {
  const config = i.recipe.backup;
  if (config) {
    const run = (which: 'seed' | 'verify', marker: string) => {
      const url = fillTemplate(i.recipe.health.url, { domain: i.domain });
      const values = { domain: i.domain, url, version: i.version, recipe: i.recipe.name, marker, abra: i.env.abra.bin };
      const [file, ...args] = config[which].map((arg) => fillTemplate(arg, values));
      return runCommand(file!, args, {
        cwd: i.env.configDir,
        // ABRA_DIR: the commands may run `{abra} app run …` on the cold app, which only this ABRA_DIR knows.
        env: { ABRA_DIR: i.env.abra.dir },
        timeoutMs: config.timeoutSeconds * 1000,
        label: `backup.${which} ${file}`,
      });
    };
    return {
      seed: async (marker) => void (await run('seed', marker)),
      async holds(marker) {
        try {
          await run('verify', marker);
          return true;
        } catch (e) {
          // A non-zero exit is the answer "not there"; a timeout or a command that cannot start is a broken check.
          if (e instanceof CommandError && !e.timedOut && e.exitCode !== undefined) return false;
          throw e;
        }
      },
      describe: async () => 'backup.verify',
      lostHint: async () => '',
    };
  }
  const stack = stackName(i.domain);
  const opts = () => ({ timeoutMs: timeoutsFor(i.env, i.recipe).timeouts.backupSeconds * 1000, signal: Context.current().cancellationSignal });
  const where = async () => {
    const p = await markerPlace(docker, stack);
    return `the file ${MARKER_FILE} on volume ${p.volume}`;
  };
  return {
    seed: async (marker) => writeMarker(docker, await markerPlace(docker, stack), marker, opts()),
    holds: async (marker) => (await readMarker(docker, await markerPlace(docker, stack), opts())) === marker,
    describe: where,
    // The hint first: a long reason is cut at its end.
    lostHint: async () => `; checked with coopci's default marker: ${DUMP_STYLE_HINT} (${await where()})`,
  };
}

/**
 * The backup tier: seed marker A, back up, seed marker B, and A must be gone
 * from the data; else the check cannot see a change and a restore that loses
 * data would look green. A check that does not find the marker it just wrote
 * is broken too, and said so before anything is blamed on the restore.
 */
async function backupRoundTrip(i: TierInput, a: Apps, check: DataCheck): Promise<void> {
  const before = restoreMarker(i.runDir, i.recipe.name, 'before-backup');
  await check.seed(before);
  if (!(await check.holds(before))) {
    throw new Error(
      i.recipe.backup
        ? 'backup.verify does not find the marker backup.seed just wrote; fix the seed or verify command'
        : `the marker just written is not read back (${await check.describe()})`,
    );
  }
  await a.abra.backup(i.domain, timeoutsFor(i.env, i.recipe).timeouts.backupSeconds * 1000);
  await check.seed(restoreMarker(i.runDir, i.recipe.name, 'after-backup'));
  if (await check.holds(before)) {
    throw new Error(
      i.recipe.backup
        ? 'backup.verify cannot tell the data changed; fix the verify command (it still finds the marker written before the backup after backup.seed wrote another)'
        : `the marker written before the backup is still read after another was written (${await check.describe()})`,
    );
  }
}

/** The restore tier: restore, converge, healthy, and the marker written before the backup must be back. */
async function restoreRoundTrip(i: TierInput, a: Apps, check: DataCheck): Promise<void> {
  const t = timeoutsFor(i.env, i.recipe).timeouts;
  await a.abra.restore(i.domain, t.backupSeconds * 1000);
  await a.waitConverged(i.domain, t.convergeSeconds * 1000);
  await a.waitHealthy(i.domain, i.recipe.health);
  if (!(await check.holds(restoreMarker(i.runDir, i.recipe.name, 'before-backup')))) {
    throw new Error(
      `restore did not bring the data back: the marker written before the backup is not found after the restore (the restore lost data)${await check.lostHint()}`,
    );
  }
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

/** What an on-demand run adds to the cold plan: the canonical to copy (quick) and the tiers asked for. */
async function onDemandPlan(b: Base, od: OnDemand): Promise<Pick<ColdPlan, 'reattach' | 'tiers'>> {
  let reattach: ColdPlan['reattach'];
  if (od.quick) {
    const record = await canonicals.read(b.env.stateDir, b.recipe.name);
    if (!record) throw ApplicationFailure.nonRetryable(`${b.recipe.name} has no canonical: a quick run needs one (run without --quick)`, 'NoCanonical');
    reattach = { from: record.version, domain: record.domain };
  }
  return { ...(reattach ? { reattach } : {}), ...(od.tiers ? { tiers: od.tiers } : {}) };
}

/**
 * The install of an on-demand quick run (the old system's warm reattach): a
 * cold app at the canonical's version on a copy of the canonical's volumes,
 * then moved to the tested ref. The canonical itself is only read (it must be
 * idle; the recipe lock keeps everyone else off it). Returns what was done.
 */
async function reattach(i: TierInput, a: Apps, docker: Docker, deployTested: (how: 'deploy' | 'upgrade') => Promise<void>): Promise<string> {
  const from = i.reattach!;
  if (!i.chaos && compareVersions(i.version, from.from) < 0)
    throw new Error(`a quick run only upgrades: ${i.version} is older than the canonical's ${from.from} (run without --quick)`);
  await a.abra.appNew(i.recipe.name, from.from, i.domain, ms(i, 'deploySeconds'), i.needsEnv);
  const copied = await copyStackVolumes(docker, stackName(from.domain), stackName(i.domain), {
    timeoutMs: ms(i, 'backupSeconds'),
    signal: Context.current().cancellationSignal,
  });
  await a.rollOut(i.domain, from.from, i.recipe.health, 'deploy');
  if (i.chaos) await deployTested('deploy');
  else if (i.version !== from.from) await deployTested('upgrade');
  const mib = (copied.reduce((n, v) => n + v.bytes, 0) / 2 ** 20).toFixed(1);
  return `quick: a copy of ${from.domain}'s ${copied.length} volume(s) (${mib} MiB) at ${from.from}, then ${i.chaos ? `the commit ${i.version.slice(0, 8)}` : i.version}`;
}

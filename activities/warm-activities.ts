import { Context } from '@temporalio/activity';
import type { StepTimeoutKey } from '../domain/timeouts';
import { ApplicationFailure } from '@temporalio/common';
import type Docker from 'dockerode';
import type { WarmApp } from '../config/schema';
import { type Alert, LastGood, type Rejection } from '../domain/warm-records';
import { lockWaitSeconds, type WarmLockState } from '../domain/warm-lock';
import type { WarmNode } from '../domain/warm-graph';
import { isVersion, latestRelease } from '../domain/version';
import { warmDeploySteps } from '../domain/deploy-plan';
import type { RunEnv } from '../contract/types';
import { Apps } from '../adapters/apps';
import { describeProbe } from '../adapters/health';
import { checkoutForAbra, syncMirror } from '../adapters/git';
import { readJson, writeJsonAtomic } from '../state/json-store';
import { paths } from '../state/paths';
import { snapshotOf } from '../contract/snapshot';
import { loadOrFail } from './config-snapshot';
import { resolveAlerts, writeAlertOnce } from '../state/alerts';
import { addRejected, dropRejected, readRejected } from '../state/warm-records';
import { clearWarmLock, readWarmLock } from '../adapters/warm-lock';

export interface WarmInput {
  env: RunEnv;
  app: WarmApp;
}

/** The deploy lock of a warm app, read and cleared through the worker's own client. */
export const warmLockActivities = {
  /** Who holds the app's deploy lock (the worker's own client reads it). */
  async warmLockState(i: { app: string }): Promise<WarmLockState> {
    return readWarmLock(Context.current().client, i.app);
  },

  /** Terminates a stale lock, by run id; whether it did. */
  async clearStaleWarmLock(i: { app: string; runId: string; why: string }): Promise<boolean> {
    return clearWarmLock(Context.current().client, i.app, i.runId, i.why);
  },
};

export function createWarmActivities(deps: { configFile: string; docker: Docker }) {
  const apps = (env: RunEnv) => new Apps(env, deps.docker);
  const ms = (i: WarmInput, key: StepTimeoutKey) => i.env.timeouts[key] * 1000;

  return {
    ...warmLockActivities,

    /**
     * A warm app's settings from the config (the proxy when no name is given),
     * how long its deploy waits for another one, and the command that deploys it.
     */
    async loadWarmApp(i: { app?: string }): Promise<WarmInput & { digest: string; lockWaitSeconds: number; deployCommand: string }> {
      const loaded = await loadOrFail(deps.configFile);
      const name = i.app ?? loaded.config.proxy?.app;
      if (!name) throw ApplicationFailure.nonRetryable(`${loaded.file}: no proxy configured (set proxy.app)`, 'ConfigError');
      const app = loaded.config.warm.find((w) => w.name === name);
      if (!app) throw ApplicationFailure.nonRetryable(`${loaded.file}: "${name}" is not a warm app`, 'ConfigError');
      const env = snapshotOf(loaded.config, loaded.file, loaded.digest).env;
      const deployCommand = name === loaded.config.proxy?.app ? 'coopci proxy deploy' : `coopci warm deploy ${name}`;
      return { env, app, digest: loaded.digest, lockWaitSeconds: lockWaitSeconds(env.timeouts, app.health), deployCommand };
    },

    /** The warm apps and their edges, for the converge workflow's order. */
    async loadWarmGraph(): Promise<WarmNode[]> {
      const { config } = await loadOrFail(deps.configFile);
      return config.warm.map((w) => ({ name: w.name, after: w.after }));
    },

    /** mirror-sync the app's recipe and name its newest release; a `requested` release must be one of its tags. */
    async latestWarmRelease(i: WarmInput & { requested?: string }): Promise<string> {
      const mirror = paths.mirror(i.env.stateDir, i.app.recipe);
      const { tags } = await syncMirror(i.app.upstream, mirror, ms(i, 'mirrorSyncSeconds'));
      const latest = latestRelease(tags);
      if (!latest) throw ApplicationFailure.nonRetryable(`${i.app.recipe} has no release tag to deploy`, 'NeverReleased');
      if (i.requested !== undefined && !(isVersion(i.requested) && tags.includes(i.requested))) {
        throw ApplicationFailure.nonRetryable(`${i.requested} is not a release of ${i.app.recipe} (latest: ${latest})`, 'UnknownRelease');
      }
      return latest;
    },

    async readRejectedReleases(i: WarmInput): Promise<Rejection[]> {
      return readRejected(i.env.stateDir, i.app.name);
    },

    /** Remembers a release that failed its gate; idempotent. */
    async rejectWarmRelease(i: { env: RunEnv; app: string; rejection: Rejection }): Promise<void> {
      await addRejected(i.env.stateDir, i.app, i.rejection);
    },

    /** Marks the app's open alerts resolved by a healthy deploy; returns their files. */
    async resolveWarmAlerts(i: { env: RunEnv; app: string; by: string; at: string }): Promise<string[]> {
      return resolveAlerts(i.env.stateDir, i.app, i.by, i.at);
    },

    async readLastGood(i: WarmInput): Promise<LastGood | null> {
      return readJson(paths.lastGood(i.env.stateDir, i.app.name), LastGood);
    },

    /**
     * Deploys (upgrades or rolls back to) a version and waits for convergence.
     * Idempotent: an app already running that version is left alone, so a
     * retry after a crash never deploys the same version twice.
     */
    async deployWarm(i: WarmInput & { version: string }): Promise<'deployed' | 'already-running'> {
      const a = apps(i.env);
      const mirror = paths.mirror(i.env.stateDir, i.app.recipe);
      await checkoutForAbra(mirror, paths.abraRecipe(i.env.abra.dir, i.app.recipe), i.version, ms(i, 'mirrorSyncSeconds'));
      const steps = warmDeploySteps(await a.state(i.app.domain), i.version);
      if (steps.length === 0) return 'already-running';
      for (const step of steps) {
        const t = ms(i, 'deploySeconds');
        if (step === 'new') await a.abra.appNew(i.app.recipe, i.version, i.app.domain, t);
        else if (step === 'upgrade') await a.abra.upgrade(i.app.domain, i.version, t);
        else if (step === 'rollback') await a.abra.rollback(i.app.domain, i.version, t);
        else await a.abra.deploy(i.app.domain, i.version, t, { force: step === 'redeploy' });
      }
      await a.waitConverged(i.app.domain, ms(i, 'convergeSeconds'));
      return 'deployed';
    },

    /** Polls the app's health gate inside this one heartbeating activity. */
    async gateWarm(i: WarmInput): Promise<{ healthy: boolean; attempts: number; elapsedMs: number; last: string }> {
      const r = await apps(i.env).gate(i.app.domain, i.app.health);
      return { healthy: r.healthy, attempts: r.attempts, elapsedMs: r.elapsedMs, last: describeProbe(r.last) };
    },

    /** Records a release that passed its gate; one rejected before (and forced) is rejected no more. */
    async recordLastGood(i: WarmInput & { version: string }): Promise<LastGood> {
      const record = LastGood.parse({ app: i.app.name, version: i.version, ts: new Date().toISOString() });
      await writeJsonAtomic(paths.lastGood(i.env.stateDir, i.app.name), record);
      await dropRejected(i.env.stateDir, i.app.name, i.version);
      return record;
    },

    /** Writes an alert once: the key is fixed per workflow run, so a retry finds it and writes nothing. */
    async writeAlert(i: { env: RunEnv; key: string; alert: Alert }): Promise<string> {
      return writeAlertOnce(i.env.stateDir, i.key, i.alert);
    },
  };
}

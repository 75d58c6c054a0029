import { ApplicationFailure } from '@temporalio/common';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import type { WarmApp } from '../config/schema';
import { Alert, LastGood } from '../domain/warm-records';
import type { WarmNode } from '../domain/warm-graph';
import { latestRelease } from '../domain/version';
import type { RunEnv } from '../workflows/types';
import { Apps } from './apps';
import { describeProbe } from './health';
import { checkoutForAbra, listTags, syncMirror } from './git';
import { readJson, writeJsonAtomic } from './registry';
import { paths } from './state-paths';
import { loadOrFail, snapshotOf } from './config-snapshot';

export interface WarmInput {
  env: RunEnv;
  app: WarmApp;
}

export function createWarmActivities(deps: { configFile: string; docker: Docker }) {
  const apps = (env: RunEnv) => new Apps(env, deps.docker);
  const ms = (i: WarmInput, key: keyof RunEnv['timeouts']) => i.env.timeouts[key] * 1000;

  return {
    /** A warm app's settings from the config (the proxy when no name is given). */
    async loadWarmApp(i: { app?: string }): Promise<WarmInput & { digest: string }> {
      const loaded = await loadOrFail(deps.configFile);
      const name = i.app ?? loaded.config.proxy?.app;
      if (!name) throw ApplicationFailure.nonRetryable(`${loaded.file}: no proxy configured (set proxy.app)`, 'ConfigError');
      const app = loaded.config.warm.find((w) => w.name === name);
      if (!app) throw ApplicationFailure.nonRetryable(`${loaded.file}: "${name}" is not a warm app`, 'ConfigError');
      return { env: snapshotOf(loaded.config, loaded.file, loaded.digest).env, app, digest: loaded.digest };
    },

    /** The warm apps and their edges, for the converge workflow's order. */
    async loadWarmGraph(): Promise<WarmNode[]> {
      const { config } = await loadOrFail(deps.configFile);
      return config.warm.map((w) => ({ name: w.name, after: w.after }));
    },

    /** mirror-sync the app's recipe and name its newest release. */
    async latestWarmRelease(i: WarmInput): Promise<string> {
      const mirror = paths.mirror(i.env.stateDir, i.app.recipe);
      await syncMirror(i.app.upstream, mirror, ms(i, 'mirrorSyncSeconds'));
      const latest = latestRelease(await listTags(mirror, ms(i, 'mirrorSyncSeconds')));
      if (!latest) throw ApplicationFailure.nonRetryable(`${i.app.recipe} has no release tag to deploy`, 'NeverReleased');
      return latest;
    },

    async readLastGood(i: WarmInput): Promise<LastGood | null> {
      return readJson(paths.lastGood(i.env.stateDir, i.app.name), LastGood);
    },

    /**
     * Deploys (or upgrades to) a version and waits for convergence.
     * Idempotent: an app already running that version is left alone, so a
     * retry after a crash never deploys the same version twice.
     */
    async deployWarm(i: WarmInput & { version: string }): Promise<'deployed' | 'already-running'> {
      const a = apps(i.env);
      const mirror = paths.mirror(i.env.stateDir, i.app.recipe);
      await checkoutForAbra(mirror, paths.abraRecipe(i.env.abra.dir, i.app.recipe), i.version, ms(i, 'mirrorSyncSeconds'));
      const deployed = await a.isDeployed(i.app.domain);
      if (deployed && (await a.appVersion(i.app.domain)) === i.version) return 'already-running';
      if (!(await a.envFileExists(i.app.domain))) await a.abra.appNew(i.app.recipe, i.version, i.app.domain, ms(i, 'deploySeconds'));
      if (deployed) await a.abra.upgrade(i.app.domain, i.version, ms(i, 'deploySeconds'));
      else await a.abra.deploy(i.app.domain, i.version, ms(i, 'deploySeconds'));
      await a.waitConverged(i.app.domain, ms(i, 'convergeSeconds'));
      return 'deployed';
    },

    /** Polls the app's health gate inside this one heartbeating activity. */
    async gateWarm(i: WarmInput): Promise<{ healthy: boolean; attempts: number; elapsedMs: number; last: string }> {
      const r = await apps(i.env).gate(i.app.domain, i.app.health);
      return { healthy: r.healthy, attempts: r.attempts, elapsedMs: r.elapsedMs, last: describeProbe(r.last) };
    },

    async recordLastGood(i: WarmInput & { version: string }): Promise<LastGood> {
      const record = LastGood.parse({ app: i.app.name, version: i.version, ts: new Date().toISOString() });
      await writeJsonAtomic(paths.lastGood(i.env.stateDir, i.app.name), record);
      return record;
    },

    /** Writes an alert once: the key is fixed per workflow run, so a retry finds it and writes nothing. */
    async writeAlert(i: { env: RunEnv; key: string; alert: Alert }): Promise<string> {
      const file = paths.alert(i.env.stateDir, i.key);
      if (!(await readJson(file, Alert))) await writeJsonAtomic(file, Alert.parse(i.alert));
      return file;
    },
  };
}

/** Alerts on disk, oldest first; a broken file is reported, not dropped. */
export async function listAlerts(stateDir: string): Promise<{ file: string; alert: Alert | null; error?: string }[]> {
  const dir = path.dirname(paths.alert(stateDir, 'x'));
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).sort();
  return Promise.all(
    names.map(async (n) => {
      const file = path.join(dir, n);
      try {
        return { file, alert: Alert.parse(JSON.parse(await readFile(file, 'utf8'))) };
      } catch (e) {
        return { file, alert: null, error: (e as Error).message.split('\n')[0] };
      }
    }),
  );
}

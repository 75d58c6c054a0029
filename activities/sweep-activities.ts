import type { Client } from '@temporalio/client';
import { snapshotOf } from '../contract/snapshot';
import { loadOrFail } from './config-snapshot';
import { ApplicationFailure } from '@temporalio/common';
import type { ConfigSnapshot, RecipeSpec, RunEnv, SweepNode, SweepResult } from '../contract/types';
import { SWEEP_LOCK_ID } from '../contract/ids';
import { clearLock, readLock, sweepChildrenQuery } from '../adapters/locks';
import type { LockState } from '../domain/lock';
import { canonicals } from '../state/canonicals';
import { writeSweepReport } from '../state/report';

export function createSweepActivities(deps: { configFile: string; client: Client }) {
  return {
    /**
     * The configuration a sweep runs with, read once so every recipe sees the
     * same one. A bad file or an unknown recipe fails the sweep at once.
     */
    async loadConfigSnapshot(i: { recipes?: string[] }): Promise<ConfigSnapshot> {
      const loaded = await loadOrFail(deps.configFile);
      const snapshot = snapshotOf(loaded.config, loaded.file, loaded.digest, i.recipes);
      return snapshot.nodes ? { ...snapshot, pins: await canonicalNodes(snapshot) } : snapshot;
    },

    /**
     * What an on-demand run of one recipe runs with. The recipe need not be
     * enrolled (nothing is promoted); on scale-out it runs on the node its
     * canonical lives on (a quick run copies that canonical's volumes there).
     */
    async loadRunSnapshot(i: { recipe: string }): Promise<{ digest: string; env: RunEnv; recipe: RecipeSpec; node?: SweepNode }> {
      const loaded = await loadOrFail(deps.configFile);
      const recipe = loaded.config.recipes.find((r) => r.name === i.recipe);
      if (!recipe) {
        const known = loaded.config.recipes.map((r) => r.name).join(', ');
        throw ApplicationFailure.nonRetryable(`recipe "${i.recipe}" is not in ${loaded.file} (recipes: ${known})`, 'UnknownRecipe');
      }
      const snapshot = snapshotOf(loaded.config, loaded.file, loaded.digest, []);
      const pinned = snapshot.nodes ? (await canonicals.read(snapshot.env.stateDir, recipe.name).catch(() => null))?.node : undefined;
      const node = snapshot.nodes?.find((n) => n.name === pinned);
      return { digest: snapshot.digest, env: node ? { ...snapshot.env, server: node.server } : snapshot.env, recipe, ...(node ? { node } : {}) };
    },

    /** Who holds a lock (the sweep lock also counts a dead sweep whose recipes still run as holding it). */
    async lockState(i: { lockId: string }): Promise<LockState> {
      return readLock(deps.client, i.lockId, i.lockId === SWEEP_LOCK_ID ? sweepChildrenQuery : undefined);
    },

    /** Ends a stale lock, this run of it only (two starters racing on one stale lock cannot both take it). */
    async clearStaleLock(i: { lockId: string; runId: string; reason: string }): Promise<void> {
      await clearLock(deps.client, i.lockId, i.runId, i.reason);
    },

    /** Sweeps started before the 'lock-by-run-id' patch ask for the holder by name. */
    async sweepLockHolder(): Promise<string | null> {
      const lock = await readLock(deps.client, SWEEP_LOCK_ID);
      return lock.state === 'free' ? null : lock.holder;
    },

    /** Sweeps started before the 'lock-by-run-id' patch clear a stale lock this way. Returns whether it did. */
    async clearStaleSweepLock(): Promise<boolean> {
      const lock = await readLock(deps.client, SWEEP_LOCK_ID, sweepChildrenQuery);
      if (lock.state !== 'stale') return false;
      await clearLock(deps.client, SWEEP_LOCK_ID, lock.lockRunId, `stale: its sweep ${lock.holder} is ${lock.holderStatus.toLowerCase()}`);
      return true;
    },

    /** report.json and report.md in the sweep's run directory; returns the markdown path. */
    async writeSweepReport(i: { env: { stateDir: string; uiWorkflows?: string }; result: SweepResult }): Promise<string> {
      return writeSweepReport(i.env.stateDir, i.result, i.env.uiWorkflows);
    },
  };
}

/**
 * Scale-out: the node each recipe's canonical lives on, so the sweep runs it
 * there again (a run elsewhere would seed a second canonical and orphan the
 * first). A record that cannot be read pins nothing; its recipe says why.
 */
async function canonicalNodes(snapshot: ConfigSnapshot): Promise<Record<string, string>> {
  const pins: Record<string, string> = {};
  for (const r of snapshot.recipes) {
    const record = await canonicals.read(snapshot.env.stateDir, r.name).catch(() => null);
    if (record?.node) pins[r.name] = record.node;
  }
  return pins;
}

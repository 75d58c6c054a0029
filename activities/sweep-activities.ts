import type { Client } from '@temporalio/client';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadOrFail, snapshotOf } from './config-snapshot';
import type { ConfigSnapshot, SweepResult } from '../workflows/types';
import { SWEEP_LOCK_ID } from '../workflows/signals';
import { writeJsonAtomic } from './registry';
import { paths } from './state-paths';
import { buildSweepReport, renderMarkdownReport } from './report';

export function createSweepActivities(deps: { configFile: string; client: Client }) {
  return {
    /**
     * The configuration a sweep runs with, read once so every recipe sees the
     * same one. A bad file or an unknown recipe fails the sweep at once.
     */
    async loadConfigSnapshot(i: { recipes?: string[] }): Promise<ConfigSnapshot> {
      const loaded = await loadOrFail(deps.configFile);
      return snapshotOf(loaded.config, loaded.file, loaded.digest, i.recipes);
    },

    async sweepLockHolder(): Promise<string | null> {
      try {
        const d = await deps.client.workflow.getHandle(SWEEP_LOCK_ID).describe();
        return d.status.name === 'RUNNING' ? (d.parentExecution?.workflowId ?? null) : null;
      } catch {
        return null;
      }
    },

    /**
     * Terminates the sweep lock when the sweep holding it is no longer
     * running (terminated by hand: an abandoned lock would refuse every
     * later sweep). Returns whether it did.
     */
    async clearStaleSweepLock(): Promise<boolean> {
      const lock = deps.client.workflow.getHandle(SWEEP_LOCK_ID);
      const d = await lock.describe().catch(() => null);
      const holder = d?.status.name === 'RUNNING' ? d.parentExecution?.workflowId : undefined;
      if (!holder) return false;
      const h = await deps.client.workflow.getHandle(holder).describe().catch(() => null);
      if (h?.status.name === 'RUNNING') return false;
      await lock.terminate(`stale: its sweep ${holder} is ${h?.status.name.toLowerCase() ?? 'gone'}`).catch(() => undefined);
      return true;
    },

    /** report.json and report.md in the sweep's run directory; returns the markdown path. */
    async writeSweepReport(i: { env: { stateDir: string; uiWorkflows?: string }; result: SweepResult }): Promise<string> {
      const dir = paths.runDir(i.env.stateDir, i.result.sweepId);
      await mkdir(dir, { recursive: true });
      const report = buildSweepReport(i.result, i.env.uiWorkflows);
      await writeJsonAtomic(path.join(dir, 'report.json'), report);
      const md = path.join(dir, 'report.md');
      await writeFile(md, renderMarkdownReport(report));
      return md;
    },
  };
}


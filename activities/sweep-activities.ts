import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, loadConfig } from '../config/load';
import type { Config } from '../config/schema';
import type { ConfigSnapshot, RecipeSpec, SweepResult } from '../workflows/types';
import { SWEEP_LOCK_ID } from '../workflows/signals';
import { writeJsonAtomic } from './registry';
import { paths } from './state-paths';
import { renderMarkdownReport } from './report';

export function createSweepActivities(deps: { configFile: string; client: Client }) {
  return {
    /**
     * The configuration a sweep runs with, read once so every recipe sees the
     * same one. A bad file or an unknown recipe fails the sweep at once.
     */
    async loadConfigSnapshot(i: { recipes?: string[] }): Promise<ConfigSnapshot> {
      let loaded;
      try {
        loaded = await loadConfig(deps.configFile);
      } catch (e) {
        if (e instanceof ConfigError) throw ApplicationFailure.nonRetryable(e.message, 'ConfigError');
        throw e;
      }
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

    /** report.json and report.md in the sweep's run directory; returns the markdown path. */
    async writeSweepReport(i: { env: { stateDir: string }; result: SweepResult }): Promise<string> {
      const dir = paths.runDir(i.env.stateDir, i.result.sweepId);
      await mkdir(dir, { recursive: true });
      await writeJsonAtomic(path.join(dir, 'report.json'), i.result);
      const md = path.join(dir, 'report.md');
      await writeFile(md, renderMarkdownReport(i.result));
      return md;
    },
  };
}

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
    recipes,
    env: {
      stateDir: config.stateDir,
      configDir: path.dirname(file),
      abra: { bin: config.abra.bin, dir: config.abra.dir },
      server: config.server,
      ciDomain: config.ciDomain,
      liveWarmDomains: config.warm.map((w) => w.domain),
      timeouts: config.timeouts,
    },
  };
}

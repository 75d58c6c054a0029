import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { CanonicalRecord, CanonicalUsage, recordTransition, SeedMarker } from '../domain/registry-record';
import { readJson, writeJsonAtomic } from './json-store';
import { paths } from './paths';

/** The registry of canonicals: one record per recipe, and the marker of a seed in progress. */
export const canonicals = {
  read: (stateDir: string, recipe: string) => readJson(paths.canonical(stateDir, recipe), CanonicalRecord),

  /**
   * Writes a record that never goes backwards: the same version keeps the
   * first record, a newer one replaces it, an older one is refused (a late
   * retry or a second writer must not undo a promote). The seed marker goes
   * once the record is there.
   */
  async write(stateDir: string, next: Omit<CanonicalRecord, 'status' | 'ts'>): Promise<CanonicalRecord> {
    const file = paths.canonical(stateDir, next.recipe);
    const existing = await readJson(file, CanonicalRecord);
    const change = recordTransition(existing?.version ?? null, next.version);
    if (change === 'backwards') throw backwards(next.recipe, existing!.version, next.version);
    let record = existing!;
    if (change !== 'same') {
      record = CanonicalRecord.parse({ ...next, status: 'idle', ts: new Date().toISOString() });
      await writeJsonAtomic(file, record);
    }
    await rm(paths.seedMarker(stateDir, next.recipe), { force: true });
    return record;
  },

  /** Refuses a promote of a release older than the canonical's: its data may already be migrated past it. */
  assertNotBackwards(recipe: string, existing: CanonicalRecord | null, version: string): void {
    if (recordTransition(existing?.version ?? null, version) === 'backwards') throw backwards(recipe, existing!.version, version);
  },

  readUsage: (stateDir: string, recipe: string) => readJson(paths.usage(stateDir, recipe), CanonicalUsage),
  writeUsage: (stateDir: string, recipe: string, volumes: CanonicalUsage['volumes']) =>
    writeJsonAtomic(
      paths.usage(stateDir, recipe),
      CanonicalUsage.parse({ bytes: volumes.reduce((n, v) => n + v.bytes, 0), volumes, measuredAt: new Date().toISOString() }),
    ),

  /** What the canonicals' volumes hold together, from their last measurements (other than `except`'s). */
  async usedBytes(stateDir: string, except?: string): Promise<number> {
    const recipes = await readdir(path.join(stateDir, 'registry')).catch(() => [] as string[]);
    let total = 0;
    for (const r of recipes) {
      if (r === except || !(await canonicals.read(stateDir, r).catch(() => null))) continue;
      total += (await canonicals.readUsage(stateDir, r).catch(() => null))?.bytes ?? 0;
    }
    return total;
  },

  readSeedMarker: (stateDir: string, recipe: string) => readJson(paths.seedMarker(stateDir, recipe), SeedMarker),
  writeSeedMarker: (stateDir: string, marker: Omit<SeedMarker, 'ts'>) =>
    writeJsonAtomic(paths.seedMarker(stateDir, marker.recipe), SeedMarker.parse({ ...marker, ts: new Date().toISOString() })),
};

function backwards(recipe: string, existing: string, next: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `the canonical of ${recipe} is at ${existing}, newer than ${next}: a record never goes backwards, so nothing was changed`,
    'CanonicalWouldGoBackwards',
  );
}

/**
 * The restore tier proves the data round-trips, on real Temporal, a real
 * Swarm, real git and the strict abra double with the test run's backup bot:
 * a marker is written before the backup, another after it, and the first must
 * be back after the restore. One sweep of five recipes:
 * - notes (its backup dumps the live data and its restore hook loads the
 *   dump) with backup.seed (`abra app run`) and backup.verify (HTTP): green,
 *   promoted;
 * - lossy (saves a copy nothing loads back; backup and restore exit 0) with
 *   the same commands: red at the restore tier, the data loss named, also on
 *   its re-run (flakeRetries), which seeds and backs up its fresh app again;
 * - lossy without `backup`: coopci's default marker on its volume is not
 *   saved either: red at the restore tier, the reason saying dump-style
 *   backups need backup.seed/verify;
 * - hello (a plain volume) with the default marker: backup and restore green,
 *   the marker found in the backup the bot made;
 * - notes with a verify command that always passes: red at the backup tier,
 *   since it cannot tell the data changed after the backup.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restoreMarker } from '../../activities/recipe-activities';
import { startSweep } from '../../client/sweep';
import { runDirOf } from '../../domain/run-layout';
import { makeFixture, type Fixture } from '../helpers/fixture';
import { endRunningSweep, startWorker, testClient } from '../helpers/temporal';
import { CI, CI_STACK, port } from '../helpers/pool';

const NO_UPGRADE = { upgrade: { expected: 'n/a', reason: 'only backup and restore are tested here' } };
const VERIFY = path.resolve('recipes/tests/http-contains.mjs');

/** Seeds through abra (a shell in the app's container writes the note), verifies over HTTP (the app serves the note). */
const noteCheck = (dir: string) => ({
  seed: ['{abra}', 'app', 'run', '--no-tty', '{domain}', 'app', '--', 'sh', '-c', `echo {marker} > ${dir}/live/note.txt`],
  verify: ['node', VERIFY, '{url}', '{marker}'],
  timeoutSeconds: 30,
});
const noteGate = (examplePort: number) => ({
  url: `http://127.0.0.1:${port(examplePort)}/note.txt`,
  intervalSeconds: 1,
  deadlineSeconds: 8,
  requestTimeoutSeconds: 2,
});

const LOST = 'restore: restore did not bring the data back: the marker written before the backup is not found after the restore (the restore lost data)';

describe('restore round-trip', () => {
  let f: Fixture;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  beforeAll(async () => {
    f = await makeFixture('restore-roundtrip', [
      { name: 'notes', from: 'notes', extra: { health: noteGate(18088), tiers: NO_UPGRADE, backup: noteCheck('/var/lib/notes') } },
      // flakeRetries: its red restore tier is re-run on a fresh cold app, which must be seeded and backed up again.
      { name: 'lossy', from: 'lossy', extra: { health: noteGate(18089), tiers: NO_UPGRADE, backup: noteCheck('/var/lib/lossy'), flakeRetries: 1 } },
      { name: 'lossy-default', from: 'lossy', extra: { health: noteGate(18089), tiers: NO_UPGRADE } },
      { name: 'hello', from: 'hello', upTo: '1.0.0+1.0', extra: { tiers: NO_UPGRADE } },
      // A verify command that finds every marker: a restore that lost data would look green, so the backup tier is red.
      {
        name: 'blind',
        from: 'notes',
        extra: { health: noteGate(18088), tiers: NO_UPGRADE, backup: { ...noteCheck('/var/lib/notes'), verify: ['true'] } },
      },
    ]);
    worker = await startWorker(f);
  });
  afterAll(async () => {
    await endRunningSweep();
    await worker?.stop();
  });

  it('is green when the data comes back and red, naming the loss, when it does not', async () => {
    const client = await testClient();
    const handle = await startSweep(client, f.loaded.config);
    const { results } = await handle.result();
    const byName = Object.fromEntries(results.map((r) => [r.recipe, r]));
    const tiers = (recipe: string) => byName[recipe]!.tiers.map((t) => `${t.tier}:${t.status}`);

    expect(byName.notes).toMatchObject({ label: 'PROMOTED', version: '1.0.0+1.0' });
    expect(tiers('notes')).toEqual(['install:pass', 'upgrade:n/a', 'backup:pass', 'restore:pass', 'custom:n/a']);

    expect(byName.lossy).toMatchObject({ label: 'FAILED', reason: `${LOST} (canonical unchanged: none)` });
    expect(tiers('lossy')).toEqual(['install:pass', 'upgrade:n/a', 'backup:pass', 'restore:fail']);

    expect(byName['lossy-default']).toMatchObject({ label: 'FAILED' });
    expect(tiers('lossy-default')).toEqual(['install:pass', 'upgrade:n/a', 'backup:pass', 'restore:fail']);
    const lossyDefault = byName['lossy-default']!.tiers.find((t) => t.tier === 'restore')!.reason!;
    expect(lossyDefault).toMatch(new RegExp(`^${LOST.replace(/^restore: /, '').replace(/[()]/g, '\\$&')}; checked with coopci's default marker`));
    expect(lossyDefault).toContain(
      "; checked with coopci's default marker: a dump-style backup (a database) does not save it: such recipes need backup.seed/verify in the config " +
        `(the file .coopci-restore-marker on volume cold-lossy-default_${CI_STACK}_data)`,
    );

    expect(byName.hello).toMatchObject({ label: 'PROMOTED', version: '1.0.0+1.0' });
    expect(tiers('hello')).toEqual(['install:pass', 'upgrade:n/a', 'backup:pass', 'restore:pass', 'custom:n/a']);

    expect(byName.blind).toMatchObject({ label: 'FAILED' });
    expect(tiers('blind')).toEqual(['install:pass', 'upgrade:n/a', 'backup:fail']);
    expect(byName.blind!.tiers.find((t) => t.tier === 'backup')!.reason).toMatch(/^backup\.verify cannot tell the data changed; fix the verify command/);

    // The seeds went through abra (as abra app run), the marker before the backup and the one after it, on each app;
    // lossy's restore re-run (fresh cold app) seeded both again around its own backup.
    const calls = await f.abraCalls();
    const sweepId = handle.workflowId;
    for (const [recipe, rounds] of [
      ['notes', 1],
      ['lossy', 2],
    ] as const) {
      const domain = `cold-${recipe}.${CI}`;
      const seeds = calls.filter((a) => a[0] === 'app' && a[1] === 'run' && a[3] === domain).map((a) => /echo (\S+) >/.exec(a.at(-1)!)?.[1]);
      const runDir = runDirOf(f.stateDir, sweepId, recipe);
      const round = [restoreMarker(runDir, recipe, 'before-backup'), restoreMarker(runDir, recipe, 'after-backup')];
      expect(seeds).toEqual(rounds === 1 ? round : [...round, ...round]);
      expect(calls.filter((a) => a[1] === 'backup' && a.includes(domain))).toHaveLength(rounds);
    }
    // The default marker was on hello's volume when the bot backed it up.
    const helloBackups = path.join(f.abraDir, 'backups', `cold-hello.${CI}`);
    const [backup] = await readdir(helloBackups);
    const saved = await readFile(path.join(helloBackups, backup!, 'app', 'data', '.coopci-restore-marker'), 'utf8');
    expect(saved.trim()).toBe(restoreMarker(runDirOf(f.stateDir, sweepId, 'hello'), 'hello', 'before-backup'));
  }, 600_000);
});

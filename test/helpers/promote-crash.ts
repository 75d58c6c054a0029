/**
 * The worker SIGKILLed at one point of a promote. abra-local kills its caller
 * (the worker) when it is invoked for the step named and then finishes that
 * step on its own, as a real deploy does when its worker dies. A new worker
 * takes over; afterwards: the sweep completed, the canonical was deployed
 * exactly once, its record is whole and right, no cold app is left.
 * (promote-crash*.test.ts: the points in two files, so they run side by side.)
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CanonicalRecord } from '../../domain/registry-record';
import { docker, stackLeftovers } from '../../adapters/swarm';
import { readJson } from '../../state/json-store';
import { startSweep } from '../../client/sweep';
import { stackName } from '../../domain/stack-name';
import { CRASH_TEST_TIMEOUTS, makeFixture } from './fixture';
import { endRunningSweep, spawnWorker, startWorker, testClient, waitFor } from './temporal';
import { existsSync } from 'node:fs';
import { CI } from './pool';
import { NOTHING_LEFT } from './remove-apps';

/** A point of a promote: its name, the abra call that kills the worker, whether a second recipe is needed to reach it. */
export type CrashPoint = [string, string, boolean];

export const describePromoteCrash = (points: CrashPoint[]) =>
  describe('worker SIGKILLed during a promote', () => {
    const cleanups: (() => unknown)[] = [];
    afterEach(async () => {
      await endRunningSweep();
      for (const c of cleanups.splice(0).reverse()) await c();
    });

    it.each(points)(
      '%s',
      async (_name, crashOn, second) => {
        const f = await makeFixture(
          'promote-crash',
          [{ name: 'alpha', from: 'hello', upTo: '1.0.0+1.0' }, ...(second ? [{ name: 'beta', from: 'hello', upTo: '1.0.0+1.0' }] : [])],
          { timeouts: CRASH_TEST_TIMEOUTS },
        );
        const marker = path.join(f.dir, 'crashed');
        const first = spawnWorker(f, { ABRA_LOCAL_CRASH_CALLER_ON: crashOn, ABRA_LOCAL_CRASH_MARKER: marker });
        cleanups.push(() => first.kill('SIGKILL'));
        const handle = await startSweep(await testClient(), f.loaded.config);
        await waitFor('the worker to be killed', async () => first.exitCode !== null || first.signalCode !== null, 240_000);
        expect(first.signalCode).toBe('SIGKILL');
        expect(existsSync(marker)).toBe(true);

        const next = await startWorker(f);
        cleanups.push(() => next.stop());
        const result = await handle.result();
        expect(result.results.map((r) => [r.recipe, r.label])).toEqual([['alpha', 'PROMOTED'], ...(second ? [['beta', 'PROMOTED']] : [])]);

        const onWarmAlpha = (await f.abraCalls()).filter((a) => a.some((x) => x.startsWith('warm-alpha.')));
        expect(onWarmAlpha.filter((a) => a[1] === 'deploy' || a[1] === 'upgrade')).toHaveLength(1);
        const recordDir = path.join(f.stateDir, 'registry', 'alpha');
        expect(await readJson(path.join(recordDir, 'canonical.json'), CanonicalRecord)).toMatchObject({ version: '1.0.0+1.0', status: 'idle' });
        expect((await readdir(recordDir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
        for (const r of ['alpha', 'beta']) {
          expect(await stackLeftovers(docker(), stackName(`cold-${r}.${CI}`))).toEqual(NOTHING_LEFT);
        }
        // Idle canonical: undeployed, volumes kept.
        expect((await stackLeftovers(docker(), stackName(`warm-alpha.${CI}`))).services).toEqual([]);
      },
      420_000,
    );
  });

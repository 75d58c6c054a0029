/**
 * The Docker daemon restarted in the middle of a cold deploy: the recipe is
 * retried or labelled with the reason, nothing of its cold app is left, and
 * the sweep goes on to the next recipe. The daemon is stopped and started for
 * real (by the init system if it manages dockerd, else by this test).
 */
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { docker, stackLeftovers } from '../../adapters/swarm';
import { startSweep } from '../../client/sweep';
import { stackName } from '../../domain/stack-name';
import { makeFixture } from '../helpers/fixture';
import { endRunningSweep, startWorker, testClient, waitFor } from '../helpers/temporal';
import { CI } from '../helpers/pool';
import { NOTHING_LEFT } from '../helpers/remove-apps';

const dockerUp = async () => (await execa('docker', ['info', '--format', '{{.Swarm.LocalNodeState}}'], { reject: false })).stdout.trim() === 'active';

async function restartDockerd(): Promise<void> {
  const pid = (await execa('pidof', ['dockerd'])).stdout.trim().split(/\s+/)[0]!;
  process.kill(Number(pid), 'SIGTERM');
  await waitFor('dockerd to stop', async () => (await execa('pidof', ['dockerd'], { reject: false })).exitCode !== 0, 60_000);
  // An init system may bring it back by itself; otherwise start it as scripts/setup.sh does.
  await new Promise((r) => setTimeout(r, 3000));
  if ((await execa('pidof', ['dockerd'], { reject: false })).exitCode !== 0) {
    const log = openSync(path.join(process.env.COOPCI_CACHE ?? path.join(os.homedir(), '.cache', 'coopci'), 'dockerd.log'), 'a');
    spawn('dockerd', [], { detached: true, stdio: ['ignore', log, log] }).unref();
  }
  await waitFor('dockerd and the Swarm back', dockerUp, 90_000);
}

describe('Docker daemon restart', () => {
  afterAll(async () => {
    await endRunningSweep();
    await waitFor('dockerd up for the next tests', dockerUp, 90_000);
  });

  it('mid-deploy: the recipe is retried or labelled, the sweep goes on, nothing is left', async () => {
    const f = await makeFixture('dockerd', [
      { name: 'alpha', from: 'hello', upTo: '1.0.0+1.0' },
      { name: 'unreleased', from: 'unreleased' },
    ]);
    const worker = await startWorker(f);
    try {
      const handle = await startSweep(await testClient(), f.loaded.config);
      await waitFor('the cold deploy to start', async () => (await f.abraCalls()).some((a) => a[1] === 'deploy' && a[2]?.startsWith('cold-alpha.')), 120_000);
      await restartDockerd();

      const result = await handle.result();
      const [alpha, unreleased] = result.results;
      expect(['PROMOTED', 'FAILED']).toContain(alpha!.label);
      if (alpha!.label === 'FAILED') expect(alpha!.reason).toMatch(/^install: /);
      expect(unreleased).toMatchObject({ label: 'SKIPPED', reason: 'never-released' });
      expect(await stackLeftovers(docker(), stackName(`cold-alpha.${CI}`))).toEqual(NOTHING_LEFT);
    } finally {
      await worker.stop();
    }
  }, 360_000);
});

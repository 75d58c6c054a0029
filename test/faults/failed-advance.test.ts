/**
 * A sweep advances a canonical to a release that migrates its data on the
 * warm reattach and then crash-loops (the seeds' gitea case). The cold run of
 * that release is green (a fresh volume), the advance fails; afterwards the
 * canonical's volume is byte for byte what it was, the recorded version was
 * deployed and gated on it again, it is idle, and the reason says so.
 */
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSweep } from '../../client/sweep';
import { canonicals } from '../../state/canonicals';
import { makeFixture, type Fixture } from '../helpers/fixture';
import { endRunningSweep, startWorker, testClient } from '../helpers/temporal';
import { CI, CI_STACK, publishRelease } from '../helpers/pool';

const VOLUME = `warm-mig_${CI_STACK}_data`;
const inVolume = (script: string) => execa('docker', ['run', '--rm', '--network', 'none', '-v', `${VOLUME}:/data`, 'coopci/busybox:1', 'sh', '-c', script]);
const listing = async () =>
  (await inVolume('cd /data && find . | sort | while read -r f; do stat -c "%n %f %u:%g %s %Y %N" "$f"; done && find . -type f | sort | xargs -r md5sum'))
    .stdout;

describe('a failed advance of a canonical', () => {
  let f: Fixture;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  beforeAll(async () => {
    // coopci's own wait (convergeSeconds, on each of the advance's three attempts) outlasts a good upgrade's ~7 s.
    f = await makeFixture('failed-advance', [{ name: 'mig', from: 'migrator', upTo: '1.0.0+1.0', port: 18086, extra: { timeouts: { convergeSeconds: 11 } } }]);
    worker = await startWorker(f);
  });
  afterAll(async () => {
    await endRunningSweep();
    await worker?.stop();
  });

  const sweep = async () => (await (await startSweep(await testClient(), f.loaded.config)).result()).results[0]!;

  it('is restored byte for byte, the recorded version deployed and gated again, idle', async () => {
    expect(await sweep()).toMatchObject({ label: 'PROMOTED', version: '1.0.0+1.0' });
    await inVolume('cd /data && head -c 100000 /dev/urandom > blob && chown 999:999 blob && chmod 640 blob && ln -s users link');
    const before = await listing();

    await publishRelease('migrator', f.upstream('mig'), '1.1.0+1.1');
    const advance = await sweep();
    expect(advance).toMatchObject({ label: 'GREEN_BUT_PROMOTE_FAILED', version: '1.1.0+1.1', canonical: { before: '1.0.0+1.0', after: '1.0.0+1.0' } });
    expect(advance.reason).toMatch(/; canonical restored: .*1\.0\.0\+1\.0/);
    expect(await listing()).toBe(before);
    expect(await canonicals.read(f.stateDir, 'mig')).toMatchObject({ version: '1.0.0+1.0', status: 'idle' });

    // The warm canonical saw 1.1.0 (the failed advance), then 1.0.0 again (the restore); it is idle now.
    const onWarm = (await f.abraCalls()).filter((a) => a[2] === `warm-mig.${CI}`);
    const deploys = onWarm.filter((a) => a[1] === 'deploy').map((a) => a[3]);
    expect(deploys[0]).toBe('1.0.0+1.0');
    expect(deploys).toContain('1.1.0+1.1');
    expect(deploys.at(-1)).toBe('1.0.0+1.0');
    expect((await execa('docker', ['service', 'ls', '--filter', `label=com.docker.stack.namespace=warm-mig_${CI_STACK}`, '-q'])).stdout).toBe('');
  }, 400_000);
});

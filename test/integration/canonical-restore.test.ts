/**
 * A failed advance put back: a canonical of the example recipe `migrator` at
 * 1.0.0 is advanced to 1.1.0, whose migration changes the data on the warm
 * reattach and then crash-loops. The activities run for real (real abra
 * stand-in, real Swarm, real git): restoreCanonical leaves the volume byte for
 * byte as snapshotCanonical found it, with 1.0.0 gated healthy and idle again.
 * A snapshot another run left behind is never overwritten.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { createCanonicalActivities } from '../../activities/canonical-activities';
import { Apps } from '../../adapters/apps';
import { checkoutForAbra, syncMirror, tagCommit } from '../../adapters/git';
import { docker } from '../../adapters/swarm';
import { snapshotOf } from '../../contract/snapshot';
import { canonicals } from '../../state/canonicals';
import { paths } from '../../state/paths';
import { makeFixture } from '../helpers/fixture';
import { CI, CI_STACK, literally } from '../helpers/pool';

const V1 = '1.0.0+1.0';
const V2 = '1.1.0+1.1';
const DOMAIN = `warm-mig.${CI}`;
const VOLUME = `warm-mig_${CI_STACK}_data`;

const inVolume = (script: string) => execa('docker', ['run', '--rm', '--network', 'none', '-v', `${VOLUME}:/data`, 'coopci/busybox:1', 'sh', '-c', script]);
const listing = async () =>
  (await inVolume('cd /data && find . | sort | while read -r f; do stat -c "%n %f %u:%g %s %Y %N" "$f"; done && find . -type f | sort | xargs -r md5sum'))
    .stdout;
const inRun = (runId: string) =>
  new MockActivityEnvironment({ workflowExecution: { workflowId: 'sweep-test/mig', runId } }, { logger: new DefaultLogger('WARN') });

describe('a failed advance of a canonical', () => {
  let apps: Apps | undefined;
  afterAll(async () => {
    await apps?.destroy(DOMAIN);
  });

  it('is restored byte for byte, with the recorded version served and idle again', async () => {
    const f = await makeFixture('canonical-restore', [{ name: 'mig', from: 'migrator', port: 18086 }]);
    const { env, recipes } = snapshotOf(f.loaded.config, f.configFile, f.loaded.digest);
    const recipe = recipes[0]!;
    const input = { env, recipe, domain: DOMAIN };
    const mirror = paths.mirror(env.stateDir, 'mig');
    const checkout = (v: string) => checkoutForAbra(mirror, paths.abraRecipe(env.abra.dir, 'mig'), v, 30_000);
    apps = new Apps(env, docker());

    // The canonical at 1.0.0: deployed, gated, idle, recorded; plus data of several owners and modes.
    await syncMirror(f.upstream('mig'), mirror, 30_000);
    await checkout(V1);
    await apps.abra.appNew('mig', V1, DOMAIN, 60_000);
    await apps.rollOut(DOMAIN, V1, recipe.health, 'deploy');
    await apps.undeploy(DOMAIN, 60_000);
    await canonicals.write(env.stateDir, { recipe: 'mig', version: V1, commit: await tagCommit(mirror, V1, 30_000), domain: DOMAIN });
    await inVolume('cd /data && head -c 100000 /dev/urandom > blob && chown 999:999 blob && chmod 640 blob && ln -s users link && mkdir -m 700 priv');
    const before = await listing();
    expect(before).toMatch(/\.\/schema .*\n/);

    const acts = createCanonicalActivities(docker());
    expect(await inRun('advance').run((i: typeof input) => acts.snapshotCanonical(i), input)).toMatch(
      new RegExp(`^snapshot of warm-mig\\.${literally(CI)} at 1\\.0\\.0\\+1\\.0: 1 volume`),
    );

    // The advance: 1.1.0 onto the retained volume migrates half-way, then crash-loops.
    await checkout(V2);
    await expect(apps.rollOut(DOMAIN, V2, recipe.health, 'deploy')).rejects.toThrow(/did not converge|not healthy/);
    expect((await inVolume('cat /data/schema')).stdout).toBe('v2-partial');

    // Another run cannot replace the only good copy.
    await expect(inRun('another').run((i: typeof input) => acts.snapshotCanonical(i), input)).rejects.toThrow(/never restored or dropped/);

    const restored = await inRun('advance').run((i: typeof input & { version: string }) => acts.restoreCanonical(i), { ...input, version: V1 });
    expect(restored).toMatch(new RegExp(`^restored warm-mig\\.${literally(CI)} .* 1\\.0\\.0\\+1\\.0 served healthy and is idle again$`));
    expect(await listing()).toBe(before);
    expect(await apps.isDeployed(DOMAIN)).toBe(false);
    expect(await apps.appVersion(DOMAIN)).toBe(V1);
    const deploys = (await f.abraCalls()).filter((a) => a[1] === 'deploy' && a[2] === DOMAIN).map((a) => a[3]);
    expect(deploys).toEqual([V1, V2, V1]);

    await inRun('advance').run((i: typeof input) => acts.dropCanonicalSnapshot(i), input);
    await expect(inRun('advance').run((i: typeof input & { version: string }) => acts.restoreCanonical(i), { ...input, version: V1 })).rejects.toThrow(
      /holds no whole snapshot/,
    );
  }, 300_000);
});

/**
 * Snapshots of a stack's volumes put them back byte for byte: contents,
 * numeric owners, modes, times (of directories and symlinks too), symlinks,
 * hard links. A snapshot without its manifest, or with a tar that does not
 * match it, is refused before anything is changed, and so is a stack whose
 * volumes are in use. The volumes are real Docker volumes carrying the stack
 * label `docker stack deploy` gives them; no Swarm service is needed.
 */
import { execa } from 'execa';
import { appendFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker } from '../../adapters/swarm';
import { readSnapshot, restoreVolumes, snapshotVolumes } from '../../adapters/volumes';

const STACK = `coopci-voltest-${process.pid}`;
const VOLUMES = [`${STACK}_data`, `${STACK}_db`];
const opts = { timeoutMs: 60_000 };

const inVolume = (volume: string, script: string, ...flags: string[]) =>
  execa('docker', ['run', '--rm', ...flags, '--network', 'none', '-v', `${volume}:/v`, 'coopci/busybox:1', 'sh', '-c', script]);

/** Every entry's path, type and mode, owner, size, mtime and link target, and every file's md5. */
const listing = async (volume: string) =>
  (await inVolume(volume, 'cd /v && find . | sort | while read -r f; do stat -c "%n %f %u:%g %s %Y %N" "$f"; done && find . -type f | sort | xargs -r md5sum'))
    .stdout;
const listings = () => Promise.all(VOLUMES.map(listing));

describe('volume snapshots', () => {
  let dir: string;
  beforeAll(async () => {
    dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'volumes-')), 'snapshot');
    for (const v of VOLUMES) await docker().createVolume({ Name: v, Labels: { 'com.docker.stack.namespace': STACK } });
    await inVolume(
      VOLUMES[0]!,
      [
        'cd /v && mkdir -p conf/deep && echo secret > conf/key && chown 999:998 conf/key && chmod 400 conf/key',
        'head -c 300000 /dev/urandom > blob && chown 1000:1000 blob && chmod 2644 blob && ln blob blob.hard',
        'echo x > .hidden && chmod 750 conf && chmod 1777 conf/deep && ln -s conf/key link && chown -h 33:44 link',
        'mkfifo pipe && touch -d "2020-02-03 04:05:06" conf/key blob && touch -d "2019-01-01 00:00:00" conf/deep conf . ',
      ].join(' && '),
    );
    await inVolume(VOLUMES[1]!, 'echo "v1 data" > /v/db && chown 70:70 /v/db /v && chmod 700 /v');
  });
  afterAll(async () => {
    for (const v of VOLUMES) await docker().getVolume(v).remove({ force: true });
    await rm(path.dirname(dir), { recursive: true, force: true });
  });

  it('refuses while a container holds a volume', async () => {
    const { stdout: id } = await inVolume(VOLUMES[1]!, 'sleep 600', '-d');
    try {
      await expect(snapshotVolumes(docker(), STACK, dir, opts)).rejects.toThrow(/in use \(container .* holds coopci-voltest-\d+_db\)/);
    } finally {
      await execa('docker', ['rm', '-f', id.trim()]);
    }
  });

  it('restores every volume byte for byte, and refuses a snapshot that is not whole', async () => {
    const before = await listings();
    const m = await snapshotVolumes(docker(), STACK, dir, { ...opts, meta: { version: '1.0.0' } });
    expect(m.volumes.map((v) => v.name)).toEqual(VOLUMES);
    expect(m.meta).toEqual({ version: '1.0.0' });
    expect((await readdir(dir)).sort()).toEqual([...VOLUMES.map((v) => `${v}.tar`), 'manifest.json']);

    // A failed migration: files rewritten, removed, added, modes and owners changed.
    await inVolume(VOLUMES[0]!, 'cd /v && echo v2-partial > conf/key && rm blob.hard && echo new > migrated && chmod 777 conf && chown -h 0:0 link');
    await inVolume(VOLUMES[1]!, 'rm /v/db && chmod 755 /v');
    const changed = await listings();
    expect(changed).not.toEqual(before);

    await restoreVolumes(docker(), STACK, dir, opts);
    expect(await listings()).toEqual(before);

    // A snapshot without its manifest (half-written, or removed) or with a tampered tar: refused, nothing touched.
    await inVolume(VOLUMES[1]!, 'echo changed > /v/db');
    const current = await listings();
    await appendFile(path.join(dir, `${VOLUMES[1]}.tar`), 'x');
    await expect(restoreVolumes(docker(), STACK, dir, opts)).rejects.toThrow(/does not match its manifest/);
    await rm(path.join(dir, 'manifest.json'));
    expect(await readSnapshot(dir)).toBeNull();
    await expect(restoreVolumes(docker(), STACK, dir, opts)).rejects.toThrow(/no whole snapshot \(no manifest\)/);
    expect(await listings()).toEqual(current);

    // Snapshotting again replaces the snapshot whole.
    const again = await snapshotVolumes(docker(), STACK, dir, opts);
    await inVolume(VOLUMES[1]!, 'echo later > /v/db');
    await restoreVolumes(docker(), STACK, dir, opts);
    expect(await listings()).toEqual(current);
    expect(again.volumes[1]!.sha256).not.toBe(m.volumes[1]!.sha256);
  }, 120_000);
});

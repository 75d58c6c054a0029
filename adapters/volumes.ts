import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ApplicationFailure } from '@temporalio/common';
import type Docker from 'dockerode';
import { z } from 'zod';
import { readJson, writeJsonAtomic } from '../state/json-store';
import { runCommand } from './run-command';

/**
 * Snapshots of a stack's volumes, for putting a canonical back as it was
 * after a failed advance. Each volume is one tar made by the Docker daemon
 * itself (the archive API of a throw-away container that mounts the volume):
 * numeric owners, permissions, times (directories' and symlinks' too),
 * symlinks, hard links and fifos come back exactly, which busybox's tar does
 * not manage. The manifest is written last and atomically: a snapshot
 * without one was never whole and is never restored.
 */

const TOOL_IMAGE = 'coopci/busybox:1';
const MANIFEST = 'manifest.json';
const STACK_LABEL = 'com.docker.stack.namespace';
/** Docker's own rule for volume names; a manifest naming anything else is not ours. */
const volumeName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/);

export const SnapshotManifest = z
  .object({
    stack: z.string().min(1),
    takenAt: z.string().datetime(),
    volumes: z.array(z.object({ name: volumeName, bytes: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).strict()),
    /** What the caller wants to know about the snapshot later (the version it holds, who took it). */
    meta: z.record(z.string(), z.string()),
  })
  .strict();
export type SnapshotManifest = z.infer<typeof SnapshotManifest>;

/** A snapshot that cannot be restored or a stack that cannot be touched. Not retryable: a retry repairs neither. */
export class SnapshotError extends ApplicationFailure {
  constructor(message: string) {
    super(message, 'SnapshotError', true);
  }
}

export interface VolumeOptions {
  /** For each volume's copy (and the emptying before a restore). */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** The snapshot's manifest, or null when there is none (no snapshot, or a half-written one). */
export function readSnapshot(dir: string): Promise<SnapshotManifest | null> {
  return readJson(path.join(dir, MANIFEST), SnapshotManifest);
}

/** The stack's volumes, by the label `docker stack deploy` gives them. */
export async function stackVolumes(docker: Docker, stack: string): Promise<string[]> {
  const { Volumes } = await docker.listVolumes({ filters: { label: [`${STACK_LABEL}=${stack}`] } });
  return (Volumes ?? []).map((v) => v.Name).sort();
}

/**
 * The stack's volumes with what each holds, as the daemon counts it (`docker
 * system df -v`). A size the daemon could not compute counts as 0.
 */
export async function stackVolumeSizes(docker: Docker, stack: string): Promise<{ name: string; bytes: number }[]> {
  const names = new Set(await stackVolumes(docker, stack));
  if (names.size === 0) return [];
  const df = (await docker.df()) as { Volumes?: { Name: string; UsageData?: { Size?: number } }[] };
  return (df.Volumes ?? [])
    .filter((v) => names.has(v.Name))
    .map((v) => ({ name: v.Name, bytes: Math.max(0, v.UsageData?.Size ?? 0) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** What still uses the stack's volumes (its services, any running container mounting one), described; empty when nothing. */
export async function volumesInUse(docker: Docker, stack: string): Promise<string[]> {
  const services = await docker.listServices({ filters: { label: [`${STACK_LABEL}=${stack}`] } });
  const held = await Promise.all(
    (await stackVolumes(docker, stack)).map(async (v) => {
      const containers = await docker.listContainers({ filters: { volume: [v] } });
      return containers.map((c) => `container ${c.Names[0]?.replace(/^\//, '') ?? c.Id} holds ${v}`);
    }),
  );
  return [...services.map((s) => `service ${s.Spec?.Name ?? s.ID}`), ...held.flat()];
}

async function assertIdle(docker: Docker, stack: string): Promise<void> {
  const busy = await volumesInUse(docker, stack);
  if (busy.length > 0) throw new Error(`the volumes of ${stack} are in use (${busy.join('; ')}): undeploy it first`);
}

/**
 * Saves every volume of an undeployed stack under `dir`, replacing whatever
 * snapshot was there (its manifest goes first, so a crash midway leaves a
 * snapshot that is plainly not whole). Returns the manifest.
 */
export async function snapshotVolumes(
  docker: Docker,
  stack: string,
  dir: string,
  opts: VolumeOptions & { meta?: Record<string, string> },
): Promise<SnapshotManifest> {
  await assertIdle(docker, stack);
  await rm(path.join(dir, MANIFEST), { force: true });
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const volumes: SnapshotManifest['volumes'] = [];
  for (const name of await stackVolumes(docker, stack)) {
    const hash = createHash('sha256');
    let bytes = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    await withHelper(docker, name, 'ro', async (c) => {
      const signal = deadline(opts);
      const archive = await c.getArchive({ path: '/v', abortSignal: signal });
      // The data may hold secrets: only the worker may read the copy.
      await pipeline(archive, count, createWriteStream(tarOf(dir, name), { mode: 0o600 }), { signal });
    });
    volumes.push({ name, bytes, sha256: hash.digest('hex') });
  }
  const manifest: SnapshotManifest = { stack, takenAt: new Date().toISOString(), volumes, meta: opts.meta ?? {} };
  await writeJsonAtomic(path.join(dir, MANIFEST), manifest);
  return manifest;
}

/**
 * Puts every volume of a snapshot back exactly as it was: refuses a snapshot
 * without a valid manifest, one of another stack, a tar that does not match
 * the manifest, or a volume that belongs to another stack, before anything
 * is changed; then empties each volume (creating it if it is gone) and
 * extracts its tar. Returns the manifest.
 */
export async function restoreVolumes(docker: Docker, stack: string, dir: string, opts: VolumeOptions): Promise<SnapshotManifest> {
  const manifest = await readSnapshot(dir);
  if (!manifest) throw new SnapshotError(`${dir} holds no whole snapshot (no manifest): nothing was restored`);
  if (manifest.stack !== stack) throw new SnapshotError(`${dir} is a snapshot of ${manifest.stack}, not ${stack}: nothing was restored`);
  const missing = new Set<string>();
  for (const v of manifest.volumes) {
    await verifyTar(dir, v);
    const labels = await docker
      .getVolume(v.name)
      .inspect()
      .then((i) => i.Labels ?? {})
      .catch((e: { statusCode?: number }) => {
        if (e.statusCode === 404) return null;
        throw e;
      });
    if (labels === null) missing.add(v.name);
    else if (labels[STACK_LABEL] !== stack) throw new SnapshotError(`volume ${v.name} does not belong to ${stack}: nothing was restored`);
  }
  await assertIdle(docker, stack);
  for (const v of manifest.volumes) {
    // Labelled as the stack's, so its next deploy mounts it and a teardown finds it.
    if (missing.has(v.name)) await docker.createVolume({ Name: v.name, Labels: { [STACK_LABEL]: stack } });
    await emptyVolume(docker, v.name, opts);
    // The tar's top entry is the mount point itself, so the volume's root gets its owner, mode and time back too.
    await withHelper(docker, v.name, 'rw', (c) => c.putArchive(tarOf(dir, v.name), { path: '/', abortSignal: deadline(opts) }));
  }
  return manifest;
}

/**
 * Copies every volume of an idle stack into the same-named volumes of
 * another stack (`warm_x_data` → `cold_x_data`), replacing what they held:
 * an on-demand quick run upgrades such a copy, never the original. The
 * source is mounted read-only and streamed by the daemon's archive API
 * (owners, modes and times come along); the target must be idle too.
 * Returns the copied volumes with their sizes.
 */
export async function copyStackVolumes(docker: Docker, from: string, to: string, opts: VolumeOptions): Promise<{ name: string; bytes: number }[]> {
  await assertIdle(docker, from);
  await assertIdle(docker, to);
  const copied: { name: string; bytes: number }[] = [];
  for (const source of await stackVolumes(docker, from)) {
    if (!source.startsWith(`${from}_`)) throw new SnapshotError(`volume ${source} is labelled as ${from}'s but not named after it: not copied`);
    const target = `${to}${source.slice(from.length)}`;
    const existing = await docker
      .getVolume(target)
      .inspect()
      .catch((e: { statusCode?: number }) => {
        if (e.statusCode === 404) return null;
        throw e;
      });
    if (existing && existing.Labels?.[STACK_LABEL] !== to) throw new SnapshotError(`volume ${target} does not belong to ${to}: nothing copied into it`);
    // Labelled as the target stack's: its deploy mounts it, its teardown removes it.
    if (!existing) await docker.createVolume({ Name: target, Labels: { [STACK_LABEL]: to } });
    let bytes = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    await emptyVolume(docker, target, opts);
    await withHelper(docker, source, 'ro', (src) =>
      withHelper(docker, target, 'rw', async (dst) => {
        const signal = deadline(opts);
        // The tar's top entry is the mount point itself: the target's root gets the source's owner, mode and time.
        const archive = await src.getArchive({ path: '/v', abortSignal: signal });
        await dst.putArchive(archive.pipe(count), { path: '/', abortSignal: signal });
      }),
    );
    copied.push({ name: target, bytes });
  }
  return copied;
}

/** Removes a snapshot: its manifest first, so what a crash leaves is never taken for a whole one. Idempotent. */
export async function removeSnapshot(dir: string): Promise<void> {
  await rm(path.join(dir, MANIFEST), { force: true });
  await rm(dir, { recursive: true, force: true });
}

const tarOf = (dir: string, volume: string) => path.join(dir, `${volume}.tar`);

async function verifyTar(dir: string, v: SnapshotManifest['volumes'][number]): Promise<void> {
  const file = tarOf(dir, v.name);
  const size = await stat(file).then(
    (s) => s.size,
    () => null,
  );
  if (size === null) throw new SnapshotError(`${file} is missing: the snapshot is not whole, nothing was restored`);
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  if (size !== v.bytes || hash.digest('hex') !== v.sha256) {
    throw new SnapshotError(`${file} does not match its manifest (size or sha256 differs): nothing was restored`);
  }
}

/** Removes everything in a volume (not the volume itself), through a throw-away container. */
async function emptyVolume(docker: Docker, volume: string, opts: VolumeOptions): Promise<void> {
  await removeHelper(docker, volume);
  await runCommand(
    'docker',
    [
      'run',
      '--rm',
      '--name',
      helperName(volume),
      '--network',
      'none',
      '-v',
      `${volume}:/v`,
      TOOL_IMAGE,
      'find',
      '/v',
      '-mindepth',
      '1',
      '-maxdepth',
      '1',
      '-exec',
      'rm',
      '-rf',
      '{}',
      '+',
    ],
    { timeoutMs: opts.timeoutMs, label: `empty volume ${volume}` },
  );
}

/** Named after its volume, so one left by a killed attempt is found and removed by the next. */
const helperName = (volume: string) => `coopci-volume-${volume}`;

async function removeHelper(docker: Docker, volume: string): Promise<void> {
  await docker
    .getContainer(helperName(volume))
    .remove({ force: true })
    .catch((e: { statusCode?: number }) => {
      if (e.statusCode !== 404) throw e;
    });
}

/** A container that is never started: the daemon mounts the volume for the archive calls alone. */
async function withHelper<T>(docker: Docker, volume: string, mode: 'ro' | 'rw', f: (c: Docker.Container) => Promise<T>): Promise<T> {
  await removeHelper(docker, volume);
  const c = await docker.createContainer({
    name: helperName(volume),
    Image: TOOL_IMAGE,
    Cmd: ['true'],
    NetworkDisabled: true,
    HostConfig: { Binds: [`${volume}:/v${mode === 'ro' ? ':ro' : ''}`], NetworkMode: 'none' },
  });
  try {
    return await f(c);
  } finally {
    await c.remove({ force: true }).catch(() => undefined);
  }
}

const deadline = (opts: VolumeOptions) =>
  opts.signal ? AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]) : AbortSignal.timeout(opts.timeoutMs);

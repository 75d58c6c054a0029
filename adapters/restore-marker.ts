import type Docker from 'dockerode';

/**
 * coopci's default proof that a backup round-trips, for a recipe whose config
 * gives no `backup.seed`/`backup.verify`: a marker file at the root of the
 * data volume the backup bot saves by default, written and read through the
 * Docker daemon (the archive API of a throw-away container that mounts the
 * volume and is never started, as adapters/volumes.ts does), so nothing is
 * needed inside the app's image.
 *
 * Where it goes: the first volume (in the service's mount order) of the first
 * service (by name) of the stack labelled `backupbot.backup=true`. That is
 * what backup-bot-two saves when the labels name no paths. A dump-style backup
 * (a database whose pre-hook dumps it and whose label saves only the dump)
 * never saves this file, so the default marker calls such a recipe's restore
 * lossy: those recipes need `backup.seed`/`backup.verify`, which write and read
 * the marker through the app's own data (`abra app run`, its API).
 *
 * The volume must be on the daemon coopci talks to: a cold app runs on the
 * worker's own node, as for snapshots.
 */

export const MARKER_FILE = '.coopci-restore-marker';
const TOOL_IMAGE = 'coopci/busybox:1';
const STACK_LABEL = 'com.docker.stack.namespace';
const BACKUP_LABEL = 'backupbot.backup';

/** Said with every failure of the default marker: it does not fit dump-style backups. */
export const DUMP_STYLE_HINT = 'a dump-style backup (a database) does not save it: such recipes need backup.seed/verify in the config';

export interface MarkerPlace {
  /** The Swarm service's full name (`<stack>_<service>`). */
  service: string;
  /** The Docker volume's name (`<stack>_<volume>`). */
  volume: string;
  /** Where the service mounts it. */
  target: string;
}

export interface MarkerOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

interface Mount {
  Type?: string;
  Source?: string;
  Target?: string;
}

/** Where the default marker goes; throws, naming the stack, when no service declares a backup with a volume. */
export async function markerPlace(docker: Docker, stack: string): Promise<MarkerPlace> {
  const services = await docker.listServices({ filters: { label: [`${STACK_LABEL}=${stack}`] } });
  const declared = services
    .filter((s) => s.Spec?.Labels?.[BACKUP_LABEL] === 'true')
    .map((s) => ({
      name: s.Spec?.Name ?? s.ID,
      mounts: ((s.Spec?.TaskTemplate as { ContainerSpec?: { Mounts?: Mount[] } } | undefined)?.ContainerSpec?.Mounts ?? []).filter(
        (m) => m.Type === 'volume' && m.Source && m.Target,
      ),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const first = declared[0];
  if (!first) throw new Error(`no service of ${stack} is deployed with the label ${BACKUP_LABEL}=true: coopci's default restore marker has no volume to go to`);
  const mount = first.mounts[0];
  if (!mount)
    throw new Error(`${first.name} (labelled ${BACKUP_LABEL}=true) mounts no volume: coopci's default restore marker has nowhere to go; ${DUMP_STYLE_HINT}`);
  return { service: first.name, volume: mount.Source!, target: mount.Target! };
}

/** Writes the marker file (mode 0644, owned by root) at the volume's root, replacing any earlier one. */
export async function writeMarker(docker: Docker, place: MarkerPlace, marker: string, opts: MarkerOptions): Promise<void> {
  await withHelper(docker, place.volume, (c) => c.putArchive(oneFileTar(MARKER_FILE, `${marker}\n`), { path: '/v', abortSignal: deadline(opts) }));
}

/** The marker file's content (trimmed), or null when the volume has none. */
export async function readMarker(docker: Docker, place: MarkerPlace, opts: MarkerOptions): Promise<string | null> {
  return withHelper(docker, place.volume, async (c) => {
    let archive: NodeJS.ReadableStream;
    try {
      archive = await c.getArchive({ path: `/v/${MARKER_FILE}`, abortSignal: deadline(opts) });
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return null;
      throw e;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of archive) chunks.push(Buffer.from(chunk as Buffer));
    return firstFileOf(Buffer.concat(chunks))?.trim() ?? null;
  });
}

/** Named after its volume, so one a killed attempt left behind is removed by the next (and never taken for a snapshot's). */
const helperName = (volume: string) => `coopci-marker-${volume}`;

async function withHelper<T>(docker: Docker, volume: string, f: (c: Docker.Container) => Promise<T>): Promise<T> {
  await docker
    .getContainer(helperName(volume))
    .remove({ force: true })
    .catch((e: { statusCode?: number }) => {
      if (e.statusCode !== 404) throw e;
    });
  const c = await docker.createContainer({
    name: helperName(volume),
    Image: TOOL_IMAGE,
    Cmd: ['true'],
    NetworkDisabled: true,
    HostConfig: { Binds: [`${volume}:/v`], NetworkMode: 'none' },
  });
  try {
    return await f(c);
  } finally {
    await c.remove({ force: true }).catch(() => undefined);
  }
}

const deadline = (opts: MarkerOptions) =>
  opts.signal ? AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]) : AbortSignal.timeout(opts.timeoutMs);

/** A ustar archive of one regular file (no tar dependency for 512-byte blocks). */
export function oneFileTar(name: string, content: string): Buffer {
  const data = Buffer.from(content, 'utf8');
  const header = Buffer.alloc(512);
  const put = (text: string, offset: number, length: number) => header.write(text, offset, length, 'ascii');
  const octal = (n: number, length: number) => n.toString(8).padStart(length - 1, '0') + '\0';
  put(name, 0, 100);
  put(octal(0o644, 8), 100, 8);
  put(octal(0, 8), 108, 8); // uid
  put(octal(0, 8), 116, 8); // gid
  put(octal(data.length, 12), 124, 12);
  put(octal(Math.floor(Date.now() / 1000), 12), 136, 12);
  put('        ', 148, 8); // the checksum field counts as spaces while summing
  put('0', 156, 1); // a regular file
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  const sum = header.reduce((a, b) => a + b, 0);
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  const padding = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([header, data, padding, Buffer.alloc(1024)]);
}

/** The content of the first entry of a tar archive, or null when it holds none. */
export function firstFileOf(tar: Buffer): string | null {
  if (tar.length < 512 || tar.subarray(0, 512).every((b) => b === 0)) return null;
  const size = parseInt(tar.subarray(124, 136).toString('ascii').replace(/\0.*$/s, '').trim(), 8);
  if (!Number.isFinite(size)) return null;
  return tar.subarray(512, 512 + size).toString('utf8');
}

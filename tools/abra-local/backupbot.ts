/**
 * `abra app backup create` and `abra app restore`. abra does neither itself:
 * it hands both to backup-bot-two, an app deployed on the server, which abra
 * finds by the deploy label `coop-cloud.backupbot.enabled=true`, and fails
 * when none runs. The bot backs up only what the app's services declare in
 * their deploy labels and runs their hooks inside the services' running
 * containers, so a recipe whose labels save the wrong thing (a hot copy of a
 * live directory, a dump nothing loads back) backs up and "restores" with
 * exit 0 while losing the data. The double does the bot's work itself (the
 * local bot recipe only sleeps), with the same labels and the same blind
 * spots; what the labels mean is in docs/abra.md.
 *
 * The store: ABRA_DIR/backups/<domain>/<UTC timestamp>/<service>/<path…>,
 * plain files, and a backup.json naming what was saved, written last: a
 * backup without it never finished and is never restored.
 */
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { execa } from 'execa';
import { docker } from '../../adapters/swarm';
import { readApp } from './app';
import type { Parsed } from './cli';
import { ABRA_DIR, Fatal } from './common';

const BOT_LABEL = 'coop-cloud.backupbot.enabled';
const BACKUP = 'backupbot.backup';
const PATHS = 'backupbot.backup.path';
const VOLUME = 'backupbot.backup.volumes.';
const MANIFEST = 'backup.json';
const d = docker();

type Hook = 'backupbot.backup.pre-hook' | 'backupbot.backup.post-hook' | 'backupbot.restore.pre-hook' | 'backupbot.restore.post-hook';

/** A service of the app's stack as the bot sees it: its deploy labels and its running container. */
interface Target {
  /** The compose name (`app`), the Swarm service being `<stack>_<name>`. */
  name: string;
  /** Null when no task runs: only a service the bot must work in needs one (withContainer). */
  container: string | null;
  labels: Record<string, string>;
  /** Absolute paths inside the container. */
  paths: string[];
}

interface Manifest {
  domain: string;
  createdAt: string;
  services: { name: string; paths: string[] }[];
}

const backupsOf = (domain: string) => path.join(ABRA_DIR, 'backups', domain);

/** The running container of a Swarm service, or null: hooks and copies need one, as the bot's `docker exec` does. */
export async function runningContainer(docker: Docker, service: string): Promise<string | null> {
  const running = await docker.listContainers({ filters: { label: [`com.docker.swarm.service.name=${service}`], status: ['running'] } });
  return running[0]?.Id ?? null;
}

export async function backupCreate(a: Parsed): Promise<void> {
  const [domain] = a.positional as [string];
  const targets = await prepare(domain);
  const declared = targets.filter((t) => t.labels[BACKUP] === 'true').map(withContainer);
  if (declared.length === 0) {
    throw new Fatal(`no backup configuration found for ${domain}: none of its services has the deploy label ${BACKUP}=true`);
  }
  const createdAt = new Date().toISOString();
  const dir = path.join(backupsOf(domain), createdAt.replace(/[-:]/g, ''));
  await mkdir(dir, { recursive: true });
  try {
    // As the bot does: every pre-hook, then the copies, then every post-hook.
    for (const t of declared) await runHook(t, 'backupbot.backup.pre-hook');
    for (const t of declared) for (const p of t.paths) await copyOut(t, p, path.join(dir, t.name));
    for (const t of declared) await runHook(t, 'backupbot.backup.post-hook');
    const manifest: Manifest = { domain, createdAt, services: declared.map((t) => ({ name: t.name, paths: t.paths })) };
    await writeFile(path.join(dir, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
  } catch (e) {
    // A half-made backup must never become the one a restore picks.
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  console.log(await summary(`backup of ${domain} created in ${dir}`, dir, declared));
}

export async function restore(a: Parsed): Promise<void> {
  const [domain] = a.positional as [string];
  const targets = await prepare(domain);
  const { dir, manifest } = await latestBackup(domain);
  // The saved paths come from the backup, the hooks from the labels deployed now (the bot reads them at restore time).
  const restoring = manifest.services.map((s) => {
    const t = targets.find((x) => x.name === s.name);
    if (!t) throw new Fatal(`cannot restore ${domain}: service ${s.name} of backup ${path.basename(dir)} is not deployed`);
    return { ...withContainer(t), paths: s.paths };
  });
  for (const t of restoring) await runHook(t, 'backupbot.restore.pre-hook');
  // Only the saved paths go back; nothing else in the containers or volumes is touched.
  for (const t of restoring) for (const p of t.paths) await copyIn(t, p, path.join(dir, t.name));
  for (const t of restoring) await runHook(t, 'backupbot.restore.post-hook');
  console.log(await summary(`${domain} restored from backup ${path.basename(dir)}`, dir, restoring));
}

/** The refusals both commands share, then every service of the app with its container and declared paths. */
async function prepare(domain: string): Promise<Target[]> {
  const { stack } = await readApp(domain);
  await assertBackupBot();
  const services = await d.listServices({ filters: { label: [`com.docker.stack.namespace=${stack}`] } });
  if (services.length === 0) throw new Fatal(`${domain} is not deployed`);
  const targets = await Promise.all(
    services.map(async (s) => {
      const full = s.Spec?.Name ?? s.ID;
      const name = full.startsWith(`${stack}_`) ? full.slice(stack.length + 1) : full;
      const labels = s.Spec?.Labels ?? {};
      const container = await runningContainer(d, full);
      const mounts = (s.Spec?.TaskTemplate as { ContainerSpec?: { Mounts?: Mount[] } } | undefined)?.ContainerSpec?.Mounts ?? [];
      return { name, container, labels, paths: labels[BACKUP] === 'true' ? declaredPaths(full, labels, mounts, stack) : [] };
    }),
  );
  // In the order of their names, so hooks run and summaries list in the same order every time.
  return targets.sort((x, y) => x.name.localeCompare(y.name));
}

type Running = Target & { container: string };

function withContainer(t: Target): Running {
  if (!t.container) throw new Fatal(`service ${t.name} has no running container: the backup bot runs its hooks and copies in it`);
  return { ...t, container: t.container };
}

/** abra looks the bot up among all services by its deploy (service) label, not a container label; it must be running. */
async function assertBackupBot(): Promise<void> {
  const bots = await d.listServices({ filters: { label: [`${BOT_LABEL}=true`] } });
  for (const bot of bots) if (await runningContainer(d, bot.Spec?.Name ?? bot.ID)) return;
  const idle = bots.map((b) => b.Spec?.Name ?? b.ID);
  throw new Fatal(
    `no backupbot discovered, is it deployed? (no running service has the deploy label ${BOT_LABEL}=true` +
      `${idle.length ? `; ${idle.join(', ')} has no running container` : ''})`,
  );
}

interface Mount {
  Type?: string;
  Source?: string;
  Target?: string;
}

/**
 * What a service's labels ask to save: `backupbot.backup.path` (absolute
 * paths, comma-separated) when set; otherwise every volume it mounts, less
 * those labelled `backupbot.backup.volumes.<volume>=false`, each cut down to
 * `backupbot.backup.volumes.<volume>.path` (relative to the volume) when set.
 * The bot reads the volumes on the host, so a path on no volume (the
 * container's own filesystem) cannot be saved: refused.
 */
function declaredPaths(service: string, labels: Record<string, string>, mounts: Mount[], stack: string): string[] {
  const volumes = mounts.filter((m) => m.Type === 'volume' && m.Target);
  const split = (v: string) =>
    v
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
  const listed = labels[PATHS];
  if (listed !== undefined) {
    return split(listed).map((p) => {
      if (!path.posix.isAbsolute(p)) throw new Fatal(`${service}: ${PATHS} "${p}" is not an absolute path`);
      const normal = path.posix.normalize(p);
      if (!volumes.some((m) => isWithin(normal, m.Target!)))
        throw new Fatal(`${service}: ${PATHS} "${p}" is on none of its volumes: the backup bot reads volumes only`);
      return normal;
    });
  }
  return volumes.flatMap((m) => {
    const volume = m.Source?.startsWith(`${stack}_`) ? m.Source.slice(stack.length + 1) : (m.Source ?? '');
    if (labels[`${VOLUME}${volume}`] === 'false') return [];
    const within = labels[`${VOLUME}${volume}.path`];
    if (within === undefined) return [m.Target!];
    return split(within).map((rel) => {
      const p = path.posix.join(m.Target!, rel);
      if (!isWithin(p, m.Target!)) throw new Fatal(`${service}: ${VOLUME}${volume}.path "${rel}" leaves the volume`);
      return p;
    });
  });
}

const isWithin = (p: string, dir: string) => p === dir || p.startsWith(dir.endsWith('/') ? dir : `${dir}/`);

/** A hook label's command line, run as the bot runs it: `sh -c` inside the service's running container. */
async function runHook(t: Running, hook: Hook): Promise<void> {
  const command = t.labels[hook];
  if (!command) return;
  const r = await execa('docker', ['exec', t.container, 'sh', '-c', command], { reject: false });
  if (r.failed) throw new Fatal(`${hook} of ${t.name} failed (exit ${r.exitCode}): ${command}\n${(r.stderr || r.stdout).trim()}`);
  console.log(`${t.name}: ${hook} ran`);
}

// Copies go through the Docker API's archive endpoint (docker cp), which needs nothing inside the container, as the bot
// reading volumes on the host needs nothing there; the store keeps each path at its own place under <service>/.
async function copyOut(t: Running, p: string, root: string): Promise<void> {
  const into = path.join(root, path.posix.dirname(p));
  await mkdir(into, { recursive: true });
  await pipe(`saving ${p} of ${t.name}`, execa('docker', ['cp', `${t.container}:${p}`, '-']).pipe('tar', ['-x', '-C', into]));
}

async function copyIn(t: Running, p: string, root: string): Promise<void> {
  const from = path.join(root, path.posix.dirname(p));
  // -a keeps the owners the files had when they were saved, as a restore from the bot does.
  await pipe(
    `restoring ${p} of ${t.name}`,
    execa('tar', ['-c', '-C', from, path.posix.basename(p)]).pipe('docker', ['cp', '-a', '-', `${t.container}:${path.posix.dirname(p)}`]),
  );
}

async function pipe(what: string, run: Promise<unknown>): Promise<void> {
  try {
    await run;
  } catch (e) {
    const err = e as { stderr?: string; shortMessage?: string };
    throw new Fatal(`${what} failed: ${(err.stderr || err.shortMessage || String(e)).trim()}`);
  }
}

/** The newest finished backup of the domain (timestamps sort as their names do). */
async function latestBackup(domain: string): Promise<{ dir: string; manifest: Manifest }> {
  const root = backupsOf(domain);
  const names = (await readdir(root).catch(() => [] as string[])).sort().reverse();
  for (const name of names) {
    const text = await readFile(path.join(root, name, MANIFEST), 'utf8').catch(() => null);
    if (text !== null) return { dir: path.join(root, name), manifest: JSON.parse(text) as Manifest };
  }
  throw new Fatal(`no backup found for ${domain} (none in ${root}): run "abra app backup create ${domain}" first`);
}

async function summary(title: string, dir: string, targets: { name: string; paths: string[] }[]): Promise<string> {
  const lines = [title];
  let total = 0;
  for (const t of targets) {
    for (const p of t.paths) {
      const bytes = await sizeOf(path.join(dir, t.name, p));
      total += bytes;
      lines.push(`  ${t.name}  ${p}  ${human(bytes)}`);
    }
  }
  const count = targets.reduce((n, t) => n + t.paths.length, 0);
  lines.push(`${count} path(s) of ${targets.length} service(s), ${human(total)}`);
  return lines.join('\n');
}

async function sizeOf(p: string): Promise<number> {
  const s = await stat(p);
  if (!s.isDirectory()) return s.size;
  const entries = await readdir(p, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile());
  const sizes = await Promise.all(files.map(async (e) => (await stat(path.join(e.parentPath, e.name))).size));
  return sizes.reduce((a, b) => a + b, 0);
}

function human(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

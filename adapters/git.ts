import { lstat, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { ApplicationFailure } from '@temporalio/common';
import { assertVersion } from '../domain/names';
import { assertRef, isCommit } from '../domain/on-demand';
import { runCommand } from './run-command';

const GIT_ENV = { GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true', LC_ALL: 'C' };

function git(args: string[], timeoutMs: number, cwd?: string) {
  return runCommand('git', args, { env: GIT_ENV, cwd, timeoutMs, label: `git ${args[0] === '-C' ? args[2] : args[0]}` });
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

/** A mirror sync's outcome: upstream's default branch, the tags now in the mirror, and whether anything had to be fetched. */
export interface MirrorSync {
  branch: string;
  tags: string[];
  fetched: boolean;
}

/**
 * Makes the mirror's branches and tags exactly equal to upstream: forced,
 * pruned (a branch or tag deleted upstream disappears here too), nothing of
 * ours pushed, and its HEAD on upstream's default branch, whatever that is
 * called (older Co-op Cloud recipes use master).
 *
 * Most weeks nothing changed upstream: one `ls-remote` compared with the
 * mirror's own refs then stands for the fetch, and the mirror is only read.
 */
export async function syncMirror(upstream: string, mirror: string, timeoutMs: number): Promise<MirrorSync> {
  if (!(await exists(mirror))) {
    await mkdir(path.dirname(mirror), { recursive: true });
    await git(['init', '--quiet', '--bare', mirror], timeoutMs);
  }
  const { branch, same, local: before } = await compareWithUpstream(upstream, mirror, timeoutMs);
  let local = before;
  if (!same) {
    await git(
      [
        '-C',
        mirror,
        'fetch',
        '--quiet',
        '--force',
        '--prune',
        '--no-write-fetch-head',
        '--',
        upstream,
        '+refs/heads/*:refs/heads/*',
        '+refs/tags/*:refs/tags/*',
      ],
      timeoutMs,
    );
    local = await mirrorRefs(mirror, timeoutMs);
  }
  if (local.head !== `refs/heads/${branch}`) await git(['-C', mirror, 'symbolic-ref', 'HEAD', `refs/heads/${branch}`], timeoutMs);
  return { branch, tags: tagsOf(local), fetched: !same };
}

/**
 * The mirror's tags when a sync would change nothing (every branch, tag and
 * HEAD already as upstream has them), read without writing anything; null
 * when a sync is needed (or the mirror does not exist yet).
 */
export async function peekMirror(upstream: string, mirror: string, timeoutMs: number): Promise<string[] | null> {
  if (!(await exists(mirror))) return null;
  const { branch, local, same } = await compareWithUpstream(upstream, mirror, timeoutMs);
  return same && local.head === `refs/heads/${branch}` ? tagsOf(local) : null;
}

async function compareWithUpstream(upstream: string, mirror: string, timeoutMs: number) {
  const remote = await upstreamRefs(upstream, timeoutMs);
  const branch = defaultBranch(remote, upstream);
  const local = await mirrorRefs(mirror, timeoutMs);
  return { branch, local, same: sameRefs(remote.refs, local.refs) };
}

const tagsOf = (r: Refs) => [...r.refs.keys()].filter((n) => n.startsWith('refs/tags/')).map((n) => n.slice('refs/tags/'.length));

interface Refs {
  /** refname → object id, branches and tags only (an annotated tag's own object, not what it points at). */
  refs: Map<string, string>;
  /** What HEAD names: upstream's from `ls-remote --symref`, the mirror's own. */
  head: string | null;
}

/** Upstream's HEAD, branches and tags, in one round trip. */
async function upstreamRefs(upstream: string, timeoutMs: number): Promise<Refs> {
  const { stdout } = await git(['ls-remote', '--symref', '--', upstream, 'HEAD', 'refs/heads/*', 'refs/tags/*'], timeoutMs);
  const refs = new Map<string, string>();
  for (const [, id, name] of stdout.matchAll(/^([0-9a-f]{40,64})\t(refs\/(?:heads|tags)\/\S+)$/gm)) if (!name!.endsWith('^{}')) refs.set(name!, id!);
  const head = /^ref: (refs\/heads\/\S+)\tHEAD$/m.exec(stdout)?.[1] ?? null;
  return { refs, head };
}

/**
 * The mirror's own branches, tags and HEAD. Read from the bare repository's
 * files, not by running git: on the quick path the mirror is read once per
 * recipe, and each git process is a fork of the whole worker (milliseconds
 * of its main thread), while the files are a few small reads.
 */
async function mirrorRefs(mirror: string, timeoutMs: number): Promise<Refs> {
  return (await readRefFiles(mirror)) ?? (await mirrorRefsByGit(mirror, timeoutMs));
}

/** The same, as git lists it: for a mirror whose ref storage the file reader does not know (see readRefFiles). */
async function mirrorRefsByGit(mirror: string, timeoutMs: number): Promise<Refs> {
  const { stdout } = await git(['-C', mirror, 'for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads', 'refs/tags'], timeoutMs);
  const refs = new Map<string, string>();
  for (const [, id, name] of stdout.matchAll(/^([0-9a-f]{40,64}) (\S+)$/gm)) refs.set(name!, id!);
  const head = (await git(['-C', mirror, 'symbolic-ref', '--quiet', 'HEAD'], timeoutMs).catch(() => null))?.stdout.trim() ?? null;
  return { refs, head };
}

/** Thrown inside readRefFiles for anything it does not fully understand: git is asked instead. */
class NotPlainFiles extends Error {}

const OBJECT_ID = /^([0-9a-f]{40}|[0-9a-f]{64})\s*$/;

/**
 * What `for-each-ref refs/heads refs/tags` and `symbolic-ref HEAD` would say,
 * read from git's "files" ref storage (what `git init --bare` makes, and the
 * only storage git 2.39 has): the loose ref files under refs/heads and
 * refs/tags (names may hold '/'), then `packed-refs`, a loose ref overriding
 * a packed one, and HEAD's "ref: refs/heads/X". The object ids are the refs'
 * own (an annotated tag's tag object; packed-refs' '^' peeled lines are
 * skipped), in git's order (refname bytes), so the comparison with
 * `ls-remote` and the tags returned are exactly as before.
 *
 * Null, and git is asked instead, when the mirror is not plainly in that
 * format: another ref storage (`extensions.refStorage` other than files, a
 * `reftable` directory), or anything git would treat specially: a symbolic
 * ref among the branches or tags (for-each-ref would show its target's id), a
 * name git would reject as broken, an unreadable or odd file, a symlinked
 * HEAD. Falling back rather than refusing keeps a mirror made by a newer git
 * (or edited by hand) working, only slower; the fallback is the previous,
 * tested code. Not checked, as git does: that each object exists (a ref to a
 * missing object means a corrupt mirror, which for-each-ref would skip).
 *
 * Loose refs are read before packed-refs, as git does: `pack-refs` writes
 * packed-refs before it deletes the loose files, so a ref being packed
 * meanwhile is seen in one or the other.
 */
async function readRefFiles(mirror: string): Promise<Refs | null> {
  try {
    const config = await readFile(path.join(mirror, 'config'), 'utf8');
    for (const [, storage] of config.matchAll(/^\s*refstorage\s*=\s*"?([^"\s]*)/gim)) if (storage!.toLowerCase() !== 'files') return null;
    if (await exists(path.join(mirror, 'reftable'))) return null;
    const loose = new Map<string, string>();
    for (const top of ['refs/heads', 'refs/tags']) await readLooseDir(mirror, top, loose);
    const refs = new Map(loose);
    for (const [name, id] of await readPackedRefs(mirror)) if (!refs.has(name)) refs.set(name, id);
    const sorted = new Map([...refs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return { refs: sorted, head: await readHead(mirror) };
  } catch (e) {
    if (e instanceof NotPlainFiles) return null;
    if ((e as NodeJS.ErrnoException).code) return null; // unreadable (EACCES, ENOTDIR, …): git will say what is wrong
    throw e;
  }
}

/** A ref name's last component as git would accept it in a ref (check_refname_format), conservatively: plain ASCII only. */
const PLAIN_COMPONENT = /^[A-Za-z0-9_+=,@%-][A-Za-z0-9._+=,@%-]*$/;
const plainName = (name: string) =>
  name.split('/').every((c) => PLAIN_COMPONENT.test(c) && !c.endsWith('.') && !c.endsWith('.lock') && c !== '@') && !name.includes('..');

async function readLooseDir(mirror: string, dir: string, into: Map<string, string>): Promise<void> {
  let entries;
  try {
    entries = await readdir(path.join(mirror, dir), { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // no such refs at all
    throw e;
  }
  await Promise.all(
    entries.map(async (entry) => {
      // Skipped by git too: hidden files and a ref being written (its lock).
      if (entry.name.startsWith('.') || entry.name.endsWith('.lock')) return;
      const name = `${dir}/${entry.name}`;
      if (!plainName(name)) throw new NotPlainFiles(name);
      if (entry.isDirectory()) return readLooseDir(mirror, name, into);
      if (!entry.isFile()) throw new NotPlainFiles(name); // a symlink (an old-style symbolic ref), a socket, …
      let text: string;
      try {
        text = await readFile(path.join(mirror, name), 'utf8');
      } catch (e) {
        // Deleted since the listing (pruned, or packed: then in packed-refs, read after this).
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw e;
      }
      const id = OBJECT_ID.exec(text)?.[1];
      if (!id) throw new NotPlainFiles(name); // a symbolic ref ("ref: …") or not a ref at all
      into.set(name, id);
    }),
  );
}

/** packed-refs' branches and tags: "<id> <refname>" lines after an optional "# pack-refs with:" header, each tag possibly followed by its peeled "^<id>". */
async function readPackedRefs(mirror: string): Promise<Map<string, string>> {
  let text: string;
  try {
    text = await readFile(path.join(mirror, 'packed-refs'), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw e;
  }
  const refs = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith('^')) continue;
    const m = /^([0-9a-f]{40}|[0-9a-f]{64}) (refs\/\S+)$/.exec(line);
    if (!m) throw new NotPlainFiles(`packed-refs: ${line}`);
    const name = m[2]!;
    if (!name.startsWith('refs/heads/') && !name.startsWith('refs/tags/')) continue;
    if (!plainName(name)) throw new NotPlainFiles(name);
    refs.set(name, m[1]!);
  }
  return refs;
}

/** What HEAD names ("ref: refs/heads/X"); null when it names nothing (detached), as `symbolic-ref --quiet HEAD` fails then. */
async function readHead(mirror: string): Promise<string | null> {
  const text = await readFile(path.join(mirror, 'HEAD'), 'utf8');
  const named = /^ref:\s*(\S+)\s*$/.exec(text)?.[1];
  if (named) return named;
  // A detached HEAD, unless HEAD is an old-style symlink to the branch (which symbolic-ref would name).
  if (!OBJECT_ID.test(text) || (await lstat(path.join(mirror, 'HEAD'))).isSymbolicLink()) throw new NotPlainFiles('HEAD');
  return null;
}

const sameRefs = (a: Map<string, string>, b: Map<string, string>) => a.size === b.size && [...a].every(([name, id]) => b.get(name) === id);

/** The branch upstream's HEAD names; without one (a server that does not say, or a dangling HEAD), main or else master if upstream has it. */
function defaultBranch(remote: Refs, upstream: string): string {
  const named = remote.head?.slice('refs/heads/'.length);
  if (named) return assertBranch(named);
  for (const b of ['main', 'master']) if (remote.refs.has(`refs/heads/${b}`)) return b;
  throw new Error(`${upstream} has no default branch (its HEAD names none, and it has neither main nor master): publish one, then sync again`);
}

const assertBranch = (b: string) => {
  if (!/^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/.test(b) || b.includes('..')) throw new Error(`unusable default branch name "${b}"`);
  return b;
};

/** The commit a tag points at (peeled), recorded with the canonical. */
export async function tagCommit(repo: string, tag: string, timeoutMs: number): Promise<string> {
  const { stdout } = await git(['-C', repo, 'rev-parse', '--verify', '--quiet', `refs/tags/${assertVersion(tag)}^{commit}`], timeoutMs);
  return stdout.trim();
}

/**
 * Points abra's recipe checkout at the mirror with HEAD detached at the tag
 * (or, for an on-demand run of a branch or commit, at the resolved commit),
 * so what abra deploys is exactly what is tested; its local default
 * branch and origin/HEAD follow the mirror's, as abra expects of a recipe
 * clone it did not make itself.
 */
export async function checkoutForAbra(mirror: string, checkout: string, tagOrCommit: string, timeoutMs: number): Promise<void> {
  const rev = isCommit(tagOrCommit) ? tagOrCommit : `refs/tags/${assertVersion(tagOrCommit)}`;
  if (!(await exists(path.join(checkout, '.git')))) {
    await mkdir(path.dirname(checkout), { recursive: true });
    await git(['clone', '--quiet', '--no-checkout', '--', mirror, checkout], timeoutMs);
  }
  const branch = assertBranch((await git(['-C', mirror, 'symbolic-ref', '--short', 'HEAD'], timeoutMs)).stdout.trim());
  await git(['-C', checkout, 'remote', 'set-url', 'origin', mirror], timeoutMs);
  await git(
    ['-C', checkout, 'fetch', '--quiet', '--force', '--prune', '--prune-tags', 'origin', '+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*'],
    timeoutMs,
  );
  await git(['-C', checkout, 'checkout', '--quiet', '--force', '--detach', rev], timeoutMs);
  await git(['-C', checkout, 'branch', '--quiet', '--force', '--no-track', branch, `refs/remotes/origin/${branch}`], timeoutMs);
  await git(['-C', checkout, 'symbolic-ref', 'refs/remotes/origin/HEAD', `refs/remotes/origin/${branch}`], timeoutMs);
  await git(['-C', checkout, 'clean', '--quiet', '-fdx'], timeoutMs);
}

/**
 * What an operator's ref names in the mirror, tried as git would and in this
 * order: a tag, a branch, a commit (full or abbreviated, unambiguous).
 */
export async function resolveRef(mirror: string, ref: string, timeoutMs: number): Promise<{ commit: string; kind: 'tag' | 'branch' | 'commit' }> {
  const tries: [string, 'tag' | 'branch' | 'commit'][] = [
    [`refs/tags/${assertRef(ref)}`, 'tag'],
    [`refs/heads/${ref}`, 'branch'],
  ];
  if (/^[0-9a-f]{4,40}$/.test(ref)) tries.push([ref, 'commit']);
  for (const [name, kind] of tries) {
    const r = await git(['-C', mirror, 'rev-parse', '--verify', '--quiet', '--end-of-options', `${name}^{commit}`], timeoutMs).catch(() => null);
    const commit = r?.stdout.trim();
    if (commit && isCommit(commit)) return { commit, kind };
  }
  throw ApplicationFailure.nonRetryable(`"${ref}" is neither a tag, a branch nor a commit of the recipe's upstream (mirror-synced just now)`, 'UnknownRef');
}

/** Whether the recipe's compose file at a tag declares backupbot backups (so the backup/restore tiers apply). */
export async function declaresBackup(repo: string, tagOrCommit: string, timeoutMs: number): Promise<boolean> {
  const rev = isCommit(tagOrCommit) ? tagOrCommit : `refs/tags/${assertVersion(tagOrCommit)}`;
  let text: string;
  try {
    text = (await git(['-C', repo, 'show', `${rev}:compose.yml`], timeoutMs)).stdout;
  } catch {
    return false;
  }
  const compose = YAML.parse(text) as { services?: Record<string, { deploy?: { labels?: unknown } }> } | null;
  return Object.values(compose?.services ?? {}).some((s) => {
    const labels = s?.deploy?.labels;
    const entries = Array.isArray(labels)
      ? labels.map((l) => String(l).split('='))
      : Object.entries((labels ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]);
    return entries.some(([k, v]) => k?.trim() === 'backupbot.backup' && v?.trim() === 'true');
  });
}

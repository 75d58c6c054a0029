import { mkdir, stat } from 'node:fs/promises';
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

async function mirrorRefs(mirror: string, timeoutMs: number): Promise<Refs> {
  const { stdout } = await git(['-C', mirror, 'for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads', 'refs/tags'], timeoutMs);
  const refs = new Map<string, string>();
  for (const [, id, name] of stdout.matchAll(/^([0-9a-f]{40,64}) (\S+)$/gm)) refs.set(name!, id!);
  const head = (await git(['-C', mirror, 'symbolic-ref', '--quiet', 'HEAD'], timeoutMs).catch(() => null))?.stdout.trim() ?? null;
  return { refs, head };
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

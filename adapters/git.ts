import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { assertVersion } from '../domain/names';
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

/**
 * Makes the mirror's main and tags exactly equal to upstream: forced, pruned
 * (a tag deleted upstream disappears here too), and nothing of ours pushed.
 */
export async function syncMirror(upstream: string, mirror: string, timeoutMs: number): Promise<void> {
  if (!(await exists(mirror))) {
    await mkdir(path.dirname(mirror), { recursive: true });
    await git(['init', '--quiet', '--bare', mirror], timeoutMs);
  }
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
      '+refs/heads/main:refs/heads/main',
      '+refs/tags/*:refs/tags/*',
    ],
    timeoutMs,
  );
}

export async function listTags(repo: string, timeoutMs: number): Promise<string[]> {
  const { stdout } = await git(['-C', repo, 'tag', '--list'], timeoutMs);
  return stdout
    .split('\n')
    .map((t) => t.trim())
    .filter(Boolean);
}

/** The commit a tag points at (peeled), recorded with the canonical. */
export async function tagCommit(repo: string, tag: string, timeoutMs: number): Promise<string> {
  const { stdout } = await git(['-C', repo, 'rev-parse', '--verify', '--quiet', `refs/tags/${assertVersion(tag)}^{commit}`], timeoutMs);
  return stdout.trim();
}

/**
 * Points abra's recipe checkout at the mirror with HEAD detached at the tag,
 * so what abra deploys is exactly the tested release.
 */
export async function checkoutForAbra(mirror: string, checkout: string, tag: string, timeoutMs: number): Promise<void> {
  if (!(await exists(path.join(checkout, '.git')))) {
    await mkdir(path.dirname(checkout), { recursive: true });
    await git(['clone', '--quiet', '--no-checkout', '--', mirror, checkout], timeoutMs);
  }
  await git(['-C', checkout, 'remote', 'set-url', 'origin', mirror], timeoutMs);
  await git(
    [
      '-C',
      checkout,
      'fetch',
      '--quiet',
      '--force',
      '--prune',
      '--prune-tags',
      'origin',
      '+refs/heads/main:refs/remotes/origin/main',
      '+refs/tags/*:refs/tags/*',
    ],
    timeoutMs,
  );
  await git(['-C', checkout, 'checkout', '--quiet', '--force', '--detach', `refs/tags/${assertVersion(tag)}`], timeoutMs);
  await git(['-C', checkout, 'clean', '--quiet', '-fdx'], timeoutMs);
}

/** Whether the recipe's compose file at a tag declares backupbot backups (so the backup/restore tiers apply). */
export async function declaresBackup(repo: string, tag: string, timeoutMs: number): Promise<boolean> {
  let text: string;
  try {
    text = (await git(['-C', repo, 'show', `refs/tags/${assertVersion(tag)}:compose.yml`], timeoutMs)).stdout;
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

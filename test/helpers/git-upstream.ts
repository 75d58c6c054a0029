/** A recipe's upstream repository for the mirror tests, worked on as its maintainer would: commits on master, annotated release tags. */
import { execa } from 'execa';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

/** git in `repo`, its output trimmed. */
export const git = async (repo: string, ...args: string[]) => (await execa('git', ['-C', repo, ...args])).stdout.trim();

export async function initUpstream(repo: string): Promise<void> {
  await execa('git', ['init', '--quiet', '--initial-branch=master', repo]);
  await git(repo, 'config', 'user.email', 'ci@example.org');
  await git(repo, 'config', 'user.name', 'ci');
}

/** Commits a compose.yml holding `text`; resolves to the commit. */
export async function commitTo(repo: string, text: string): Promise<string> {
  await writeFile(path.join(repo, 'compose.yml'), text);
  await git(repo, 'add', '--all');
  await git(repo, 'commit', '--quiet', '-m', text);
  return git(repo, 'rev-parse', 'HEAD');
}

export const releaseIn = (repo: string, v: string) => git(repo, 'tag', '-a', '-m', `release ${v}`, v);

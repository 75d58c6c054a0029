/**
 * Mirror sync against real git repositories: the upstream's default branch
 * is found whatever it is called, the mirror stays faithful (force-moved
 * branches, moved and deleted tags), and the checkout handed to abra has a
 * local default branch, origin/HEAD and the tags, detached at the release.
 */
import { execa } from 'execa';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkoutForAbra, syncMirror, tagCommit } from '../../adapters/git';
import { commitTo, git, initUpstream, releaseIn } from '../helpers/git-upstream';

const T = 30_000;
/** The mirror's tags as git lists them, read independently of the adapter. */
const tagsOf = async (repo: string) => (await git(repo, 'tag', '--list')).split('\n').filter(Boolean);

describe('mirror sync', () => {
  let dir: string, upstream: string, mirror: string, checkout: string;
  const commit = (text: string) => commitTo(upstream, text);
  const release = (v: string) => releaseIn(upstream, v);
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'coopci-mirror-'));
    [upstream, mirror, checkout] = ['upstream', 'mirror.git', 'abra/recipes/r'].map((p) => path.join(dir, p)) as [string, string, string];
    await initUpstream(upstream);
  });

  it('follows an upstream whose default branch is master, and gives abra a clone with master, origin/HEAD and the tags', async () => {
    const first = await commit('one');
    await release('1.0.0+1.0');
    expect(await syncMirror(upstream, mirror, T)).toEqual({ branch: 'master', tags: ['1.0.0+1.0'], fetched: true });
    expect(await git(mirror, 'symbolic-ref', 'HEAD')).toBe('refs/heads/master');
    expect(await tagsOf(mirror)).toEqual(['1.0.0+1.0']);

    await checkoutForAbra(mirror, checkout, '1.0.0+1.0', T);
    expect(await git(checkout, 'rev-parse', 'HEAD')).toBe(first);
    expect(await git(checkout, 'rev-parse', 'master')).toBe(first);
    expect(await git(checkout, 'symbolic-ref', 'refs/remotes/origin/HEAD')).toBe('refs/remotes/origin/master');
    expect(await git(checkout, 'cat-file', '-t', 'refs/tags/1.0.0+1.0')).toBe('tag'); // still annotated
  });

  it('stays faithful: a force-moved branch, a moved tag and a deleted tag are followed, in the mirror and the checkout', async () => {
    await commit('one');
    await release('1.0.0+1.0');
    await commit('two');
    await release('1.1.0+1.1');
    await syncMirror(upstream, mirror, T);
    await checkoutForAbra(mirror, checkout, '1.1.0+1.1', T);

    // Upstream rewrites history: master force-moved, 1.1.0 deleted, 1.0.0 moved to the new commit.
    await git(upstream, 'reset', '--quiet', '--hard', 'HEAD~1');
    const rewritten = await commit('two, again');
    await git(upstream, 'tag', '-d', '1.1.0+1.1');
    await git(upstream, 'tag', '-f', '-a', '-m', 'moved', '1.0.0+1.0');
    expect((await syncMirror(upstream, mirror, T)).tags).toEqual(['1.0.0+1.0']);
    expect(await tagsOf(mirror)).toEqual(['1.0.0+1.0']);
    expect(await git(mirror, 'rev-parse', 'master')).toBe(rewritten);
    expect(await tagCommit(mirror, '1.0.0+1.0', T)).toBe(rewritten);

    await checkoutForAbra(mirror, checkout, '1.0.0+1.0', T);
    expect(await git(checkout, 'tag', '--list')).toBe('1.0.0+1.0');
    expect(await git(checkout, 'rev-parse', 'HEAD')).toBe(rewritten);
    expect(await git(checkout, 'rev-parse', 'master')).toBe(rewritten);
  });

  it('follows a default branch renamed from master to main, dropping master', async () => {
    await commit('one');
    await release('1.0.0+1.0');
    await syncMirror(upstream, mirror, T);
    await git(upstream, 'branch', '-m', 'master', 'main');
    expect((await syncMirror(upstream, mirror, T)).branch).toBe('main');
    expect(await git(mirror, 'branch', '--list')).toBe('* main');
    await checkoutForAbra(mirror, checkout, '1.0.0+1.0', T);
    expect(await git(checkout, 'symbolic-ref', 'refs/remotes/origin/HEAD')).toBe('refs/remotes/origin/main');
  });

  it('falls back to master when upstream HEAD names a branch that does not exist, and says so when there is neither', async () => {
    await commit('one');
    await git(upstream, 'symbolic-ref', 'HEAD', 'refs/heads/trunk');
    expect((await syncMirror(upstream, mirror, T)).branch).toBe('master');
    await git(upstream, 'branch', '-m', 'master', 'develop');
    await expect(syncMirror(upstream, mirror, T)).rejects.toThrow(/has no default branch .* neither main nor master/);
  });

  describe('when nothing changed upstream', () => {
    // Every git command the adapter runs goes through this wrapper, which logs its arguments: proof of what ran, not the adapter's word.
    let log: string;
    const oldPath = process.env.PATH;
    beforeEach(async () => {
      const bin = path.join(dir, 'bin');
      log = path.join(dir, 'git.log');
      const real = (await execa('sh', ['-c', 'command -v git'])).stdout.trim();
      await execa('mkdir', ['-p', bin]);
      await writeFile(path.join(bin, 'git'), `#!/bin/sh\necho "$*" >> '${log}'\nexec '${real}' "$@"\n`);
      await chmod(path.join(bin, 'git'), 0o755);
      process.env.PATH = `${bin}:${oldPath}`;
    });
    afterEach(() => {
      process.env.PATH = oldPath;
    });
    const fetches = async () => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter((l) => / fetch /.test(l)).length;

    it('fetches nothing and writes nothing to the mirror; a new, moved or deleted ref is fetched', async () => {
      await commit('one');
      await release('1.0.0+1.0');
      expect(await syncMirror(upstream, mirror, T)).toMatchObject({ fetched: true, tags: ['1.0.0+1.0'] });
      expect(await fetches()).toBe(1);

      expect(await syncMirror(upstream, mirror, T)).toEqual({ branch: 'master', tags: ['1.0.0+1.0'], fetched: false });
      expect(await fetches()).toBe(1);

      await commit('two');
      await release('1.1.0+1.1');
      expect(await syncMirror(upstream, mirror, T)).toMatchObject({ fetched: true, tags: ['1.0.0+1.0', '1.1.0+1.1'] });
      expect(await fetches()).toBe(2);

      // Same names, another object: a tag moved upstream is fetched, and the mirror follows it.
      await git(upstream, 'tag', '-f', '-a', '-m', 'moved', '1.0.0+1.0');
      expect((await syncMirror(upstream, mirror, T)).fetched).toBe(true);
      expect(await git(mirror, 'rev-parse', 'refs/tags/1.0.0+1.0')).toBe(await git(upstream, 'rev-parse', 'refs/tags/1.0.0+1.0'));

      // A branch deleted upstream: pruned here too.
      await git(upstream, 'branch', 'feature');
      await syncMirror(upstream, mirror, T);
      await git(upstream, 'branch', '-D', 'feature');
      expect((await syncMirror(upstream, mirror, T)).fetched).toBe(true);
      expect(await git(mirror, 'branch', '--list')).toBe('* master');
      expect(await fetches()).toBe(5);
    });

    it('still puts the mirror HEAD right when only it is off', async () => {
      await commit('one');
      await syncMirror(upstream, mirror, T);
      await git(mirror, 'symbolic-ref', 'HEAD', 'refs/heads/elsewhere');
      expect(await syncMirror(upstream, mirror, T)).toMatchObject({ branch: 'master', fetched: false });
      expect(await git(mirror, 'symbolic-ref', 'HEAD')).toBe('refs/heads/master');
    });
  });
});

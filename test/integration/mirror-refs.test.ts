/**
 * The mirror's own refs are read from the bare repository's files (loose
 * refs, packed-refs, HEAD), not by running git: these tests check that the
 * reading agrees with git in the cases a real mirror goes through (packed
 * refs, loose refs overriding them, nested branch names, refs pruned after a
 * pack, HEAD on master or main, the order of the tags), that a look really
 * runs one git process only, and that a mirror the reader does not know
 * falls back to git instead of being misread.
 *
 * Every git command the adapter runs goes through a wrapper on PATH that logs
 * its arguments: proof of what ran, not the adapter's word. The truth the
 * adapter is compared with comes from git itself, run by the test.
 */
import { execa } from 'execa';
import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { peekMirror, syncMirror } from '../../adapters/git';
import { commitTo, git, initUpstream, releaseIn } from '../helpers/git-upstream';

const T = 30_000;

describe('the mirror read from its files', () => {
  let dir: string, upstream: string, mirror: string, log: string;
  const oldPath = process.env.PATH;

  const commit = (text: string) => commitTo(upstream, text);
  const release = (v: string) => releaseIn(upstream, v);
  /** The mirror's tags as git lists them (refname order), read by git, not by the adapter. */
  const gitTags = async () => (await git(mirror, 'for-each-ref', '--format=%(refname:lstrip=2)', 'refs/tags')).split('\n').filter(Boolean);
  /** The git commands the adapter ran while `f` ran, one line of arguments each. */
  const gitRuns = async (f: () => Promise<unknown>) => {
    await writeFile(log, '');
    await f();
    return (await readFile(log, 'utf8')).split('\n').filter(Boolean);
  };
  /** A look's result and the git commands it ran. */
  const look = async () => {
    let tags: string[] | null = null;
    const runs = await gitRuns(async () => {
      tags = await peekMirror(upstream, mirror, T);
    });
    return { tags: tags as string[] | null, runs };
  };
  const ONE_LS_REMOTE = [expect.stringMatching(/^ls-remote /)];
  const packMirror = async () => {
    await git(mirror, 'pack-refs', '--all');
    // The premise: the refs are packed, no loose branch or tag left.
    expect(await readFile(path.join(mirror, 'packed-refs'), 'utf8')).toMatch(/^\^[0-9a-f]{40}$/m); // with a peeled tag line
    expect(await execa('find', [path.join(mirror, 'refs'), '-type', 'f']).then((r) => r.stdout)).toBe('');
  };

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'coopci-mirror-refs-'));
    [upstream, mirror] = ['upstream', 'mirror.git'].map((p) => path.join(dir, p)) as [string, string];
    await initUpstream(upstream);
    const bin = path.join(dir, 'bin');
    log = path.join(dir, 'git.log');
    const real = (await execa('sh', ['-c', 'command -v git'])).stdout.trim();
    await mkdir(bin);
    await writeFile(path.join(bin, 'git'), `#!/bin/sh\necho "$*" >> '${log}'\nexec '${real}' "$@"\n`);
    await chmod(path.join(bin, 'git'), 0o755);
    process.env.PATH = `${bin}:${oldPath}`;
  });
  afterEach(() => {
    process.env.PATH = oldPath;
  });

  it('a look runs one git process (ls-remote), and so does a sync with nothing to fetch; the tags come in git order', async () => {
    await commit('one');
    // Names whose byte order is not their creation order nor a locale's order.
    for (const v of ['1.2.0+1.0', '1.10.0+1.0', 'Zeta', 'alpha', '1.2.0+1.0-rc.1']) await release(v);
    expect((await gitRuns(() => syncMirror(upstream, mirror, T))).filter((l) => / fetch /.test(l))).toHaveLength(1);
    const tags = await gitTags();
    expect(tags).toEqual(['1.10.0+1.0', '1.2.0+1.0', '1.2.0+1.0-rc.1', 'Zeta', 'alpha']);
    expect(await look()).toEqual({ tags, runs: ONE_LS_REMOTE });
    expect(await gitRuns(() => syncMirror(upstream, mirror, T))).toEqual(ONE_LS_REMOTE);

    // Some packed, some loose: still one list, in git's order.
    await packMirror();
    await release('1.3.0+1.0');
    await release('0.9.0+1.0');
    expect((await syncMirror(upstream, mirror, T)).fetched).toBe(true);
    expect(await look()).toEqual({ tags: await gitTags(), runs: ONE_LS_REMOTE });
    expect((await look()).tags).toEqual(['0.9.0+1.0', '1.10.0+1.0', '1.2.0+1.0', '1.2.0+1.0-rc.1', '1.3.0+1.0', 'Zeta', 'alpha']);

    // Anything changed upstream, and the look says a sync is needed (still with one git).
    await commit('two');
    expect(await look()).toEqual({ tags: null, runs: ONE_LS_REMOTE });
  });

  it("reads packed refs by their own ids (an annotated tag's, not the peeled commit), a loose ref overriding its packed copy", async () => {
    const first = await commit('one');
    await release('1.0.0+1.0');
    await syncMirror(upstream, mirror, T);
    await packMirror();
    expect(await look()).toEqual({ tags: ['1.0.0+1.0'], runs: ONE_LS_REMOTE });

    // Upstream moves on: the fetch writes loose master and a loose moved tag; packed-refs still has the old ones.
    const second = await commit('two');
    await git(upstream, 'tag', '-f', '-a', '-m', 'moved', '1.0.0+1.0');
    expect(await look()).toEqual({ tags: null, runs: ONE_LS_REMOTE });
    expect((await syncMirror(upstream, mirror, T)).fetched).toBe(true);
    const packed = await readFile(path.join(mirror, 'packed-refs'), 'utf8');
    expect(packed).toContain(`${first} refs/heads/master`);
    expect(await readFile(path.join(mirror, 'refs/heads/master'), 'utf8')).toBe(`${second}\n`);
    expect(existsSync(path.join(mirror, 'refs/tags/1.0.0+1.0'))).toBe(true);
    expect(await look()).toEqual({ tags: ['1.0.0+1.0'], runs: ONE_LS_REMOTE });

    // The other way: a loose ref that is wrong while its packed copy is right is still wrong.
    await git(mirror, 'pack-refs', '--all');
    await git(mirror, 'update-ref', 'refs/heads/master', first);
    expect(await readFile(path.join(mirror, 'packed-refs'), 'utf8')).toContain(`${second} refs/heads/master`);
    expect(await look()).toEqual({ tags: null, runs: ONE_LS_REMOTE });
    expect(await syncMirror(upstream, mirror, T)).toMatchObject({ fetched: true, tags: ['1.0.0+1.0'] });
    expect(await git(mirror, 'rev-parse', 'refs/heads/master')).toBe(second);
    expect(await look()).toEqual({ tags: ['1.0.0+1.0'], runs: ONE_LS_REMOTE });
  });

  it('reads nested branch names, loose and packed, and notices one deleted', async () => {
    await commit('one');
    await release('1.0.0+1.0');
    await git(upstream, 'branch', 'feature/x/y');
    await git(upstream, 'branch', 'release/1.x');
    await syncMirror(upstream, mirror, T);
    expect(existsSync(path.join(mirror, 'refs/heads/feature/x/y'))).toBe(true);
    expect(await look()).toEqual({ tags: ['1.0.0+1.0'], runs: ONE_LS_REMOTE });
    await git(mirror, 'pack-refs', '--all');
    expect(await look()).toEqual({ tags: ['1.0.0+1.0'], runs: ONE_LS_REMOTE });

    // One nested branch moved (now loose again, over its packed copy), one deleted.
    await git(upstream, 'checkout', '--quiet', 'release/1.x');
    await commit('fix');
    await git(upstream, 'checkout', '--quiet', 'master');
    await git(upstream, 'branch', '-D', 'feature/x/y');
    expect(await look()).toEqual({ tags: null, runs: ONE_LS_REMOTE });
    expect((await syncMirror(upstream, mirror, T)).fetched).toBe(true);
    expect(await git(mirror, 'for-each-ref', '--format=%(refname)', 'refs/heads')).toBe('refs/heads/master\nrefs/heads/release/1.x');
    expect(await look()).toEqual({ tags: ['1.0.0+1.0'], runs: ONE_LS_REMOTE });
  });

  it('does not see refs that were packed, then pruned by a fetch', async () => {
    await commit('one');
    await release('1.0.0+1.0');
    await commit('two');
    await release('1.1.0+1.1');
    await release('1.2.0+1.2');
    await git(upstream, 'branch', 'old');
    await syncMirror(upstream, mirror, T);
    await packMirror();
    // 1.2.0 moved after the pack (loose over packed), then deleted with 1.1.0 and a branch: the prune removes loose and packed copies.
    await git(upstream, 'tag', '-f', '-a', '-m', 'moved', '1.2.0+1.2');
    await syncMirror(upstream, mirror, T);
    expect(existsSync(path.join(mirror, 'refs/tags/1.2.0+1.2'))).toBe(true);
    await git(upstream, 'tag', '-d', '1.1.0+1.1', '1.2.0+1.2');
    await git(upstream, 'branch', '-D', 'old');
    expect(await look()).toEqual({ tags: null, runs: ONE_LS_REMOTE });
    expect(await syncMirror(upstream, mirror, T)).toEqual({ branch: 'master', tags: ['1.0.0+1.0'], fetched: true });
    expect(await gitTags()).toEqual(['1.0.0+1.0']);
    expect(await git(mirror, 'branch', '--list')).toBe('* master');
    expect(await look()).toEqual({ tags: ['1.0.0+1.0'], runs: ONE_LS_REMOTE });
  });

  it('reads what HEAD names, master or main, and a detached HEAD as naming none', async () => {
    await commit('one');
    await release('1.0.0+1.0');
    await syncMirror(upstream, mirror, T);
    expect(await look()).toEqual({ tags: ['1.0.0+1.0'], runs: ONE_LS_REMOTE });
    await git(mirror, 'symbolic-ref', 'HEAD', 'refs/heads/main');
    expect(await look()).toEqual({ tags: null, runs: ONE_LS_REMOTE });

    await git(upstream, 'branch', '-m', 'master', 'main');
    // Refs differ (master gone, main new), though the mirror's HEAD already says main.
    expect(await look()).toEqual({ tags: null, runs: ONE_LS_REMOTE });
    expect(await syncMirror(upstream, mirror, T)).toMatchObject({ branch: 'main', fetched: true });
    expect(await readFile(path.join(mirror, 'HEAD'), 'utf8')).toBe('ref: refs/heads/main\n');
    expect(await look()).toEqual({ tags: ['1.0.0+1.0'], runs: ONE_LS_REMOTE });
    await git(mirror, 'symbolic-ref', 'HEAD', 'refs/heads/master');
    expect(await look()).toEqual({ tags: null, runs: ONE_LS_REMOTE });
    // The sync puts HEAD right without a fetch: ls-remote, then symbolic-ref.
    const runs = await gitRuns(async () => expect(await syncMirror(upstream, mirror, T)).toMatchObject({ branch: 'main', fetched: false }));
    expect(runs).toEqual([expect.stringMatching(/^ls-remote /), expect.stringMatching(/ symbolic-ref HEAD refs\/heads\/main$/)]);
    expect(await look()).toEqual({ tags: ['1.0.0+1.0'], runs: ONE_LS_REMOTE });

    await git(mirror, 'update-ref', '--no-deref', 'HEAD', await git(upstream, 'rev-parse', 'HEAD'));
    expect(await readFile(path.join(mirror, 'HEAD'), 'utf8')).toMatch(/^[0-9a-f]{40}\n$/);
    expect(await look()).toEqual({ tags: null, runs: ONE_LS_REMOTE });
    expect(await syncMirror(upstream, mirror, T)).toMatchObject({ branch: 'main', fetched: false });
    expect(await git(mirror, 'symbolic-ref', 'HEAD')).toBe('refs/heads/main');
  });

  describe('falls back to git for a mirror it does not read plainly', () => {
    const BY_GIT = [expect.stringMatching(/^ls-remote /), expect.stringMatching(/ for-each-ref /), expect.stringMatching(/ symbolic-ref --quiet HEAD$/)];
    beforeEach(async () => {
      await commit('one');
      await release('1.0.0+1.0');
      await syncMirror(upstream, mirror, T);
      expect(await look()).toEqual({ tags: ['1.0.0+1.0'], runs: ONE_LS_REMOTE });
    });

    // git 2.39 knows only the files ref storage and ignores both marks below in a version-0 repository,
    // so git still reads this mirror: the fallback's answers can be checked.
    it.each([
      ['another ref storage in its config', () => git(mirror, 'config', 'extensions.refStorage', 'reftable')],
      ['a reftable directory', () => mkdir(path.join(mirror, 'reftable'))],
    ])('%s', async (_, mark) => {
      await mark();
      expect(await look()).toEqual({ tags: ['1.0.0+1.0'], runs: BY_GIT });
      await release('1.1.0+1.1');
      expect(await look()).toEqual({ tags: null, runs: BY_GIT });
      expect(await syncMirror(upstream, mirror, T)).toEqual({ branch: 'master', tags: ['1.0.0+1.0', '1.1.0+1.1'], fetched: true });
      expect(await look()).toEqual({ tags: ['1.0.0+1.0', '1.1.0+1.1'], runs: BY_GIT });
    });

    it('a symbolic ref among the branches (git lists it with its target’s id; a fetch does not prune it)', async () => {
      await git(mirror, 'symbolic-ref', 'refs/heads/alias', 'refs/heads/master');
      expect(await look()).toEqual({ tags: null, runs: BY_GIT });
      expect(await syncMirror(upstream, mirror, T)).toEqual({ branch: 'master', tags: ['1.0.0+1.0'], fetched: true });
      await execa('rm', [path.join(mirror, 'refs/heads/alias')]);
      expect(await look()).toEqual({ tags: ['1.0.0+1.0'], runs: ONE_LS_REMOTE });
    });

    it('a name git would not accept as a ref', async () => {
      await writeFile(path.join(mirror, 'refs/tags/bad name'), `${await git(mirror, 'rev-parse', 'HEAD')}\n`);
      // git ignores the broken ref: the look still finds the mirror equal to upstream.
      expect(await look()).toEqual({ tags: ['1.0.0+1.0'], runs: BY_GIT });
    });
  });
});

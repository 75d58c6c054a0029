/**
 * Turns the example recipes under recipes/<name>/ into upstream git repos:
 * each <version>/ directory becomes one commit tagged with that version (in
 * version order), and an `unreleased/` directory becomes an untagged commit
 * on main. Deterministic: fixed author and dates, so commits are stable.
 */
import { cp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { compareVersions, isVersion } from '../domain/version';

export const EXAMPLES_DIR = fileURLToPath(new URL('../recipes/', import.meta.url));

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'coopci examples',
  GIT_AUTHOR_EMAIL: 'examples@coopci.invalid',
  GIT_COMMITTER_NAME: 'coopci examples',
  GIT_COMMITTER_EMAIL: 'examples@coopci.invalid',
  GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
  GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
};

const git = (repo: string, ...args: string[]) => execa('git', ['-C', repo, ...args], { env: GIT_ENV });

/** The release directories of an example recipe, oldest first. */
export async function releasesOf(recipe: string): Promise<string[]> {
  const dirs = await readdir(path.join(EXAMPLES_DIR, recipe));
  return dirs.filter(isVersion).sort(compareVersions);
}

export interface ExampleOptions {
  /**
   * Added to the host port the example publishes (its `${PORT:-N}`), so
   * copies of one example can run side by side on one Swarm (the test suite
   * runs its files in parallel, each on ports of its own).
   */
  portShift?: number;
}

/**
 * (Re)creates `dest` as the upstream repo of an example recipe. With
 * `upTo`, releases after that version are left out (publish them later with
 * publishRelease, as a recipe maintainer would).
 */
export async function buildUpstream(recipe: string, dest: string, opts: ExampleOptions & { upTo?: string } = {}): Promise<void> {
  await rm(dest, { recursive: true, force: true });
  await mkdir(dest, { recursive: true });
  await execa('git', ['init', '--quiet', '--initial-branch=main', dest]);
  for (const v of await releasesOf(recipe)) {
    if (opts.upTo && compareVersions(v, opts.upTo) > 0) break;
    await publishRelease(recipe, dest, v, opts);
  }
  const unreleased = path.join(EXAMPLES_DIR, recipe, 'unreleased');
  if (
    await stat(unreleased).then(
      () => true,
      () => false,
    )
  )
    await commitTree(dest, unreleased, 'work in progress', opts);
}

/** Commits an example release's files onto main and tags it. */
export async function publishRelease(recipe: string, repo: string, version: string, opts: ExampleOptions = {}): Promise<void> {
  await commitTree(repo, path.join(EXAMPLES_DIR, recipe, version), `release ${version}`, opts);
  // Annotated, as Co-op Cloud releases are (abra's lint refuses a lightweight release tag).
  await git(repo, 'tag', '--annotate', '--message', `release ${version}`, version);
}

async function commitTree(repo: string, src: string, message: string, opts: ExampleOptions): Promise<void> {
  for (const f of await readdir(repo)) if (f !== '.git') await rm(path.join(repo, f), { recursive: true, force: true });
  await cp(src, repo, { recursive: true });
  if (opts.portShift) await shiftPorts(repo, opts.portShift);
  await git(repo, 'add', '--all');
  await git(repo, 'commit', '--quiet', '--allow-empty', '-m', message);
}

async function shiftPorts(repo: string, shift: number): Promise<void> {
  for (const f of (await readdir(repo)).filter((n) => /^compose.*\.ya?ml$/.test(n))) {
    const file = path.join(repo, f);
    await writeFile(file, withPortShift(await readFile(file, 'utf8'), shift));
  }
}

/** An example's compose text with its published port (`${PORT:-N}`) moved by `shift`. */
export const withPortShift = (compose: string, shift: number) => compose.replace(/\$\{PORT:-(\d+)\}/g, (_, p: string) => `\${PORT:-${Number(p) + shift}}`);

// `tsx scripts/example-recipes.ts DEST_DIR [recipe[@last-version]...]` builds upstream repos for the quick start.
if (import.meta.url === `file://${process.argv[1]}`) {
  const [dest, ...names] = process.argv.slice(2);
  if (!dest) {
    console.error('usage: example-recipes.ts DEST_DIR [recipe[@last-version]...]');
    process.exit(2);
  }
  const all = (await readdir(EXAMPLES_DIR, { withFileTypes: true })).filter((d) => d.isDirectory() && d.name !== 'tests').map((d) => d.name);
  for (const spec of names.length ? names : all) {
    const [r, upTo] = spec.split('@') as [string, string | undefined];
    await buildUpstream(r, path.join(dest, r), { upTo });
    console.log(`${r}: ${path.join(dest, r)}`);
  }
}

/**
 * A recipe checkout in ABRA_DIR/recipes/<recipe>, handled as abra handles it
 * with --offline: nothing is fetched; the checkout needs a local default
 * branch (main or master) and must be clean before abra checks out the tag of
 * the version it was asked for; --chaos takes the working tree as it is.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { assertName, exists, Fatal, recipeDir, sh } from './common';

export interface Checkout {
  recipe: string;
  dir: string;
}

const git = (c: Checkout, ...args: string[]) => sh('git', ['-C', c.dir, ...args]);

export async function openRecipe(recipe: string): Promise<Checkout> {
  const dir = recipeDir(assertName(recipe, 'recipe name'));
  // With --offline abra uses what is on disk; the double has no network at all, so the same refusal covers both.
  if (!(await exists(path.join(dir, '.git')))) throw new Fatal(`recipe ${recipe} is not in ${dir} (offline: nothing is fetched, clone it there first)`);
  const c = { recipe, dir };
  const branches = (await git(c, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/main', 'refs/heads/master')).trim();
  if (!branches) throw new Fatal(`failed to select default branch in ${dir}: the recipe needs a local main or master branch`);
  return c;
}

/** Every tag with its kind: an annotated tag is a tag object, a lightweight one points straight at a commit. */
export async function tags(c: Checkout): Promise<{ name: string; annotated: boolean }[]> {
  const out = await git(c, 'for-each-ref', '--format=%(objecttype) %(refname:strip=2)', 'refs/tags');
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [type, name] = l.split(' ', 2) as [string, string];
      return { name, annotated: type === 'tag' };
    });
}

export async function hasTag(c: Checkout, version: string): Promise<boolean> {
  const r = await execa('git', ['-C', c.dir, 'rev-parse', '--verify', '--quiet', `refs/tags/${version}^{commit}`], { reject: false });
  return r.exitCode === 0;
}

/** Checks out the version's tag, as abra does before reading or deploying a recipe; refuses a dirty checkout first. */
export async function checkoutVersion(c: Checkout, version: string): Promise<void> {
  if (!(await hasTag(c, version))) throw new Fatal(`version ${version} does not exist for recipe ${c.recipe}? (not a tag of ${c.dir})`);
  if (await isDirty(c)) throw new Fatal(`${c.recipe} has locally unstaged changes? please commit/remove your changes before proceeding`);
  await git(c, 'checkout', '--quiet', '--detach', `refs/tags/${version}`);
}

/** What a --chaos deploy records as its version: the checkout's commit, `+U` when the tree has uncommitted changes. */
export async function chaosVersion(c: Checkout): Promise<string> {
  const commit = (await git(c, 'rev-parse', '--short=8', 'HEAD')).trim();
  return (await isDirty(c)) ? `${commit}+U` : commit;
}

const isDirty = async (c: Checkout) => (await git(c, 'status', '--porcelain')).trim() !== '';

/** A file of the checked-out recipe, or null when the recipe has none. */
export async function readRecipeFile(c: Checkout, file: string): Promise<string | null> {
  return readFile(path.join(c.dir, file), 'utf8').catch(() => null);
}

/**
 * Cold-run dependencies (`recipes[].needs`): a recipe that needs another one
 * running (e.g. a Drone that needs a Gitea) is tested with that dependency
 * deployed beside it, on a domain of the dependency's own, and is told the
 * dependency's domain through a variable of its env file. Pure rules: the
 * order dependencies are deployed in, cycles, the domains, and what each
 * deployed app is told.
 */
import { findCycle } from './graph';
import { stackName } from './stack-name';

/** One need of a recipe: the recipe it needs, and the env variable that receives that recipe's domain. */
export interface Need {
  recipe: string;
  env: string;
}

export interface NeedsNode {
  name: string;
  needs?: readonly Need[];
}

/** What a need's variable may be called: an upper-case env name (abra's env files, compose interpolation). */
export const NEED_ENV_RE = /^[A-Z][A-Z0-9_]*$/;

/**
 * Variables abra or coopci set themselves: a need may not overwrite them (the
 * app's own domain, its recipe and version, its compose files, its stack).
 */
export const RESERVED_ENV = new Set(['TYPE', 'RECIPE', 'DOMAIN', 'COMPOSE_FILE', 'STACK_NAME']);

/** Why a need's variable name cannot be used, or null. */
export function needEnvProblem(name: string): string | null {
  if (!NEED_ENV_RE.test(name)) return 'must be an upper-case env variable name like "GITEA_DOMAIN" (A-Z, 0-9, _; starting with a letter)';
  if (RESERVED_ENV.has(name) || /^SECRET_/.test(name))
    return `"${name}" is set by abra itself (TYPE, DOMAIN, COMPOSE_FILE, STACK_NAME, SECRET_*): choose another name`;
  return null;
}

/**
 * One cycle among the recipes' needs as a closed path (first name repeated
 * at the end: `a → b → a`; a recipe needing itself is `a → a`), or null.
 * Needs naming unknown recipes are ignored here (reported on their own).
 */
export function findNeedsCycle(nodes: readonly NeedsNode[]): string[] | null {
  return findCycle(new Map(nodes.map((n) => [n.name, (n.needs ?? []).map((need) => need.recipe)])));
}

/**
 * Every recipe `root` needs, directly or through another dependency, each
 * once, in deploy order: a dependency of a dependency comes before it; among
 * independent ones, the order the needs are listed in. Throws on a cycle or a
 * need naming a recipe not among `nodes` (the config check refuses both).
 */
export function dependencyOrder(root: string, nodes: readonly NeedsNode[]): string[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const order: string[] = [];
  const visiting: string[] = [];
  const visit = (name: string) => {
    if (order.includes(name)) return;
    if (visiting.includes(name)) throw new Error(`cycle ${[...visiting.slice(visiting.indexOf(name)), name].join(' → ')}`);
    const node = byName.get(name);
    if (!node) throw new Error(`"${name}" (needed by ${visiting.at(-1) ?? root}) is not a recipe in the config`);
    visiting.push(name);
    for (const need of node.needs ?? []) visit(need.recipe);
    visiting.pop();
    if (name !== root) order.push(name);
  };
  visit(root);
  return order;
}

/** abra cuts stack names (the domain with dots as underscores) to this many characters. */
const STACK_NAME_MAX = 45;

/**
 * The domain a dependency runs at during `recipe`'s cold run:
 * `dep-<dep>-<recipe>-<hash>.<ciDomain>`. Never the dependency's own cold
 * domain (`cold-<dep>.…`, used by its own cold run) nor a canonical's
 * (`warm-…`). The hash of the pair makes the name unambiguous (recipe names
 * contain hyphens: `a-b` needed by `c` and `a` needed by `b-c` read alike) and
 * stays when the readable part is cut so the stack name fits abra's 45
 * characters uncut, so two pairs never share a stack. One label below
 * ciDomain, so a `*.ciDomain` wildcard certificate covers it.
 */
export function dependencyDomain(dep: string, recipe: string, ciDomain: string): string {
  const hash = fnv1a32(`${dep}\n${recipe}`);
  const room = STACK_NAME_MAX - ciDomain.length - 1 - (hash.length + 1);
  const readable = `dep-${dep}-${recipe}`.slice(0, Math.max(0, room)).replace(/-+$/, '');
  // With a very long ciDomain there is no room for names: the hash alone (abra then cuts the stack name, after the hash).
  const label = readable.length > 'dep-'.length ? `${readable}-${hash}` : `dep-${hash}`;
  return `${label}.${ciDomain}`;
}

/** Whether abra keeps a domain's stack name whole (not cut to its 45 characters). */
export const stackNameWhole = (domain: string) => stackName(domain) === domain.replaceAll('.', '_');

/** One app of a cold run's dependencies: the recipe, where it runs, and what its env file is told. */
export interface DependencyApp {
  recipe: string;
  domain: string;
  /** Its own needs' variables, each set to that dependency's domain (a dependency of a dependency). */
  env: Record<string, string>;
}

export interface DependencyPlan {
  /** In deploy order (tear down in reverse). */
  deps: DependencyApp[];
  /** The dependent recipe's env values: each need's variable set to that dependency's domain. */
  env: Record<string, string>;
}

/**
 * The dependencies of `root`'s cold run: every one deployed once (a
 * dependency needed by two others too), at its dependency domain for this
 * root, told its own needs' domains; and what the root's env file is told.
 */
export function dependencyPlan(root: string, nodes: readonly NeedsNode[], ciDomain: string): DependencyPlan {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const envOf = (name: string) => Object.fromEntries((byName.get(name)?.needs ?? []).map((n) => [n.env, dependencyDomain(n.recipe, root, ciDomain)]));
  const deps = dependencyOrder(root, nodes).map((recipe) => ({ recipe, domain: dependencyDomain(recipe, root, ciDomain), env: envOf(recipe) }));
  return { deps, env: envOf(root) };
}

/** FNV-1a, 32 bits, as 8 hex digits: a short stable name part (not a security measure). */
function fnv1a32(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

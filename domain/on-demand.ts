import { TIERS, type TierName } from './tiers';

/**
 * Rules of on-demand runs (`coopci run`): which refs may reach git's command
 * line, and which tiers an operator may pick. Checked by the CLI before
 * anything starts, and again by the activities.
 */

/**
 * A branch, tag or commit as an operator types it: git's ref-format rules
 * that matter here (no `..`, no `@{`, no leading `-` or `/`, no `.lock`
 * component end, no control or special characters), so nothing reaches git
 * that it could read as an option, a revision expression or a path.
 */
export function refProblem(ref: string): string | null {
  if (!/^[A-Za-z0-9_][A-Za-z0-9._/+-]{0,199}$/.test(ref))
    return `"${ref}" is not a usable ref: a branch, tag or commit of letters, digits, ".", "_", "/", "+" and "-", not starting with "-" or "/"`;
  if (ref.includes('..') || ref.includes('//') || ref.endsWith('/') || ref.endsWith('.') || /(^|\/)\./.test(ref) || /\.lock(\/|$)/.test(ref))
    return `"${ref}" is not a valid git ref name (no "..", "//", a component starting with "." or ending in ".lock", or a trailing "/" or ".")`;
  return null;
}

export function assertRef(ref: string): string {
  const p = refProblem(ref);
  if (p) throw new Error(p);
  return ref;
}

/** A full commit id (what a resolved ref is checked out as). */
export const isCommit = (s: string) => /^[0-9a-f]{40}$/.test(s);

/**
 * The tiers an operator asked for (`--tiers custom,backup`): known names,
 * in run order; install always runs (every other tier needs the installed
 * app) and a restore needs the backup it restores.
 */
export function selectTiers(asked: string[]): { tiers: TierName[] } | { problem: string } {
  const unknown = asked.filter((t) => !(TIERS as readonly string[]).includes(t));
  if (unknown.length > 0) return { problem: `unknown tier${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (tiers: ${TIERS.join(', ')})` };
  const set = new Set<string>(['install', ...asked]);
  if (set.has('restore') && !set.has('backup')) return { problem: 'the restore tier restores the backup tier’s backup: add backup (--tiers backup,restore)' };
  return { tiers: TIERS.filter((t) => set.has(t)) };
}

/** Why a tier does not run in an on-demand run that selected others (reported n/a). */
export const notSelected = (tiers: readonly TierName[]) => `not selected in this run (--tiers ${tiers.join(',')})`;

/**
 * Where the upgrade tier of a branch or commit starts: the recipe's
 * `upgradeFrom` when set (it must be a release tag), else the latest release.
 */
export function refUpgradeBase(
  tags: readonly string[],
  latest: string | null,
  upgradeFrom?: string,
): { from: string } | { problem: string } | { none: string } {
  if (upgradeFrom !== undefined)
    return tags.includes(upgradeFrom) ? { from: upgradeFrom } : { problem: `upgradeFrom ${upgradeFrom} is not a release tag of the upstream` };
  return latest ? { from: latest } : { none: 'no release to upgrade from' };
}

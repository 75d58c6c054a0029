/**
 * Recipe release versions: `<recipe semver>+<upstream version>`, e.g.
 * `1.0.0+v1.6.870-0` or `3.6.0+1.24.2-rootless`. Ordering uses only the
 * recipe semver (pre-releases included, SemVer 2.0 precedence); the upstream
 * part is carried along but never compared.
 */

export class VersionError extends Error {
  override name = 'VersionError';
}

export interface RecipeVersion {
  raw: string;
  major: number;
  minor: number;
  patch: number;
  prerelease: readonly string[];
  upstream: string | null;
}

const MAX_LENGTH = 128;
const NUMERIC = '0|[1-9]\\d*';
const IDENT = '[0-9A-Za-z-]+';
// Anchored and character-limited so a parsed version is always safe as one argv entry.
const VERSION_RE = new RegExp(`^(${NUMERIC})\\.(${NUMERIC})\\.(${NUMERIC})` + `(?:-(${IDENT}(?:\\.${IDENT})*))?` + `(?:\\+([0-9A-Za-z][0-9A-Za-z._-]*))?$`);

export function parseVersion(raw: string): RecipeVersion {
  if (typeof raw !== 'string' || raw.length === 0) {
    throw new VersionError('version is empty');
  }
  if (raw.length > MAX_LENGTH) {
    throw new VersionError(`version is longer than ${MAX_LENGTH} characters`);
  }
  const m = VERSION_RE.exec(raw);
  if (!m) {
    throw new VersionError(`"${printable(raw)}" is not a recipe version: expected <major>.<minor>.<patch>[-<pre>][+<upstream>], e.g. 1.0.0+v1.6.870-0`);
  }
  const prerelease = m[4] ? m[4].split('.') : [];
  for (const id of prerelease) {
    if (/^\d+$/.test(id) && id.length > 1 && id.startsWith('0')) {
      throw new VersionError(`"${raw}": numeric pre-release identifier "${id}" has a leading zero`);
    }
  }
  const [major, minor, patch] = [m[1], m[2], m[3]].map((n) => Number(n)) as [number, number, number];
  if (![major, minor, patch].every(Number.isSafeInteger)) {
    throw new VersionError(`"${raw}": version number too large`);
  }
  return { raw, major, minor, patch, prerelease, upstream: m[5] ?? null };
}

export function isVersion(raw: string): boolean {
  try {
    parseVersion(raw);
    return true;
  } catch {
    return false;
  }
}

/** SemVer precedence of the recipe part; negative, zero or positive. */
export function compareVersions(a: string | RecipeVersion, b: string | RecipeVersion): number {
  const x = typeof a === 'string' ? parseVersion(a) : a;
  const y = typeof b === 'string' ? parseVersion(b) : b;
  return x.major - y.major || x.minor - y.minor || x.patch - y.patch || comparePrerelease(x.prerelease, y.prerelease);
}

function comparePrerelease(a: readonly string[], b: readonly string[]): number {
  // A release ranks above any of its pre-releases.
  if (a.length === 0 || b.length === 0) return b.length - a.length;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareIdentifier(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

function compareIdentifier(a: string, b: string): number {
  const an = /^\d+$/.test(a);
  const bn = /^\d+$/.test(b);
  if (an && bn) return Number(a) - Number(b);
  if (an !== bn) return an ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface LatestReleaseOptions {
  includePrereleases?: boolean;
}

/**
 * The newest release among a repo's tags. Tags that are not versions (e.g.
 * `test-fixture`) are not releases and are ignored; equal recipe versions are
 * broken by the raw tag so the answer never depends on tag listing order.
 */
export function latestRelease(tags: readonly string[], opts: LatestReleaseOptions = {}): string | null {
  let best: RecipeVersion | null = null;
  for (const tag of tags) {
    if (!isVersion(tag)) continue;
    const v = parseVersion(tag);
    if (v.prerelease.length > 0 && !opts.includePrereleases) continue;
    if (!best || compareVersions(v, best) > 0 || (compareVersions(v, best) === 0 && v.raw > best.raw)) {
      best = v;
    }
  }
  return best?.raw ?? null;
}

/** A tag latestRelease passed over, and why; the sweep says these so an old-style `v2.4.8` is not silently "never released". */
export interface IgnoredTag {
  tag: string;
  why: string;
}

export function ignoredTags(tags: readonly string[], opts: LatestReleaseOptions = {}): IgnoredTag[] {
  return tags.flatMap((tag) => {
    if (isVersion(tag)) {
      return parseVersion(tag).prerelease.length > 0 && !opts.includePrereleases ? [{ tag, why: 'a prerelease, and includePrereleases is off' }] : [];
    }
    if (/^v/i.test(tag) && isVersion(tag.slice(1))) return [{ tag, why: 'v-prefixed: Co-op Cloud release tags are <version>+<upstream>, without a v' }];
    return [{ tag, why: 'not a recipe version' }];
  });
}

/** "ignored tags: v2.4.8 (v-prefixed: …), wip (not a recipe version)", at most five named; empty when none. */
export function describeIgnoredTags(ignored: readonly IgnoredTag[]): string {
  if (ignored.length === 0) return '';
  const named = ignored.slice(0, 5).map((t) => `${printable(t.tag)} (${t.why})`);
  const more = ignored.length > 5 ? ` and ${ignored.length - 5} more` : '';
  return `ignored tags: ${named.join(', ')}${more}`;
}

/** The newest release strictly older than `version`, used as the upgrade tier's starting point. */
export function previousRelease(tags: readonly string[], version: string): string | null {
  const older = tags.filter((t) => isVersion(t) && parseVersion(t).prerelease.length === 0 && compareVersions(t, version) < 0);
  return latestRelease(older);
}

/**
 * Where the upgrade tier starts: the recipe's `upgradeFrom` when set (it must
 * be an older release tag, or the tier fails naming it, never silently
 * ignored), else the newest release before the tested one, else nowhere.
 */
export type UpgradeBase = { from: string } | { none: string } | { problem: string };

export function upgradeBase(tags: readonly string[], version: string, upgradeFrom?: string): UpgradeBase {
  if (upgradeFrom !== undefined) {
    if (!tags.includes(upgradeFrom)) return { problem: `upgradeFrom ${upgradeFrom} is not a release tag of the upstream` };
    if (compareVersions(upgradeFrom, version) >= 0) return { problem: `upgradeFrom ${upgradeFrom} is not older than the tested ${version}` };
    return { from: upgradeFrom };
  }
  const previous = previousRelease(tags, version);
  return previous ? { from: previous } : { none: 'no earlier release to upgrade from' };
}

function printable(s: string): string {
  return s.length > 40 ? `${JSON.stringify(s.slice(0, 40)).slice(1, -1)}…` : JSON.stringify(s).slice(1, -1);
}

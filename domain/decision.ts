import { compareVersions, describeIgnoredTags, ignoredTags, latestRelease, type LatestReleaseOptions } from './version';

/**
 * The sweep decision for one recipe, made only from its latest release tag and
 * its canonical's version (never from commits: an untagged commit on main must
 * not trigger a run).
 */
export type Decision =
  | { action: 'run'; reason: 'seed'; version: string }
  | { action: 'run'; reason: 'new-release'; version: string; canonical: string }
  | { action: 'skip'; reason: 'no-new-version' | 'older-than-canonical'; version: string; canonical: string }
  | { action: 'skip'; reason: 'never-released' };

export function decide(latest: string | null, canonical: string | null): Decision {
  if (latest === null) return { action: 'skip', reason: 'never-released' };
  if (canonical === null) return { action: 'run', reason: 'seed', version: latest };
  const c = compareVersions(latest, canonical);
  if (c > 0) return { action: 'run', reason: 'new-release', version: latest, canonical };
  if (c === 0) return { action: 'skip', reason: 'no-new-version', version: latest, canonical };
  return { action: 'skip', reason: 'older-than-canonical', version: latest, canonical };
}

export function describeDecision(d: Decision): string {
  switch (d.reason) {
    case 'seed':
      return 'run (seed)';
    case 'new-release':
      return `run (new release ${d.version} > canonical ${d.canonical})`;
    default:
      return `skip ${d.reason}`;
  }
}

/** A decision from a recipe's tags, with what the report says of it (`text`: its "decision" column, naming any tags it ignored). */
export type TagDecision = { action: 'skip'; reason: string; text: string; version: string | null } | { action: 'run'; text: string; version: string };

/** The sweep's decision for a recipe from its tags and its canonical's version: made by the sweep's look and by the recipe's run alike. */
export function decideFromTags(tags: readonly string[], canonical: string | null, opts: LatestReleaseOptions): TagDecision {
  const d = decide(latestRelease(tags, opts), canonical);
  const ignored = describeIgnoredTags(ignoredTags(tags, opts));
  const text = describeDecision(d) + (ignored ? `; ${ignored}` : '');
  if (d.action === 'run') return { action: 'run', text, version: d.version };
  if (d.reason === 'never-released') return { action: 'skip', reason: ignored ? `never-released; ${ignored}` : d.reason, text, version: null };
  return { action: 'skip', reason: d.reason, text, version: d.version };
}

import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files measured at half a minute or more in a full run (this 2-core
 * machine, 5 and 6 files at a time, 2026-11), longest first. Starting the longest
 * first keeps every side-by-side worker busy to the end instead of one long
 * file running alone last. vitest orders by the last run's durations, but a
 * fresh clone (CI's) has none and falls back to file size, which started a
 * 140 s file two thirds of the way through. A file missing here (new, or
 * renamed) only starts later; it is never left out.
 */
const LONGEST_FIRST = [
  'integration/proxy',
  'integration/proxy-faults',
  'integration/control',
  'faults/failed-advance',
  'integration/on-demand',
  'integration/test-policy',
  'faults/one-writer',
  'integration/restore-roundtrip',
  'integration/sweep',
  'faults/promote-crash-late',
  'abra/conformance',
  'deploy/production',
  'faults/promote-crash',
  'integration/canonical-restore',
  'workflows/sweep',
  'integration/needs',
  'faults/lost-record',
  'integration/disk-budget',
  'integration/real-recipe',
  'workflows/locks',
  'faults/server-restart',
  'integration/operator',
  'workflows/warm-one-writer',
  'abra/conformance-no-bot',
].map((f) => `/test/${f}.test.ts`);

/** Then the files that deploy on the Swarm (a minute or so each), then the rest (seconds); within each, vitest's own order. */
const deploys = (f: TestSpecification) => /\/test\/(faults|integration|deploy|abra)\//.test(f.moduleId);

export class LongFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = LONGEST_FIRST.findIndex((end) => f.moduleId.endsWith(end));
      return i >= 0 ? i : LONGEST_FIRST.length + (deploys(f) ? 0 : 1);
    };
    // A stable sort: equal ranks keep vitest's order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}

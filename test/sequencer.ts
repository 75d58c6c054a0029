import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that deploy on the Swarm take a minute or more each, the rest
 * seconds: starting the long ones first keeps every side-by-side worker busy
 * to the end, instead of one long file running alone last. Within each part,
 * vitest's own order (the last run's durations where it has them, else size).
 */
export class LongFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const long = (f: TestSpecification) => /\/test\/(faults|integration|deploy|abra)\//.test(f.moduleId);
    return [...sorted.filter(long), ...sorted.filter((f) => !long(f))];
  }
}

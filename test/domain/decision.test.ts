import { describe, expect, it } from 'vitest';
import { decide, decideFromTags, describeDecision } from '../../domain/decision';

describe('sweep decision', () => {
  it.each([
    ['1.0.0+1', null, 'run (seed)'],
    ['1.1.0+1', '1.0.0+1', 'run (new release 1.1.0+1 > canonical 1.0.0+1)'],
    ['1.0.0+1', '1.0.0+1', 'skip no-new-version'],
    ['1.0.0+2', '1.0.0+1', 'skip no-new-version'],
    ['1.0.0+1', '1.1.0+1', 'skip older-than-canonical'],
    [null, null, 'skip never-released'],
    [null, '1.0.0+1', 'skip never-released'],
    ['1.0.0+1', '1.0.0-rc.1+1', 'run (new release 1.0.0+1 > canonical 1.0.0-rc.1+1)'],
  ])('latest %s, canonical %s → %s', (latest, canonical, expected) => {
    expect(describeDecision(decide(latest, canonical))).toBe(expected);
  });

  it('carries the version it decided to run', () => {
    expect(decide('2.0.0+1', '1.0.0+1')).toMatchObject({ action: 'run', version: '2.0.0+1' });
  });

  it('refuses a corrupt canonical version instead of guessing', () => {
    expect(() => decide('1.0.0+1', 'garbage')).toThrow(/not a recipe version/);
  });

  it('decides from tags as the sweep and the recipe both do: latest release, the report text, the skip reason', () => {
    expect(decideFromTags(['1.0.0+1', '1.1.0+1', 'v2.0.0'], '1.0.0+1', {})).toEqual({
      action: 'run',
      version: '1.1.0+1',
      text: 'run (new release 1.1.0+1 > canonical 1.0.0+1); ignored tags: v2.0.0 (v-prefixed: Co-op Cloud release tags are <version>+<upstream>, without a v)',
    });
    expect(decideFromTags(['1.1.0+1'], '1.1.0+1', {})).toEqual({ action: 'skip', reason: 'no-new-version', version: '1.1.0+1', text: 'skip no-new-version' });
    // Nothing released but tags that look like releases: the reason names them, so an operator sees why.
    expect(decideFromTags(['2.0.0-rc.1+1'], null, {})).toMatchObject({
      action: 'skip',
      version: null,
      reason: 'never-released; ignored tags: 2.0.0-rc.1+1 (a prerelease, and includePrereleases is off)',
    });
    expect(decideFromTags(['2.0.0-rc.1+1'], null, { includePrereleases: true })).toMatchObject({ action: 'run', version: '2.0.0-rc.1+1' });
  });
});

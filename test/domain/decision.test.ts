import { describe, expect, it } from 'vitest';
import { decide, describeDecision } from '../../domain/decision';

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
});

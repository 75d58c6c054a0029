import { describe, expect, it } from 'vitest';
import { promoteGate, type PromoteInputs } from '../../domain/promote-gate';

const ok: PromoteInputs = { enrolled: true, green: true, testedRef: '1.0.0+1', quick: false, refOverride: false };

describe('promote gate', () => {
  it('allows an enrolled, green, cold run on a release tag', () => {
    expect(promoteGate(ok)).toEqual({ allowed: true });
  });

  it.each<[string, Partial<PromoteInputs>, RegExp]>([
    ['not enrolled', { enrolled: false }, /not enrolled/],
    ['red', { green: false }, /not green/],
    ['untagged head', { testedRef: 'main' }, /not a release tag/],
    ['commit id', { testedRef: '2b82ebabde74a9d9b1fd4cb49722a7037b18a176' }, /not a release tag/],
    ['quick run', { quick: true }, /quick/],
    ['ref override', { refOverride: true }, /override/],
    ['on-demand run of the latest release', { onDemand: true }, /on-demand runs never promote/],
  ])('refuses when %s, and only for that reason', (_name, change, reason) => {
    const v = promoteGate({ ...ok, ...change });
    expect(v.allowed).toBe(false);
    expect(v.allowed === false && v.reasons).toEqual([expect.stringMatching(reason)]);
  });

  it('lists every failing clause', () => {
    const v = promoteGate({ enrolled: false, green: false, testedRef: 'x', quick: true, refOverride: true, onDemand: true });
    expect(v.allowed === false && v.reasons.length).toBe(6);
  });
});

import { describe, expect, it } from 'vitest';
import { labelResult, type RunOutcome } from '../../domain/label';
import type { CanonicalRecord } from '../../domain/registry-record';

const rec = (version: string): CanonicalRecord => ({
  recipe: 'hello',
  version,
  commit: 'a'.repeat(40),
  domain: 'warm-hello.ci.example.org',
  status: 'idle',
  ts: '2026-11-22T03:00:00.000Z',
});

describe('result label from the registry', () => {
  it.each<[string, RunOutcome, CanonicalRecord | null, string, RegExp]>([
    ['promoted', { kind: 'green', testedVersion: '1.1.0+1' }, rec('1.1.0+1'), 'PROMOTED', /1\.1\.0\+1/],
    ['green, no record', { kind: 'green', testedVersion: '1.1.0+1' }, null, 'GREEN_BUT_PROMOTE_FAILED', /^canonical=none, expected 1\.1\.0\+1$/],
    [
      'green, stale record',
      { kind: 'green', testedVersion: '1.1.0+1' },
      rec('1.0.0+1'),
      'GREEN_BUT_PROMOTE_FAILED',
      /^canonical=1\.0\.0\+1, expected 1\.1\.0\+1$/,
    ],
    ['red with canonical', { kind: 'red', reason: 'install: unhealthy' }, rec('1.0.0+1'), 'FAILED', /canonical unchanged: 1\.0\.0\+1/],
    ['red without canonical', { kind: 'red', reason: 'mirror-sync failed' }, null, 'FAILED', /mirror-sync failed \(canonical unchanged: none\)/],
    ['skipped', { kind: 'skipped', reason: 'no-new-version' }, rec('1.0.0+1'), 'SKIPPED', /^no-new-version$/],
  ])('%s', (_n, outcome, record, label, reason) => {
    const r = labelResult(outcome, record);
    expect(r.label).toBe(label);
    expect(r.reason).toMatch(reason);
  });
});

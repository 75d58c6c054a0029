import { describe, expect, it } from 'vitest';
import {
  afterGate,
  afterRollback,
  afterSkip,
  chooseRelease,
  convergeOutcome,
  gateError,
  rejectedReason,
  rejectionOf,
  rollbackFailed,
  type GateOutcome,
  type WarmConclusion,
  type WarmOutcome,
  type WarmVerdict,
} from '../../domain/warm-outcome';
import type { Rejection } from '../../domain/warm-records';

const healthy: GateOutcome = { healthy: true, attempts: 3, elapsedMs: 4_200, last: '200' };
const sick: GateOutcome = { healthy: false, attempts: 9, elapsedMs: 26_400, last: 'ECONNREFUSED' };
const gated = (gate: GateOutcome): WarmVerdict => ({ kind: 'gated', gate });
const aborted: WarmVerdict = { kind: 'aborted', reason: 'wrong release' };

describe('warm deploy: after the gate', () => {
  it.each<[string, string | null, WarmVerdict, unknown]>([
    [
      'healthy → record last-good, no alert',
      '1.0.0',
      gated(healthy),
      { next: 'conclude', conclusion: { outcome: 'HEALTHY', lastGood: '2.0.0', alert: null, reason: 'healthy after 3 probes (4s)' } },
    ],
    ['unhealthy with an older last-good → roll back to it', '1.0.0', gated(sick), { next: 'roll-back', to: '1.0.0' }],
    ['aborted with an older last-good → roll back to it', '1.0.0', aborted, { next: 'roll-back', to: '1.0.0' }],
    [
      'unhealthy, no last-good → left there, alerted',
      null,
      gated(sick),
      {
        next: 'conclude',
        conclusion: {
          outcome: 'FAILED',
          lastGood: null,
          alert: { reason: 'unhealthy-no-last-good', state: 'traefik left at 2.0.0, unhealthy; no last-good version to roll back to' },
          reason: 'unhealthy on 2.0.0: ECONNREFUSED after 26s; traefik left at 2.0.0, unhealthy; no last-good version to roll back to',
        },
      },
    ],
    [
      'aborted, no last-good → left there, no alert (an operator asked)',
      null,
      aborted,
      { next: 'conclude', conclusion: expect.objectContaining({ outcome: 'FAILED', alert: null, reason: expect.stringMatching(/^aborted: wrong release; /) }) },
    ],
    [
      'unhealthy on the last-good version itself → nothing to roll back to, alerted',
      '2.0.0',
      gated(sick),
      {
        next: 'conclude',
        conclusion: expect.objectContaining({
          outcome: 'FAILED',
          lastGood: '2.0.0',
          alert: { reason: 'unhealthy-on-last-good', state: 'traefik at its last-good version 2.0.0, which is now unhealthy' },
        }),
      },
    ],
  ])('%s', (_name, lastGood, verdict, expected) => {
    expect(afterGate({ app: 'traefik', version: '2.0.0', lastGood }, verdict)).toEqual(expected);
  });
});

describe('warm deploy: after the rollback', () => {
  const d = { app: 'traefik', version: '2.0.0', lastGood: '1.0.0' };
  it.each<[string, WarmVerdict, GateOutcome, unknown]>([
    [
      'rolled back and healthy → ROLLED_BACK, alerted unhealthy-on-latest',
      gated(sick),
      healthy,
      {
        outcome: 'ROLLED_BACK',
        lastGood: '1.0.0',
        alert: { reason: 'unhealthy-on-latest', state: 'traefik serving last-good 1.0.0 again' },
        reason: 'unhealthy on 2.0.0: ECONNREFUSED after 26s; traefik serving last-good 1.0.0 again',
      },
    ],
    ['aborted, rolled back and healthy → ROLLED_BACK, no alert', aborted, healthy, expect.objectContaining({ outcome: 'ROLLED_BACK', alert: null })],
    [
      'last-good unhealthy too → FAILED, alerted even after an abort',
      aborted,
      sick,
      expect.objectContaining({
        outcome: 'FAILED',
        alert: { reason: 'unhealthy-after-rollback', state: 'traefik rolled back to 1.0.0, which is unhealthy too (ECONNREFUSED)' },
      }),
    ],
  ])('%s', (_name, verdict, again, expected) => {
    expect(afterRollback(d, verdict, again)).toEqual(expected);
  });
});

describe('warm deploy: errors are outcomes, never a silent failure', () => {
  it('a gate that errors counts as unhealthy, so the tree rolls back', () => {
    const g = gateError('activity StartToClose timeout');
    expect(g).toEqual({ healthy: false, attempts: 0, elapsedMs: 0, last: 'health gate failed: activity StartToClose timeout' });
    expect(afterGate({ app: 'traefik', version: '2.0.0', lastGood: '1.0.0' }, gated(g))).toEqual({ next: 'roll-back', to: '1.0.0' });
  });
  it('a failed rollback is FAILED with an alert that says what state the app may be in and what to do', () => {
    const c = rollbackFailed({ app: 'traefik', version: '2.0.0', lastGood: '1.0.0' }, gated(sick), 'abra app rollback: exited 1');
    expect(c).toMatchObject({ outcome: 'FAILED', lastGood: '1.0.0', alert: { reason: 'rollback-failed' } });
    expect(c.alert!.state).toMatch(
      /^traefik: the rollback to 1\.0\.0 failed \(abra app rollback: exited 1\); it may run 2\.0\.0, 1\.0\.0 or neither\. .*deploy 1\.0\.0 by hand/,
    );
    expect(c.reason).toMatch(/^unhealthy on 2\.0\.0: ECONNREFUSED after 26s; traefik: the rollback/);
  });
});

describe('warm deploy: rejected releases', () => {
  const r2: Rejection = { version: '2.0.0', ts: '2026-01-03T03:00:00.000Z', why: 'ECONNREFUSED; ROLLED_BACK', workflowId: 'deploy-traefik' };

  it.each<[string, string, { version?: string; force?: boolean }, Rejection[], { version: string; rejection: Rejection | null }]>([
    ['latest, nothing rejected → deploy it', '2.0.0', {}, [], { version: '2.0.0', rejection: null }],
    ['latest rejected → skip it', '2.0.0', {}, [r2], { version: '2.0.0', rejection: r2 }],
    ['a newer release than the rejected one → deploy it', '2.1.0', {}, [r2], { version: '2.1.0', rejection: null }],
    ['latest rejected, forced → deploy it', '2.0.0', { force: true }, [r2], { version: '2.0.0', rejection: null }],
    ['an older release asked for → deploy it', '2.1.0', { version: '1.5.0' }, [r2], { version: '1.5.0', rejection: null }],
    ['a rejected release asked for → skip it', '2.1.0', { version: '2.0.0' }, [r2], { version: '2.0.0', rejection: r2 }],
    ['a rejected release asked for, forced → deploy it', '2.1.0', { version: '2.0.0', force: true }, [r2], { version: '2.0.0', rejection: null }],
  ])('%s', (_name, latest, req, rejected, expected) => {
    expect(chooseRelease(latest, req, rejected)).toEqual(expected);
  });

  it('the skip says when, why and how to deploy it anyway', () => {
    expect(rejectedReason(r2, 'coopci proxy deploy')).toBe(
      '2.0.0 was rejected on 2026-01-03 (ECONNREFUSED; ROLLED_BACK); deploy it anyway with "coopci proxy deploy --version 2.0.0 --force"',
    );
  });

  const healthyOnLastGood: WarmConclusion = { outcome: 'HEALTHY', lastGood: '1.0.0', alert: null, reason: 'healthy after 3 probes (4s)' };
  const sickOnLastGood: WarmConclusion = {
    outcome: 'FAILED',
    lastGood: '1.0.0',
    alert: { reason: 'unhealthy-on-last-good', state: 'x' },
    reason: 'unhealthy on 1.0.0: ECONNREFUSED after 26s; x',
  };
  it.each<[string, string | null, WarmConclusion | null, WarmConclusion]>([
    [
      'last-good healthy → SKIPPED, no alert',
      '1.0.0',
      healthyOnLastGood,
      { outcome: 'SKIPPED', lastGood: '1.0.0', alert: null, reason: 'SKIP; traefik serving last-good 1.0.0' },
    ],
    ['last-good unhealthy → what its gate said', '1.0.0', sickOnLastGood, { ...sickOnLastGood, reason: `SKIP; ${sickOnLastGood.reason}` }],
    [
      'no last-good → SKIPPED, nothing deployed',
      null,
      null,
      { outcome: 'SKIPPED', lastGood: null, alert: null, reason: 'SKIP; no last-good version of traefik to serve instead' },
    ],
  ])('after a skip: %s', (_name, lastGood, c, expected) => {
    expect(afterSkip('traefik', lastGood, 'SKIP', c)).toEqual(expected);
  });

  const failed: WarmConclusion = { outcome: 'ROLLED_BACK', lastGood: '1.0.0', alert: null, reason: '' };
  it.each<[string, { version: string; lastGood: string | null }, WarmVerdict, string | null]>([
    ['unhealthy new release → rejected', { version: '2.0.0', lastGood: '1.0.0' }, gated(sick), 'ECONNREFUSED; ROLLED_BACK'],
    ['unhealthy with no last-good → rejected', { version: '2.0.0', lastGood: null }, gated(sick), 'ECONNREFUSED; ROLLED_BACK'],
    [
      'a failed deploy → rejected',
      { version: '2.0.0', lastGood: '1.0.0' },
      gated({ ...sick, last: 'deploy failed: exited 1' }),
      'deploy failed: exited 1; ROLLED_BACK',
    ],
    ['healthy → not rejected', { version: '2.0.0', lastGood: '1.0.0' }, gated(healthy), null],
    ['aborted by an operator → not rejected', { version: '2.0.0', lastGood: '1.0.0' }, aborted, null],
    ['the last-good version itself unhealthy → not rejected', { version: '1.0.0', lastGood: '1.0.0' }, gated(sick), null],
  ])('%s', (_name, d, verdict, expected) => {
    expect(rejectionOf({ app: 'traefik', ...d }, verdict, failed)).toBe(expected);
  });

  it.each<[WarmOutcome, string | null, WarmOutcome]>([
    ['HEALTHY', '2.0.0', 'HEALTHY'],
    ['ROLLED_BACK', '1.0.0', 'ROLLED_BACK'],
    ['FAILED', '1.0.0', 'FAILED'],
    ['SKIPPED', '1.0.0', 'ROLLED_BACK'],
    ['SKIPPED', null, 'SKIPPED'],
  ])('converge reads %s with last-good %s as %s', (outcome, lastGood, expected) => {
    expect(convergeOutcome({ outcome, lastGood })).toBe(expected);
  });
});

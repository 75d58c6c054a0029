import { describe, expect, it } from 'vitest';
import { lockTimedOut, lockWaitSeconds, warmLockState, type WarmLockState } from '../../domain/warm-lock';

describe('warm deploy lock', () => {
  it.each<[string, Parameters<typeof warmLockState>[0], string | null, WarmLockState]>([
    ['no lock → free', null, null, { state: 'free' }],
    ['lock ended → free', { running: false, runId: 'r1', holder: 'deploy-traefik' }, null, { state: 'free' }],
    [
      'held by a running deploy → held',
      { running: true, runId: 'r1', holder: 'converge-warm/traefik' },
      'RUNNING',
      { state: 'held', holder: 'converge-warm/traefik' },
    ],
    [
      'its deploy was terminated → stale, by run id',
      { running: true, runId: 'r1', holder: 'deploy-traefik' },
      'TERMINATED',
      { state: 'stale', holder: 'deploy-traefik', runId: 'r1', why: 'stale: its deploy deploy-traefik is terminated' },
    ],
    [
      'its deploy is gone → stale',
      { running: true, runId: 'r1', holder: 'deploy-traefik' },
      null,
      { state: 'stale', holder: 'deploy-traefik', runId: 'r1', why: 'stale: its deploy deploy-traefik is gone' },
    ],
    [
      'started by hand (no deploy) → stale',
      { running: true, runId: 'r1', holder: null },
      null,
      { state: 'stale', holder: null, runId: 'r1', why: 'stale: no deploy holds it (started by hand)' },
    ],
  ])('%s', (_name, lock, holderStatus, expected) => {
    expect(warmLockState(lock, holderStatus)).toEqual(expected);
  });

  it('waits as long as a whole deploy with a rollback may take, then says so', () => {
    const t = { mirrorSyncSeconds: 120, deploySeconds: 600, convergeSeconds: 300, teardownSeconds: 0, backupSeconds: 0 };
    // 2 × ((120 + 600 + 300 + 60) + (900 + 10 + 60))
    expect(lockWaitSeconds(t, { deadlineSeconds: 900, requestTimeoutSeconds: 10 })).toBe(4100);
    expect(lockTimedOut('traefik', 'deploy-traefik-scheduled-x', 4100)).toBe(
      'another deploy of traefik (deploy-traefik-scheduled-x) ran for longer than 69 min; nothing was deployed; try again once it has ended',
    );
  });
});

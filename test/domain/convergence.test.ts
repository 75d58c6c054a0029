import { describe, expect, it } from 'vitest';
import { describeServices, isConverged, madeFromCurrent, runsStably, STABLE_RUNNING_MS, type ServiceState } from '../../domain/convergence';

const t0 = Date.parse('2026-11-22T17:00:00.000Z');

describe('runsStably', () => {
  it.each([
    ['running long enough (Docker nanosecond timestamp)', { State: 'running', Timestamp: '2026-11-22T16:59:57.123456789Z' }, true],
    ['running exactly the stability period', { State: 'running', Timestamp: new Date(t0 - STABLE_RUNNING_MS).toISOString() }, true],
    ['running for an instant: a crash-looping container between restarts', { State: 'running', Timestamp: '2026-11-22T16:59:59.990Z' }, false],
    ['starting', { State: 'starting', Timestamp: '2026-11-22T16:59:00Z' }, false],
    ['failed', { State: 'failed', Timestamp: '2026-11-22T16:59:00Z' }, false],
    ['no timestamp', { State: 'running' }, false],
    ['no status', undefined, false],
  ])('%s', (_, status, expected) => {
    expect(runsStably(status, t0)).toBe(expected);
  });
});

describe('isConverged', () => {
  const svc = (over: Partial<ServiceState>): ServiceState => ({ name: 's_app', desired: 1, running: 1, update: null, lastError: null, ...over });
  it.each([
    ['all replicas running', [svc({})], true],
    ['update completed', [svc({ update: 'completed' })], true],
    ['a replica short', [svc({ desired: 2 })], false],
    ['update in flight', [svc({ update: 'updating' })], false],
    ['update rolled back', [svc({ update: 'rollback_completed' })], false],
    ['one of two services down', [svc({}), svc({ name: 's_db', running: 0 })], false],
    ['no services at all', [], false],
  ])('%s', (_, services, expected) => {
    expect(isConverged(services)).toBe(expected);
  });

  it('describes services for an error message', () => {
    expect(describeServices([svc({ running: 0, lastError: 'task: non-zero exit (3)' }), svc({ name: 's_db', update: 'updating' })])).toBe(
      's_app 0/1 (task: non-zero exit (3)), s_db 1/1 update=updating',
    );
    expect(describeServices([])).toBe('no services');
  });
});

describe('madeFromCurrent', () => {
  // As the Docker API returned them for one service after `docker service update --env-add B=2`:
  // the service's template, the new task's spec and the old task's (which runs until Swarm starts the update).
  const template = {
    ContainerSpec: { Image: 'coopci/busybox:1', Args: ['sleep', '1000'], Env: ['B=2', 'A=1'], Init: false, DNSConfig: {}, Isolation: 'default' },
    Resources: { Limits: {}, Reservations: {} },
    Placement: {},
    ForceUpdate: 0,
    Runtime: 'container',
  };
  const newTask = { ...template, Runtime: undefined };
  const oldTask = { ...newTask, ContainerSpec: { ...template.ContainerSpec, Env: ['A=1'] } };
  it.each([
    ['the task made after the update (the task spec has no Runtime: only the container spec counts)', newTask, true],
    ['the previous release’s task, still running before Swarm starts the update', oldTask, false],
    ['no spec', undefined, false],
  ])('%s', (_, task, expected) => {
    expect(madeFromCurrent(task, template)).toBe(expected);
  });
  it('a forced update (ForceUpdate counted up) leaves the earlier task behind', () => {
    expect(madeFromCurrent(newTask, { ...template, ForceUpdate: 1 })).toBe(false);
  });
});

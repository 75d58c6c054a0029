import { describe, expect, it } from 'vitest';
import { aggregateSteps, detectionLatency, medianMax, orchestrationShare, splitTime, stepLabel, whereTimeWent, type StepRecord } from '../../domain/timing';

const cmd = (what: string, ms: number): StepRecord => ({ kind: 'command', what, ms });
const wait = (what: string, ms: number): StepRecord => ({ kind: 'wait', what, ms });

describe('step labels', () => {
  it.each([
    ['abra app deploy hello_ci_test_local', 'abra app deploy'],
    ['abra app new hello', 'abra app new hello'],
    ['abra app backup create x.ci.test', 'abra app backup create'],
    ['git fetch', 'git fetch'],
    ['/work/main/tools/abra-local/abra', 'abra'],
    ['test command /usr/bin/node', 'test command'],
    ['sh --password=hunter2', 'sh'],
    ['converge', 'converge'],
  ])('%s → %s (never argv values)', (label, want) => {
    expect(stepLabel(label)).toBe(want);
  });

  it('is bounded in length', () => {
    expect(stepLabel(`abra ${'x'.repeat(200)}`).length).toBeLessThanOrEqual(60);
    expect(stepLabel(Array.from({ length: 50 }, () => 'word').join(' ')).length).toBeLessThanOrEqual(60);
  });
});

describe('aggregateSteps', () => {
  it('merges steps of one kind and label, counts them, and puts the largest first', () => {
    expect(aggregateSteps([cmd('git fetch', 10), wait('converge', 3000), cmd('abra app deploy', 900), cmd('git fetch', 15.4)])).toEqual([
      { kind: 'wait', what: 'converge', ms: 3000 },
      { kind: 'command', what: 'abra app deploy', ms: 900 },
      { kind: 'command', what: 'git fetch', ms: 25, n: 2 },
    ]);
  });

  it('keeps a command and a wait of the same label apart', () => {
    expect(aggregateSteps([cmd('x', 1), wait('x', 2)])).toHaveLength(2);
  });

  it('bounds many steps, merging the smallest per kind so the sums stay whole', () => {
    const many = [...Array.from({ length: 40 }, (_, i) => cmd(`c${i}`, i + 1)), ...Array.from({ length: 5 }, (_, i) => wait(`w${i}`, 1000 + i))];
    const out = aggregateSteps(many, 8);
    expect(out.length).toBeLessThanOrEqual(8);
    const total = (xs: StepRecord[], kind: string) => xs.filter((s) => s.kind === kind).reduce((t, s) => t + s.ms, 0);
    expect(total(out, 'command')).toBe(total(many, 'command'));
    expect(total(out, 'wait')).toBe(total(many, 'wait'));
    expect(out.find((s) => s.what === 'other commands')?.n).toBeGreaterThan(1);
    expect(out.map((s) => s.ms)).toEqual([...out.map((s) => s.ms)].sort((a, b) => b - a));
  });
});

describe('time split and orchestration share', () => {
  it('splits a span into commands, waits and the rest', () => {
    const t = splitTime(10_000, [cmd('abra app deploy', 4000), wait('converge', 3000), wait('health gate', 2500)]);
    expect(t).toEqual({ durationMs: 10_000, commandsMs: 4000, waitsMs: 5500, restMs: 500 });
    expect(orchestrationShare(t)).toBeCloseTo(0.05);
  });

  it('never reports a negative rest, and an empty span has no share', () => {
    expect(splitTime(100, [cmd('x', 150)]).restMs).toBe(0);
    expect(orchestrationShare({ durationMs: 0, restMs: 0 })).toBe(0);
  });

  it('where the time went: per tier with steps, largest first; tiers without steps are left out', () => {
    const rows = whereTimeWent([
      { tier: 'install', durationMs: 9000, steps: [cmd('abra app new', 500), wait('converge', 4000)] },
      { tier: 'upgrade', durationMs: 0 },
    ]);
    expect(rows).toEqual([
      {
        tier: 'install',
        durationMs: 9000,
        commandsMs: 500,
        waitsMs: 4000,
        restMs: 4500,
        steps: [wait('converge', 4000), cmd('abra app new', 500)],
      },
    ]);
  });
});

describe('convergence detection latency', () => {
  it('runs from the last task to report running to when coopci saw convergence', () => {
    const seen = Date.parse('2026-01-01T00:00:05.000Z');
    expect(detectionLatency(['2026-01-01T00:00:01.000Z', '2026-01-01T00:00:02.500Z'], seen)).toBe(2500);
    expect(detectionLatency([undefined, 'not a date'], seen)).toBeNull();
    expect(detectionLatency(['2026-01-01T00:00:06.000Z'], seen)).toBe(0);
  });

  it('median and max', () => {
    expect(medianMax([3, 1, 2])).toEqual({ median: 2, max: 3 });
    expect(medianMax([4, 1, 2, 3])).toEqual({ median: 2.5, max: 4 });
    expect(medianMax([])).toEqual({ median: null, max: null });
  });
});

import { describe, expect, it } from 'vitest';
import { buildSweepReport, renderMarkdownReport } from '../../state/report';
import type { RecipeResult, SweepResult } from '../../contract/types';

const recipe = (name: string, over: Partial<RecipeResult>): RecipeResult => ({
  recipe: name,
  label: 'SKIPPED',
  reason: 'no-new-version',
  version: '1.0.0+1',
  canonical: { before: '1.0.0+1', after: '1.0.0+1' },
  decision: 'skip',
  tiers: [],
  workflowId: `sweep-1/${name}`,
  startedAt: '2026-11-22T03:00:00.000Z',
  endedAt: '2026-11-22T03:00:02.500Z',
  ...over,
});

const sweep: SweepResult = {
  sweepId: 'sweep-1',
  aborted: false,
  configDigest: 'abcdef0123456789',
  results: [
    recipe('hello', {
      label: 'PROMOTED',
      reason: 'canonical is 1.1.0+1',
      version: '1.1.0+1',
      canonical: { before: '1.0.0+1', after: '1.1.0+1' },
      tiers: [
        { tier: 'install', status: 'pass', durationMs: 12_340 },
        { tier: 'upgrade', status: 'n/a', durationMs: 0, reason: 'expected n/a: moving image tag' },
        { tier: 'custom', status: 'pass', durationMs: 4_000, flaky: 1, reason: 'flaky: passed on re-run 1 after: timeout' },
      ],
    }),
    recipe('broken', { label: 'FAILED', reason: 'install: not healthy | 500\nsecond line', version: '2.0.0+1' }),
    recipe('idle', {}),
  ],
};

describe('sweep report', () => {
  const report = buildSweepReport(sweep, 'http://ui.test/namespaces/default/workflows/');

  it('counts labels and links every workflow in the Web UI', () => {
    expect(report.counts).toEqual({ PROMOTED: 1, GREEN_BUT_PROMOTE_FAILED: 0, FAILED: 1, SKIPPED: 1, TESTED: 0 });
    expect(report.ui).toBe('http://ui.test/namespaces/default/workflows/sweep-1');
    expect(report.recipes[0]).toMatchObject({ durationMs: 2500, ui: 'http://ui.test/namespaces/default/workflows/sweep-1%2Fhello' });
  });

  it('renders one table row per recipe, with tier durations, n/a reasons, flakes and canonical before → after', () => {
    const md = renderMarkdownReport(report);
    expect(md).toMatch(/^# Sweep \[sweep-1\]\(http:\/\/ui\.test\/namespaces\/default\/workflows\/sweep-1\)$/m);
    expect(md).toContain('3 recipe(s): 1 PROMOTED, 1 FAILED, 1 SKIPPED.');
    expect(md).toContain(
      '| [hello](http://ui.test/namespaces/default/workflows/sweep-1%2Fhello) | PROMOTED | 1.1.0+1 | 1.0.0+1 → 1.1.0+1 | install: pass (12.3s), upgrade: n/a (expected n/a: moving image tag), custom: pass flaky×1 (4.0s) | 2.5s |',
    );
    // A reason can never break the table: pipes escaped, one line.
    expect(md).toContain('| install: not healthy \\| 500 second line |');
  });

  it('says where the time went: per tier the commands, the waits and the rest, largest steps first', () => {
    const timed = buildSweepReport(
      {
        ...sweep,
        results: [
          recipe('hello', {
            tiers: [
              {
                tier: 'install',
                status: 'pass',
                durationMs: 10_000,
                steps: [
                  { kind: 'command', what: 'abra app deploy', ms: 3_000 },
                  { kind: 'wait', what: 'converge', ms: 4_000 },
                  { kind: 'wait', what: 'health gate', ms: 1_500 },
                  { kind: 'command', what: 'abra app new', ms: 1_000 },
                ],
              },
              { tier: 'upgrade', status: 'n/a', durationMs: 0, reason: 'no earlier release to upgrade from' },
            ],
          }),
          recipe('idle', {}),
        ],
      },
      undefined,
    );
    expect(timed.recipes[0]!.time).toEqual([
      expect.objectContaining({ tier: 'install', commandsMs: 4_000, waitsMs: 5_500, restMs: 500, steps: expect.any(Array) }),
    ]);
    expect(timed.recipes[0]!.time![0]!.steps.map((s) => s.what)).toEqual(['converge', 'abra app deploy', 'health gate', 'abra app new']);
    expect(timed.recipes[1]!.time).toBeUndefined();
    const md = renderMarkdownReport(timed);
    expect(md).toContain('## Where the time went');
    expect(md).toContain('| hello | install | 10.0s | 4.0s | 5.5s | 0.5s (5%) | converge 4.0s, abra app deploy 3.0s, health gate 1.5s, abra app new 1.0s |');
    expect(md).not.toMatch(/\| idle \| install/);
    // Without steps (older results), no section.
    expect(renderMarkdownReport(report)).not.toContain('Where the time went');
  });

  it('leaves links out when the Web UI address is unknown, and states an abort', () => {
    const r = buildSweepReport({ ...sweep, aborted: true, abortReason: 'maintenance' }, undefined);
    expect(r.recipes.every((x) => x.ui === null)).toBe(true);
    const md = renderMarkdownReport(r);
    expect(md).toMatch(/^# Sweep sweep-1$/m);
    expect(md).toContain('**Aborted:** maintenance');
    expect(md).not.toContain('](');
  });
});

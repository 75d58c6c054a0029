/** Config of operating features: cron schedules, the canonicals' disk budget, per-tier timeouts. */
import { describe, expect, it } from 'vitest';
import { configProblems, parseConfig } from '../helpers/config';

const base = () => ({
  ciDomain: 'ci.example.org',
  server: 'default',
  stateDir: '/var/lib/coopci',
  abra: { dir: '/var/lib/coopci/abra' },
  recipes: [{ name: 'gitea', upstream: 'https://git.example.org/recipes/gitea.git', health: { url: 'https://{domain}/' } }] as Record<string, unknown>[],
});

const parse = (extra: Record<string, unknown>) => parseConfig({ ...base(), ...extra });
const problems = (extra: Record<string, unknown>) => configProblems({ ...base(), ...extra });

describe('operating config', () => {
  it('takes a cron expression for any schedule, instead of the calendar fields', () => {
    const c = parse({ schedules: { sweep: { cron: '0 3 * * SUN' }, converge: { cron: '@daily' }, proxy: { hour: 4 } } });
    expect(c.config.schedules.sweep.cron).toBe('0 3 * * SUN');
    expect(c.config.schedules.converge?.cron).toBe('@daily');
  });

  it('refuses a bad cron expression, and one mixed with calendar fields, naming the field', () => {
    expect(problems({ schedules: { sweep: { cron: '0 3 * *' } } })).toEqual([
      expect.stringMatching(/^schedules\.sweep\.cron: "0 3 \* \*" has 4 fields; cron takes 5/),
    ]);
    expect(problems({ schedules: { sweep: { cron: '0 25 * * *' } } })).toEqual([expect.stringMatching(/^schedules\.sweep\.cron: .*hour "25" must be 0-23/)]);
    expect(problems({ schedules: { converge: { cron: '0 3 1 * MON' } } })).toEqual([
      expect.stringMatching(/^schedules\.converge\.cron: .*restricts both the day of month and the day of week/),
    ]);
    expect(problems({ schedules: { sweep: { cron: '0 3 * * SUN', hour: 4 } } })).toEqual([
      'schedules.sweep.cron: give either cron or dayOfWeek/hour/minute, not both',
    ]);
  });

  it('takes a disk budget as a size, and refuses what is not one', () => {
    expect(parse({ canonicals: { diskBudget: '20GiB' } }).config.canonicals.diskBudget).toBe(20 * 2 ** 30);
    expect(parse({ canonicals: { diskBudget: '1.5 GB' } }).config.canonicals.diskBudget).toBe(1.5e9);
    expect(parse({}).config.canonicals.diskBudget).toBeUndefined();
    expect(problems({ canonicals: { diskBudget: 'lots' } })).toEqual([
      'canonicals.diskBudget: must be a size such as "20GiB", "500MB" or a number of bytes, not "lots"',
    ]);
    expect(problems({ canonicals: { diskBudget: 0 } })).toHaveLength(1);
  });

  it('takes a timeout per tier, install included; install is never n/a', () => {
    const recipes = [{ ...base().recipes[0], tiers: { install: { timeoutSeconds: 600 }, custom: { timeoutSeconds: 60 } } }];
    expect(parse({ recipes }).config.recipes[0]!.tiers).toEqual({ install: { timeoutSeconds: 600 }, custom: { timeoutSeconds: 60 } });
    const na = [{ ...base().recipes[0], tiers: { install: { expected: 'n/a', reason: 'never' } } }];
    expect(problems({ recipes: na })).toEqual(['recipes.0.tiers.install: install always runs (every other tier needs it): it takes only timeoutSeconds']);
  });
});

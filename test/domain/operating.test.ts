/** Pure rules of operating features: cron → calendar, sizes and the disk budget, on-demand refs and tiers. */
import { describe, expect, it } from 'vitest';
import { parseCron } from '../../domain/cron';
import { refProblem, refUpgradeBase, selectTiers } from '../../domain/on-demand';
import { budgetRefusal, formatBytes, parseSize } from '../../domain/size';

describe('cron', () => {
  it('turns the five fields into calendar ranges', () => {
    expect(parseCron('0 3 * * SUN')).toEqual({
      calendar: {
        minute: [{ start: 0, end: 0, step: 1 }],
        hour: [{ start: 3, end: 3, step: 1 }],
        dayOfMonth: [{ start: 1, end: 31, step: 1 }],
        month: [{ start: 'JANUARY', end: 'DECEMBER', step: 1 }],
        dayOfWeek: [{ start: 'SUNDAY', end: 'SUNDAY', step: 1 }],
      },
    });
    const c = parseCron('*/15 1-5,22 * jan,jul/3 1-5');
    expect('calendar' in c && c.calendar.minute).toEqual([{ start: 0, end: 59, step: 15 }]);
    expect('calendar' in c && c.calendar.hour).toEqual([
      { start: 1, end: 5, step: 1 },
      { start: 22, end: 22, step: 1 },
    ]);
    expect('calendar' in c && c.calendar.month).toEqual([
      { start: 'JANUARY', end: 'JANUARY', step: 1 },
      { start: 'JULY', end: 'DECEMBER', step: 3 },
    ]);
    expect('calendar' in c && c.calendar.dayOfWeek).toEqual([{ start: 'MONDAY', end: 'FRIDAY', step: 1 }]);
  });

  it('takes 7 as Sunday and the @ shorthands', () => {
    const sun = parseCron('0 0 * * 7');
    expect('calendar' in sun && sun.calendar.dayOfWeek).toEqual([{ start: 'SUNDAY', end: 'SUNDAY', step: 1 }]);
    const weekend = parseCron('0 0 * * 6-7');
    expect('calendar' in weekend && weekend.calendar.dayOfWeek).toEqual([
      { start: 'SUNDAY', end: 'SUNDAY', step: 1 },
      { start: 'SATURDAY', end: 'SATURDAY', step: 1 },
    ]);
    expect(parseCron('@weekly')).toEqual(parseCron('0 0 * * 0'));
  });

  it.each([
    ['0 3 * *', /has 4 fields/],
    ['60 3 * * *', /minute "60" must be 0-59/],
    ['0 3 * * FUNDAY', /day of week "FUNDAY"/],
    ['0 5-3 * * *', /runs backwards/],
    ['*/0 * * * *', /step "0"/],
    ['0 3 1 * MON', /restricts both/],
  ])('refuses %s', (expr, why) => {
    const r = parseCron(expr);
    expect('problem' in r && r.problem).toMatch(why);
  });
});

describe('sizes and the disk budget', () => {
  it('parses sizes as operators write them', () => {
    expect(parseSize('20GiB')).toBe(20 * 2 ** 30);
    expect(parseSize('500 MB')).toBe(5e8);
    expect(parseSize('1.5TiB')).toBe(1.5 * 2 ** 40);
    expect(parseSize(4096)).toBe(4096);
    expect(parseSize('12')).toBe(12);
    expect(parseSize('lots')).toBeNull();
    expect(parseSize(-1)).toBeNull();
  });

  it('formats them for people', () => {
    expect([formatBytes(17), formatBytes(2048), formatBytes(1.5 * 2 ** 30), formatBytes(300 * 2 ** 20)]).toEqual(['17 B', '2.0 KiB', '1.5 GiB', '300 MiB']);
  });

  it('refuses a seed only when it would go past the budget, saying the figures', () => {
    expect(budgetRefusal('gitea', 100, 900, 1000)).toBeNull();
    expect(budgetRefusal('gitea', 101, 900, 1000)).toBe(
      'disk-budget: seeding gitea (about 101 B, its cold app\'s data) would bring the canonicals to 1001 B of the 1000 B budget (canonicals.diskBudget); raise the budget or forget a canonical ("coopci canonical list" shows their sizes)',
    );
  });
});

describe('on-demand runs', () => {
  it.each(['main', 'master', 'feature/x-1', '1.2.0+2.0', 'v2.4.8', 'deadbeef', 'release_1.0'])('takes the ref %s', (ref) => {
    expect(refProblem(ref)).toBeNull();
  });

  it.each(['-x', '--upload-pack=sh', '../etc', 'a..b', 'x.lock', '/abs', 'a b', 'a@{1}', 'a//b', '.hidden', 'a/', ''])('refuses the ref %j', (ref) => {
    expect(refProblem(ref)).not.toBeNull();
  });

  it('selects tiers in run order, install always, a restore only with its backup', () => {
    expect(selectTiers(['custom'])).toEqual({ tiers: ['install', 'custom'] });
    expect(selectTiers(['restore', 'backup'])).toEqual({ tiers: ['install', 'backup', 'restore'] });
    expect(selectTiers(['restore'])).toEqual({ problem: expect.stringMatching(/restore tier restores the backup tier/) });
    expect(selectTiers(['smoke'])).toEqual({ problem: 'unknown tier smoke (tiers: install, upgrade, backup, restore, custom)' });
  });

  it('starts the upgrade of a branch from upgradeFrom, or the latest release', () => {
    expect(refUpgradeBase(['1.0.0+1', '1.1.0+1'], '1.1.0+1')).toEqual({ from: '1.1.0+1' });
    expect(refUpgradeBase(['1.0.0+1', '1.1.0+1'], '1.1.0+1', '1.0.0+1')).toEqual({ from: '1.0.0+1' });
    expect(refUpgradeBase(['1.0.0+1'], '1.0.0+1', '0.9.0+1')).toEqual({ problem: 'upgradeFrom 0.9.0+1 is not a release tag of the upstream' });
    expect(refUpgradeBase([], null)).toEqual({ none: 'no release to upgrade from' });
  });
});

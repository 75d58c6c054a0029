/**
 * A cron expression (`0 3 * * SUN`, what operators coming from timers and
 * cron write) as the calendar fields of a Temporal schedule: minute, hour,
 * day of month, month, day of week, each a list of ranges with a step. The
 * five standard fields and the @hourly/@daily/@weekly/@monthly shorthands;
 * names (JAN, SUN) and 7 for Sunday as cron takes them.
 */

export interface CronRange<U> {
  start: U;
  end: U;
  step: number;
}

export interface CronCalendar {
  minute: CronRange<number>[];
  hour: CronRange<number>[];
  dayOfMonth: CronRange<number>[];
  month: CronRange<string>[];
  dayOfWeek: CronRange<string>[];
}

const MONTHS = ['JANUARY', 'FEBRUARY', 'MARCH', 'APRIL', 'MAY', 'JUNE', 'JULY', 'AUGUST', 'SEPTEMBER', 'OCTOBER', 'NOVEMBER', 'DECEMBER'];
const DAYS = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'];
const SHORTHANDS: Record<string, string> = {
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
};

interface Field {
  name: string;
  min: number;
  max: number;
  /** Three-letter names, index = value - min. */
  names?: string[];
}

const FIELDS: Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS.map((m) => m.slice(0, 3)) },
  // 7 is Sunday too, as in cron.
  { name: 'day of week', min: 0, max: 7, names: [...DAYS.map((d) => d.slice(0, 3)), 'SUN'] },
];

export function parseCron(expression: string): { calendar: CronCalendar } | { problem: string } {
  const text = SHORTHANDS[expression.trim().toLowerCase()] ?? expression.trim();
  const parts = text.split(/\s+/);
  if (parts.length !== 5)
    return { problem: `"${expression}" has ${parts.length} fields; cron takes 5 (minute hour day-of-month month day-of-week), e.g. "0 3 * * SUN"` };
  const ranges: CronRange<number>[][] = [];
  for (let i = 0; i < 5; i++) {
    const r = parseField(parts[i]!, FIELDS[i]!);
    if ('problem' in r) return { problem: `"${expression}": ${r.problem}` };
    ranges.push(r.ranges);
  }
  const [minute, hour, dayOfMonth, month, dayOfWeek] = ranges as [
    CronRange<number>[],
    CronRange<number>[],
    CronRange<number>[],
    CronRange<number>[],
    CronRange<number>[],
  ];
  // Cron runs when either day field matches if both are restricted; a Temporal calendar needs both. Refused rather than changed.
  if (parts[2] !== '*' && parts[4] !== '*')
    return { problem: `"${expression}" restricts both the day of month and the day of week, which cron ORs and a schedule ANDs: use one of them` };
  return {
    calendar: {
      minute,
      hour,
      dayOfMonth,
      month: month.map((r) => ({ start: MONTHS[r.start - 1]!, end: MONTHS[r.end - 1]!, step: r.step })),
      dayOfWeek: dayOfWeek.flatMap(dayRanges),
    },
  };
}

function parseField(text: string, f: Field): { ranges: CronRange<number>[] } | { problem: string } {
  const ranges: CronRange<number>[] = [];
  for (const item of text.split(',')) {
    const m = /^(\*|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:\/(\d+))?$/.exec(item);
    if (!m) return { problem: `${f.name} "${item}" is not a value, a range (1-5), * or a step (*/15)` };
    const step = m[2] === undefined ? 1 : Number(m[2]);
    if (step < 1 || step > f.max) return { problem: `${f.name} step "${m[2]}" must be 1 to ${f.max}` };
    let start = f.min;
    let end = f.max === 7 ? 6 : f.max;
    if (m[1] !== '*') {
      const [a, b] = m[1]!.split('-') as [string, string | undefined];
      const av = value(a, f);
      const bv = b === undefined ? (m[2] === undefined ? av : f.max) : value(b, f);
      if (av === null || bv === null)
        return { problem: `${f.name} "${item}" must be ${f.min}-${f.max}${f.names ? ` or a name (${f.names.slice(0, 3).join(', ')}, …)` : ''}` };
      if (av > bv) return { problem: `${f.name} range "${item}" runs backwards` };
      [start, end] = [av, bv];
    }
    ranges.push({ start, end, step });
  }
  return { ranges };
}

function value(text: string, f: Field): number | null {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= f.min && n <= f.max ? n : null;
  }
  const i = f.names?.indexOf(text.toUpperCase()) ?? -1;
  return i < 0 ? null : f.min + i;
}

/** Days of week as names; 7 (Sunday again) folds onto 0, splitting a range that crosses it. */
function dayRanges(r: CronRange<number>): CronRange<string>[] {
  const day = (n: number) => DAYS[n % 7]!;
  if (r.end < 7) return [{ start: day(r.start), end: day(r.end), step: r.step }];
  const out: CronRange<string>[] = [];
  if (r.start < 7) out.push({ start: day(r.start), end: 'SATURDAY', step: r.step });
  // Sunday is in it when 7 is a step from the start.
  if ((7 - r.start) % r.step === 0 && !out.some((x) => x.start === 'SUNDAY')) out.unshift({ start: 'SUNDAY', end: 'SUNDAY', step: 1 });
  return out;
}

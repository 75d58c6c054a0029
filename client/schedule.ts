import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type CalendarSpec,
  type Client,
  type DayOfWeek,
  type Month,
  type Range,
  type ScheduleDescription,
  type ScheduleOptions,
} from '@temporalio/client';
import type { Config } from '../config/schema';
import { temporalSettings } from '../config/temporal';
import {
  CONVERGE_SCHEDULE_ID,
  PROXY_SCHEDULE_ID,
  SCHEDULED_CONVERGE_ID_PREFIX,
  SCHEDULED_SWEEP_ID_PREFIX,
  scheduledWarmDeployIdPrefix,
  SWEEP_SCHEDULE_ID,
} from '../contract/ids';
import { parseCron } from '../domain/cron';

export { CONVERGE_SCHEDULE_ID, PROXY_SCHEDULE_ID, SWEEP_SCHEDULE_ID };

type ScheduleConfig = Config['schedules']['sweep'];

function scheduleOptions(
  config: Config,
  id: string,
  s: ScheduleConfig,
  workflowType: string,
  workflowId: string,
  args: unknown[],
  comment: string,
): ScheduleOptions {
  return {
    scheduleId: id,
    spec: {
      calendars: [{ ...calendarOf(s), comment }],
      timezone: s.timezone,
    },
    action: {
      type: 'startWorkflow',
      workflowType,
      // Temporal appends the scheduled time, e.g. sweep-scheduled-2026-11-22T03:00:00Z.
      workflowId,
      taskQueue: temporalSettings(config).taskQueue,
      args,
    },
    policies: {
      overlap: ScheduleOverlapPolicy.SKIP,
      catchupWindow: `${s.catchupWindowSeconds}s`,
      pauseOnFailure: false,
    },
    state: { paused: s.paused, note: 'managed by coopci schedule apply' },
  };
}

/** A schedule's calendar: from its cron expression, or its dayOfWeek/hour/minute (Sunday 03:00 by default). */
function calendarOf(s: ScheduleConfig): CalendarSpec {
  if (s.cron === undefined) return { dayOfWeek: s.dayOfWeek === '*' ? undefined : (s.dayOfWeek ?? 'SUNDAY'), hour: s.hour ?? 3, minute: s.minute ?? 0 };
  const parsed = parseCron(s.cron);
  if ('problem' in parsed) throw new Error(parsed.problem); // config check refused it already
  const c = parsed.calendar;
  return { minute: c.minute, hour: c.hour, dayOfMonth: c.dayOfMonth, month: c.month as Range<Month>[], dayOfWeek: c.dayOfWeek as Range<DayOfWeek>[] };
}

/** The schedules the config asks for: the weekly sweep (replaces the old systemd timer) and, if set, the proxy deploy. */
export function desiredSchedules(config: Config): ScheduleOptions[] {
  const out = [scheduleOptions(config, SWEEP_SCHEDULE_ID, config.schedules.sweep, 'sweepWorkflow', SCHEDULED_SWEEP_ID_PREFIX, [{}], 'weekly sweep')];
  if (config.schedules.converge && config.warm.length > 0) {
    out.push(scheduleOptions(config, CONVERGE_SCHEDULE_ID, config.schedules.converge, 'convergeWorkflow', SCHEDULED_CONVERGE_ID_PREFIX, [], 'warm converge'));
  }
  if (config.schedules.proxy && config.proxy) {
    out.push(
      scheduleOptions(
        config,
        PROXY_SCHEDULE_ID,
        config.schedules.proxy,
        'warmDeployWorkflow',
        scheduledWarmDeployIdPrefix(config.proxy.app),
        [{ app: config.proxy.app }],
        'proxy deploy',
      ),
    );
  }
  return out;
}

/** What matters when comparing the desired schedule with the server's. */
function essence(d: Pick<ScheduleDescription, 'spec' | 'action' | 'policies' | 'state'>) {
  const a = d.action as { workflowType?: string | ((...a: never[]) => unknown); workflowId?: string; taskQueue?: string };
  return JSON.stringify({
    calendars: (d.spec.calendars ?? []).map((c) => calendarText(c as Parameters<typeof calendarText>[0])),
    timezone: d.spec.timezone ?? 'UTC',
    workflowType: typeof a.workflowType === 'function' ? a.workflowType.name : a.workflowType,
    workflowId: a.workflowId,
    taskQueue: a.taskQueue,
    overlap: d.policies?.overlap,
    catchupWindowMs: toMs(d.policies?.catchupWindow),
    paused: d.state?.paused ?? false,
  });
}

/** A calendar entry as operators read it, e.g. "SUNDAY 3:0" ("*" for every value; a day of month or month only when set). */
export function calendarText(c: {
  dayOfWeek?: CalendarField;
  hour?: CalendarField;
  minute?: CalendarField;
  dayOfMonth?: CalendarField;
  month?: CalendarField;
}): string {
  const dom = rangeText(c.dayOfMonth, '1-31');
  const month = rangeText(c.month, 'JANUARY-DECEMBER');
  return `${rangeText(c.dayOfWeek, 'SUNDAY-SATURDAY')} ${rangeText(c.hour, '0-23')}:${rangeText(c.minute, '0-59')}${dom === '*' ? '' : ` day ${dom}`}${month === '*' ? '' : ` month ${month}`}`;
}

/** A calendar field, given as a value or described back by the server as ranges. */
type CalendarField = string | number | readonly { start: string | number; end?: string | number; step?: number }[];

/** A calendar field as text. */
function rangeText(v: CalendarField | undefined, all: string): string {
  if (v === undefined || v === '*') return '*';
  if (typeof v !== 'object') return String(v);
  const text = v
    .map((r) => `${r.end === undefined || r.end === r.start ? String(r.start) : `${r.start}-${r.end}`}${r.step && r.step > 1 ? `/${r.step}` : ''}`)
    .join(',');
  return text === all ? '*' : text;
}

function toMs(v: unknown): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)s$/.exec(String(v));
  return m ? Number(m[1]) * 1000 : Number.NaN;
}

/** Creates each schedule, or updates it when it differs; idempotent. */
export async function applySchedules(client: Client, config: Config): Promise<{ scheduleId: string; outcome: 'created' | 'updated' | 'unchanged' }[]> {
  const out = [];
  for (const desired of desiredSchedules(config)) out.push({ scheduleId: desired.scheduleId, outcome: await applySchedule(client, desired) });
  return out;
}

async function applySchedule(client: Client, desired: ScheduleOptions): Promise<'created' | 'updated' | 'unchanged'> {
  try {
    await client.schedule.create(desired);
    return 'created';
  } catch (e) {
    if (!(e instanceof ScheduleAlreadyRunning)) throw e;
  }
  const handle = client.schedule.getHandle(desired.scheduleId);
  const current = await handle.describe();
  const want = { spec: desired.spec, action: desired.action, policies: desired.policies, state: { paused: desired.state?.paused ?? false } };
  if (essence(current) === essence(want as never)) return 'unchanged';
  await handle.update((prev) => ({
    ...prev,
    spec: desired.spec,
    action: desired.action,
    policies: desired.policies,
    state: { ...prev.state, paused: desired.state?.paused ?? false },
  }));
  return 'updated';
}

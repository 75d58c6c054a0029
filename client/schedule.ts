import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleDescription, type ScheduleOptions } from '@temporalio/client';
import type { Config } from '../config/schema';
import { temporalSettings } from './connect';

export const SWEEP_SCHEDULE_ID = 'coopci-weekly-sweep';

/** The weekly sweep schedule as Temporal should hold it (replaces the old systemd timer). */
export function sweepScheduleOptions(config: Config): ScheduleOptions {
  const s = config.schedules.sweep;
  return {
    scheduleId: SWEEP_SCHEDULE_ID,
    spec: {
      calendars: [{ dayOfWeek: s.dayOfWeek === '*' ? undefined : s.dayOfWeek, hour: s.hour, minute: s.minute, comment: 'weekly sweep' }],
      timezone: s.timezone,
    },
    action: {
      type: 'startWorkflow',
      workflowType: 'sweepWorkflow',
      // Temporal appends the scheduled time, e.g. sweep-scheduled-2026-11-22T03:00:00Z.
      workflowId: 'sweep-scheduled',
      taskQueue: temporalSettings(config).taskQueue,
      args: [{}],
    },
    policies: {
      overlap: ScheduleOverlapPolicy.SKIP,
      catchupWindow: `${s.catchupWindowSeconds}s`,
      pauseOnFailure: false,
    },
    state: { paused: s.paused, note: 'managed by coopci schedule apply' },
  };
}

/** What matters when comparing the desired schedule with the server's. */
function essence(d: Pick<ScheduleDescription, 'spec' | 'action' | 'policies' | 'state'>) {
  const a = d.action as { workflowType?: string | ((...a: never[]) => unknown); workflowId?: string; taskQueue?: string };
  return JSON.stringify({
    calendars: (d.spec.calendars ?? []).map(calendarText),
    timezone: d.spec.timezone ?? 'UTC',
    workflowType: typeof a.workflowType === 'function' ? a.workflowType.name : a.workflowType,
    workflowId: a.workflowId,
    taskQueue: a.taskQueue,
    overlap: d.policies?.overlap,
    catchupWindowMs: toMs(d.policies?.catchupWindow),
    paused: d.state?.paused ?? false,
  });
}

/** A calendar entry as operators read it, e.g. "SUNDAY 3:0" ("*" for every value). */
export function calendarText(c: { dayOfWeek?: unknown; hour?: unknown; minute?: unknown }): string {
  return `${rangeText(c.dayOfWeek, 'SUNDAY-SATURDAY')} ${rangeText(c.hour, '0-23')}:${rangeText(c.minute, '0-59')}`;
}

/** A calendar field as text, whether given as a value or described back by the server as ranges. */
function rangeText(v: unknown, all: string): string {
  if (v === undefined || v === '*') return '*';
  if (!Array.isArray(v)) return String(v);
  const text = (v as { start: unknown; end?: unknown }[]).map((r) => (r.end === undefined || r.end === r.start ? String(r.start) : `${r.start}-${r.end}`)).join(',');
  return text === all ? '*' : text;
}

function toMs(v: unknown): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)s$/.exec(String(v));
  return m ? Number(m[1]) * 1000 : Number.NaN;
}

/** Creates the schedule, or updates it when it differs; idempotent. */
export async function applySweepSchedule(client: Client, config: Config): Promise<'created' | 'updated' | 'unchanged'> {
  const desired = sweepScheduleOptions(config);
  try {
    await client.schedule.create(desired);
    return 'created';
  } catch (e) {
    if (!(e instanceof ScheduleAlreadyRunning)) throw e;
  }
  const handle = client.schedule.getHandle(SWEEP_SCHEDULE_ID);
  const current = await handle.describe();
  const want = { spec: desired.spec, action: desired.action, policies: desired.policies, state: { paused: desired.state?.paused ?? false } };
  if (essence(current) === essence(want as never)) return 'unchanged';
  await handle.update((prev) => ({ ...prev, spec: desired.spec, action: desired.action as never, policies: desired.policies as never, state: { ...prev.state, paused: desired.state?.paused ?? false } }));
  return 'updated';
}

/** coopci schedule apply|show|trigger. */
import type { Command } from 'commander';
import { applySchedules, calendarText, SWEEP_SCHEDULE_ID } from '../client/schedule';
import { JSON_HELP, run, session, type Handler } from './command';

export function addScheduleCommands(program: Command): void {
  const schedule = program.command('schedule').description('the weekly sweep schedule (and the proxy deploy one)');
  schedule
    .command('apply')
    .summary('create or update the weekly schedule')
    .description(
      `Creates the schedules (the weekly sweep "${SWEEP_SCHEDULE_ID}", and the proxy deploy when schedules.proxy is set) or updates them to match the config (idempotent).`,
    )
    .option('--json', JSON_HELP)
    .action(run(scheduleApply));
  schedule.command('show').description('print the schedule').option('--json', JSON_HELP).action(run(scheduleShow));
  schedule
    .command('trigger')
    .summary('start a scheduled sweep now')
    .description('Starts the scheduled action now (overlap policy still applies).')
    .action(run(scheduleTrigger));
}

const scheduleApply: Handler = async (cmd) => {
  const { loaded, client } = await session(cmd);
  const applied = await applySchedules(client, loaded.config);
  console.log(cmd.opts<{ json?: boolean }>().json ? JSON.stringify(applied) : applied.map((a) => `schedule ${a.scheduleId}: ${a.outcome}`).join('\n'));
  return 0;
};

const scheduleShow: Handler = async (cmd) => {
  const { client } = await session(cmd);
  const d = await client.schedule.getHandle(SWEEP_SCHEDULE_ID).describe();
  const view = {
    scheduleId: d.scheduleId,
    when: (d.spec.calendars ?? []).map(calendarText),
    timezone: d.spec.timezone ?? 'UTC',
    overlap: d.policies.overlap,
    catchupWindowSeconds: d.policies.catchupWindow / 1000,
    paused: d.state.paused,
    nextActionTimes: d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
    recentActions: d.info.recentActions.slice(-3).map((a) => ({ at: a.takenAt.toISOString(), workflowId: a.action.workflow.workflowId })),
  };
  const line = ([k, v]: [string, unknown]) => `${k}: ${typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number' ? v : JSON.stringify(v)}`;
  console.log(cmd.opts<{ json?: boolean }>().json ? JSON.stringify(view, null, 2) : Object.entries(view).map(line).join('\n'));
  return 0;
};

const scheduleTrigger: Handler = async (cmd) => {
  const { client } = await session(cmd);
  await client.schedule.getHandle(SWEEP_SCHEDULE_ID).trigger();
  console.log(`triggered ${SWEEP_SCHEDULE_ID}`);
  return 0;
};

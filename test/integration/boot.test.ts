/**
 * A host booted from scratch, on real Temporal and a real Swarm: the worker
 * started as the NixOS unit and the compose file start it (--apply-schedules
 * --converge-at-start) creates the schedules, cron ones included, and brings
 * the warm apps up; applying the same schedules again changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { calendarText, CONVERGE_SCHEDULE_ID, PROXY_SCHEDULE_ID, SWEEP_SCHEDULE_ID } from '../../client/schedule';
import { CONVERGE_ID } from '../../contract/ids';
import type { ConvergeResult } from '../../contract/types';
import { makeFixture, type Fixture } from '../helpers/fixture';
import { cli, spawnWorker, testClient, waitFor } from '../helpers/temporal';
import { buildUpstream, CI, port } from '../helpers/pool';

const SCHEDULES = [SWEEP_SCHEDULE_ID, PROXY_SCHEDULE_ID, CONVERGE_SCHEDULE_ID];

describe('boot', () => {
  let f: Fixture;
  let worker: ChildProcess | undefined;
  const removeSchedules = async () => {
    const client = await testClient();
    await Promise.all(
      SCHEDULES.map((id) =>
        client.schedule
          .getHandle(id)
          .delete()
          .catch(() => undefined),
      ),
    );
  };
  beforeAll(async () => {
    f = await makeFixture('boot', [{ name: 'unreleased', from: 'unreleased' }], {
      warm: [
        {
          name: 'dashboard',
          recipe: 'dashboard',
          upstream: 'up/dashboard',
          domain: `dashboard.${CI}`,
          health: { url: `http://127.0.0.1:${port(18085)}/`, intervalSeconds: 1, deadlineSeconds: 20 },
        },
      ],
      schedules: { sweep: { cron: '0 3 * * SUN' }, converge: { cron: '*/20 1-5 * JAN,JUL MON-FRI', timezone: 'Europe/Berlin' } },
    });
    await buildUpstream('dashboard', f.loaded.config.warm[0]!.upstream);
    await removeSchedules();
    const client = await testClient();
    await client.workflow
      .getHandle(CONVERGE_ID)
      .terminate('left by an earlier test')
      .catch(() => undefined);
  });
  afterAll(async () => {
    worker?.kill('SIGTERM');
    await removeSchedules();
  });

  it('applies the schedules (cron ones too) and converges the warm apps when the worker starts', async () => {
    const client = await testClient();
    // An earlier test's converge run (same workflow id) may still be the latest: wait for one this worker started.
    const earlier = await client.workflow
      .getHandle(CONVERGE_ID)
      .describe()
      .then((d) => d.runId)
      .catch(() => undefined);
    worker = spawnWorker(f, {}, ['--apply-schedules', '--converge-at-start']);
    const runId = await waitFor('the start-up converge', () =>
      client.workflow
        .getHandle(CONVERGE_ID)
        .describe()
        .then((d) => d.runId !== earlier && d.status.name === 'COMPLETED' && d.runId),
    );
    const result = (await client.workflow.getHandle(CONVERGE_ID, runId).result()) as ConvergeResult;
    expect(result.apps).toEqual([expect.objectContaining({ app: 'dashboard', outcome: 'HEALTHY', version: '1.0.0+1.0' })]);

    const sweep = await client.schedule.getHandle(SWEEP_SCHEDULE_ID).describe();
    expect(sweep.spec.calendars!.map((c) => calendarText(c))).toEqual(['SUNDAY 3:0']);
    const conv = await client.schedule.getHandle(CONVERGE_SCHEDULE_ID).describe();
    expect(conv.spec.calendars!.map((c) => calendarText(c))).toEqual(['MONDAY-FRIDAY 1-5:0-59/20 month JANUARY,JULY']);
    expect(conv.spec.timezone).toBe('Europe/Berlin');
    expect(conv.action).toMatchObject({ workflowType: 'convergeWorkflow', workflowId: 'converge-warm-scheduled' });
    const next = conv.info.nextActionTimes[0]!;
    expect([0, 6]).toContain(next.getUTCMonth());
    expect(next.getUTCMinutes() % 20).toBe(0);

    // Applying the same config again (the next worker start) changes nothing.
    expect((await cli(f, ['schedule', 'apply'])).stdout).toBe(`schedule ${SWEEP_SCHEDULE_ID}: unchanged\nschedule ${CONVERGE_SCHEDULE_ID}: unchanged\n`);
  }, 180_000);
});

/**
 * Durability and operator control on real parts: a worker SIGKILLed
 * mid-sweep, a wedged deploy, a second sweep refused, an abort that leaves
 * nothing behind, and the weekly schedule.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { afterEach, describe, expect, it } from 'vitest';
import { docker, stackLeftovers } from '../../adapters/swarm';
import { calendarText, PROXY_SCHEDULE_ID, SWEEP_SCHEDULE_ID } from '../../client/schedule';
import { startSweep } from '../../client/sweep';
import { stackName } from '../../domain/stack-name';
import { sweepStatusQuery } from '../../contract/messages';
import type { SweepResult } from '../../contract/types';
import { makeFixture, CRASH_TEST_TIMEOUTS } from '../helpers/fixture';
import { cli, endRunningSweep, spawnWorker, startWorker, testClient, waitFor } from '../helpers/temporal';
import { CI, CI_STACK, literally } from '../helpers/pool';
import { NOTHING_LEFT } from '../helpers/remove-apps';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  await endRunningSweep();
  for (const c of cleanups.splice(0).reverse()) await c();
});

const labels = (r: SweepResult) => Object.fromEntries(r.results.map((x) => [x.recipe, x.label]));

describe('crash resume', () => {
  it('a SIGKILLed worker is replaced and the sweep completes without repeating a finished promote', async () => {
    const f = await makeFixture(
      'crash',
      [
        { name: 'alpha', from: 'hello', upTo: '1.0.0+1.0' },
        { name: 'beta', from: 'hello', upTo: '1.0.0+1.0', extra: { test: { command: ['sleep', '5'] } } },
      ],
      { timeouts: CRASH_TEST_TIMEOUTS },
    );
    const first = spawnWorker(f);
    cleanups.push(() => first.kill('SIGKILL'));
    const client = await testClient();
    const handle = await startSweep(client, f.loaded.config);

    await waitFor(
      'alpha promoted while beta is mid-tier',
      async () => {
        const s = await handle.query(sweepStatusQuery);
        const [a, b] = s.recipes;
        return a?.label === 'PROMOTED' && b?.phase === 'tier:custom';
      },
      180_000,
    );
    const recordFile = path.join(f.stateDir, 'registry', 'alpha', 'canonical.json');
    const recordBefore = await readFile(recordFile, 'utf8');
    first.kill('SIGKILL');

    const second = await startWorker(f);
    cleanups.push(() => second.stop());
    const result = await handle.result();
    expect(labels(result)).toEqual({ alpha: 'PROMOTED', beta: 'PROMOTED' });

    // alpha's promote side effects happened exactly once: one app new, one deploy, one record.
    const calls = await f.abraCalls();
    const onWarmAlpha = calls.filter((a) => a.includes(`warm-alpha.${CI}`)).map((a) => a[1]);
    expect(onWarmAlpha).toEqual(['new', 'deploy', 'undeploy']);
    expect(await readFile(recordFile, 'utf8')).toBe(recordBefore);
    expect(await stackLeftovers(docker(), stackName(`cold-beta.${CI}`))).toEqual(NOTHING_LEFT);
  }, 400_000);
});

describe('wedge and overlap', () => {
  it('cuts a deploy that never converges off, runs the next recipe, and refuses a second sweep meanwhile', async () => {
    const f = await makeFixture('wedge', [
      // abra returns at once (--no-converge-checks); coopci's own wait for convergence is what a crash loop runs into.
      { name: 'wedge', from: 'wedge', extra: { timeouts: { convergeSeconds: 5 } } },
      { name: 'hello', from: 'hello', upTo: '1.0.0+1.0' },
    ]);
    const w = await startWorker(f);
    cleanups.push(() => w.stop());
    const client = await testClient();
    const handle = await startSweep(client, f.loaded.config);
    await waitFor('the wedged deploy', async () => (await handle.query(sweepStatusQuery)).recipes[0]?.phase === 'tier:install');

    // Overlap: the CLI refuses, naming the running sweep…
    const refused = await cli(f, ['sweep', 'start']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`a sweep is already running: ${handle.workflowId}`);
    // …and so does the workflow itself when the CLI's check is bypassed.
    const intruder = await client.workflow.start('sweepWorkflow', { workflowId: `${handle.workflowId}-intruder`, taskQueue: f.taskQueue, args: [{}] });
    const err = await intruder.result().catch((e) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause?.message).toBe(`another sweep is running: ${handle.workflowId}; wait for it or abort it first`);

    const result = await handle.result();
    expect(labels(result)).toEqual({ wedge: 'FAILED', hello: 'PROMOTED' });
    expect(result.results[0]!.reason).toMatch(new RegExp(`^install: cold-wedge\\.${literally(CI)} did not converge within 5s: cold-wedge_${CI_STACK}_app 0/1`));
    expect(await stackLeftovers(docker(), stackName(`cold-wedge.${CI}`))).toEqual(NOTHING_LEFT);
  }, 300_000);
});

describe('abort', () => {
  it('stops the current recipe mid-tier with cleanup and skips the rest', async () => {
    const f = await makeFixture('abort', [
      { name: 'hello', from: 'hello' },
      { name: 'broken', from: 'broken', port: 18082 },
    ]);
    const w = await startWorker(f);
    cleanups.push(() => w.stop());
    const client = await testClient();
    const handle = await startSweep(client, f.loaded.config);
    await waitFor('hello mid-upgrade', async () => (await handle.query(sweepStatusQuery)).recipes[0]?.phase === 'tier:upgrade', 120_000);

    const sent = await cli(f, ['sweep', 'abort', '--reason', 'operator test']);
    expect(sent).toMatchObject({ code: 0, stdout: `abort sent to ${handle.workflowId}\n` });
    const result = await handle.result();
    expect(result).toMatchObject({ aborted: true, abortReason: 'operator test' });
    expect(result.results[0]).toMatchObject({ recipe: 'hello', label: 'FAILED', reason: 'aborted: operator test (canonical unchanged: none)' });
    expect(result.results[1]).toMatchObject({ recipe: 'broken', label: 'SKIPPED', reason: 'aborted: operator test' });
    expect(await stackLeftovers(docker(), stackName(`cold-hello.${CI}`))).toEqual(NOTHING_LEFT);
    await expect(stat(path.join(f.abraDir, 'servers', 'default', `cold-hello.${CI}.env`))).rejects.toThrow(/ENOENT/);
    // The teardown waited for the aborted tier to stop: in the recipe's history
    // the tier's cancellation completed before the teardown was scheduled.
    const events = (await client.workflow.getHandle(`${handle.workflowId}/hello`).fetchHistory()).events ?? [];
    const scheduled = (type: string) => events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === type).map((e) => Number(e.eventId));
    const cancelled = events.findIndex(
      (e) => e.activityTaskCanceledEventAttributes && scheduled('runTier').includes(Number(e.activityTaskCanceledEventAttributes.scheduledEventId)),
    );
    const teardown = events.findIndex((e) => Number(e.eventId) === scheduled('teardownColdApp')[0]);
    expect(cancelled).toBeGreaterThan(-1);
    expect(teardown).toBeGreaterThan(cancelled);
  }, 300_000);
});

describe('schedule', () => {
  it('is applied idempotently and triggering it runs a sweep', async () => {
    const f = await makeFixture('schedule', [{ name: 'unreleased', from: 'unreleased' }], {
      warm: [
        {
          name: 'traefik',
          recipe: 'proxy',
          upstream: 'up/proxy',
          domain: `traefik.${CI}`,
          health: { url: `https://traefik.${CI}/api/version` },
        },
      ],
      proxy: { app: 'traefik' },
      schedules: { proxy: { dayOfWeek: '*', hour: 4, minute: 30 } },
    });
    const w = await startWorker(f);
    cleanups.push(() => w.stop());
    const client = await testClient();
    const removeAll = () =>
      Promise.all(
        [SWEEP_SCHEDULE_ID, PROXY_SCHEDULE_ID].map((id) =>
          client.schedule
            .getHandle(id)
            .delete()
            .catch(() => undefined),
        ),
      );
    cleanups.push(removeAll);
    await removeAll();

    expect((await cli(f, ['schedule', 'apply'])).stdout).toBe(`schedule ${SWEEP_SCHEDULE_ID}: created\nschedule ${PROXY_SCHEDULE_ID}: created\n`);
    const before = await client.schedule.getHandle(SWEEP_SCHEDULE_ID).describe();
    expect((await cli(f, ['schedule', 'apply'])).stdout).toBe(`schedule ${SWEEP_SCHEDULE_ID}: unchanged\nschedule ${PROXY_SCHEDULE_ID}: unchanged\n`);
    const proxySchedule = await client.schedule.getHandle(PROXY_SCHEDULE_ID).describe();
    expect(proxySchedule.action).toMatchObject({ workflowType: 'warmDeployWorkflow', workflowId: 'deploy-traefik-scheduled' });
    expect(calendarText(proxySchedule.spec.calendars![0]!)).toBe('* 4:30');
    const after = await client.schedule.getHandle(SWEEP_SCHEDULE_ID).describe();
    expect(after.raw.conflictToken).toEqual(before.raw.conflictToken);

    const shown = JSON.parse((await cli(f, ['schedule', 'show', '--json'])).stdout);
    expect(shown).toMatchObject({ when: ['SUNDAY 3:0'], timezone: 'UTC', overlap: 'SKIP', catchupWindowSeconds: 518400, paused: false });
    expect(new Date(shown.nextActionTimes[0]).getUTCDay()).toBe(0);

    expect((await cli(f, ['schedule', 'trigger'])).code).toBe(0);
    const started = await waitFor('the scheduled sweep', async () => {
      const d = await client.schedule.getHandle(SWEEP_SCHEDULE_ID).describe();
      return d.info.recentActions[0]?.action.workflow.workflowId;
    });
    expect(started).toMatch(/^sweep-scheduled-/);
    const result = (await client.workflow.getHandle(started).result()) as SweepResult;
    expect(labels(result)).toEqual({ unreleased: 'SKIPPED' });
  }, 120_000);
});

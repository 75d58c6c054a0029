/**
 * Replays recorded histories of real runs (test/histories, recorded with
 * scripts/record-histories.ts) against the current workflow code. A change
 * that would break workflows already running fails here: version it with
 * patched() instead (see README, "Changing workflows").
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { describe, expect, it, inject } from 'vitest';
import '../test/helpers/temporal';
import { WAIT_FOR_CANCELLED_STEPS } from '../workflows/cancellation';
import { QUICK_LOOK, RECIPE_LOCK } from '../workflows/recipe';
import { LOCK_BY_RUN_ID, SWEEP_LOOKS_FIRST, WAIT_FOR_PROXY_DEPLOY } from '../workflows/sweep';
import { WARM_ONE_WRITER } from '../workflows/warm';

const dir = fileURLToPath(new URL('./histories/', import.meta.url));

interface RecordedEvent {
  eventType: string;
  markerRecordedEventAttributes?: { markerName: string; details?: { 'patch-data'?: { payloads: { data: string }[] } } };
  startChildWorkflowExecutionInitiatedEventAttributes?: { workflowId: string };
}
const eventsOf = async (file: string) => (JSON.parse(await readFile(path.join(dir, file), 'utf8')) as { events: RecordedEvent[] }).events;
/** The patch ids a history recorded (core_patch markers carry {"id": …} as a JSON payload). */
const patchesIn = (events: RecordedEvent[]) =>
  events.flatMap((e) =>
    e.markerRecordedEventAttributes?.markerName === 'core_patch'
      ? (e.markerRecordedEventAttributes.details?.['patch-data']?.payloads ?? []).map(
          (p) => (JSON.parse(Buffer.from(p.data, 'base64').toString()) as { id: string }).id,
        )
      : [],
  );

describe('recorded histories replay on the current code', async () => {
  // file name → the workflow id it was recorded under (replay must use the same id)
  const index = JSON.parse(await readFile(path.join(dir, 'index.json'), 'utf8')) as Record<string, string>;
  const files = Object.keys(index).sort();

  it('has histories of a sweep, recipes promoted, failed and skipped, a proxy deploy and a converge', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'sweep.json',
        'sweep--hello.json',
        'sweep--broken.json',
        'sweep--unreleased.json',
        'sweep--vanished.json',
        'deploy-traefik.json',
        'converge-warm.json',
        'converge-warm--traefik.json',
      ]),
    );
  });

  it('has histories from before and after each patch, and of a sweep that continued as new', () => {
    // sweep*.json predate 'quiet-progress-signals' and 'sweep-continue-as-new'; v2-* were recorded with them.
    expect(files).toEqual(expect.arrayContaining(['v2-sweep.json', 'v2-sweep--hello.json', 'v2-sweep-long-run1.json', 'v2-sweep-long-run2.json']));
  });

  it("has an aborted recipe and a gated deploy recorded under 'wait-for-cancelled-steps', and ones from before it", async () => {
    const aborted = await eventsOf('v3-abort-sweep--broken.json');
    expect(patchesIn(aborted)).toContain(WAIT_FOR_CANCELLED_STEPS);
    expect(aborted.map((e) => e.eventType)).toContain('EVENT_TYPE_ACTIVITY_TASK_CANCELED');
    expect(patchesIn(await eventsOf('v3-deploy-traefik.json'))).toContain(WAIT_FOR_CANCELLED_STEPS);
    expect(patchesIn(await eventsOf('v2-sweep--hello.json'))).not.toContain(WAIT_FOR_CANCELLED_STEPS);
    expect(patchesIn(await eventsOf('deploy-traefik.json'))).not.toContain(WAIT_FOR_CANCELLED_STEPS);
  });

  it("has histories recorded under the one-writer patches ('recipe-lock', 'lock-by-run-id', 'warm-lock-and-rejections'), and ones from before them", async () => {
    expect(patchesIn(await eventsOf('v4-sweep--hello.json'))).toContain(RECIPE_LOCK);
    expect(patchesIn(await eventsOf('v4-sweep.json'))).toContain(LOCK_BY_RUN_ID);
    expect(patchesIn(await eventsOf('v4-deploy-traefik.json'))).toContain(WARM_ONE_WRITER);
    expect(patchesIn(await eventsOf('v3-sweep--hello.json'))).not.toContain(RECIPE_LOCK);
    expect(patchesIn(await eventsOf('v3-sweep.json'))).not.toContain(LOCK_BY_RUN_ID);
    expect(patchesIn(await eventsOf('v3-deploy-traefik.json'))).not.toContain(WARM_ONE_WRITER);
  });

  it("has recipes recorded under 'quick-look-first': one through the whole run, one settled by the look alone, and ones from before it", async () => {
    expect(patchesIn(await eventsOf('v5-sweep--hello.json'))).toContain(QUICK_LOOK);
    expect(patchesIn(await eventsOf('v5-sweep.json'))).toContain(WAIT_FOR_PROXY_DEPLOY);
    const settled = await eventsOf('v5-again-sweep--hello.json');
    expect(patchesIn(settled)).toContain(QUICK_LOOK);
    const types = settled.map((e) => e.eventType);
    expect(types).not.toContain('EVENT_TYPE_ACTIVITY_TASK_SCHEDULED');
    expect(types).not.toContain('EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED');
    expect(patchesIn(await eventsOf('v4-sweep--hello.json'))).not.toContain(QUICK_LOOK);
  });

  it("has sweeps recorded under 'sweep-looks-first': recipes settled by the sweep's own look (no recipe workflow), and one from before it", async () => {
    const again = await eventsOf('v6-again-sweep.json');
    expect(patchesIn(again)).toContain(SWEEP_LOOKS_FIRST);
    expect(patchesIn(await eventsOf('v6-sweep.json'))).toContain(SWEEP_LOOKS_FIRST);
    // hello and unreleased were settled by the look: the second sweep started no workflow for them, only for the others.
    const children = again.flatMap((e) =>
      e.startChildWorkflowExecutionInitiatedEventAttributes ? [e.startChildWorkflowExecutionInitiatedEventAttributes.workflowId] : [],
    );
    expect(children.filter((id) => /\/(hello|unreleased)$/.test(id))).toEqual([]);
    expect(children.some((id) => /\/broken$/.test(id))).toBe(true);
    expect(files).not.toContain('v6-again-sweep--hello.json');
    expect(patchesIn(await eventsOf('v5-again-sweep.json'))).not.toContain(SWEEP_LOOKS_FIRST);
  });

  it.each(files)('%s', async (file) => {
    const history = historyFromJSON(JSON.parse(await readFile(path.join(dir, file), 'utf8')));
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, index[file]);
  });
});

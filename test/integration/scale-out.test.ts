/**
 * Scale-out: recipes spread over two nodes, each with its own worker on its
 * own task queue (here both on this machine). The sweep runs on the main
 * queue, still one at a time; each node runs one recipe at a time.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createWorker } from '../../worker/create-worker';
import { startSweep } from '../../client/sweep';
import { makeFixture, type Fixture } from '../helpers/fixture';
import { endRunningSweep, startWorker, testClient } from '../helpers/temporal';

const RECIPES = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'];

describe('scale-out over two nodes', () => {
  let f: Fixture;
  const stops: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    const nodes = ['a', 'b'].map((n) => ({ name: `node-${n}`, taskQueue: `nodes-${n}-${process.pid}`, server: 'default' }));
    f = await makeFixture(
      'nodes',
      RECIPES.map((name) => ({ name, from: 'unreleased' })),
      { nodes },
    );
    const main = await startWorker(f);
    stops.push(() => main.stop());
    for (const n of f.loaded.config.nodes) {
      const { worker, close } = await createWorker({
        loaded: f.loaded,
        workflowBundlePath: inject('workflowBundlePath'),
        taskQueue: n.taskQueue,
        server: n.server,
      });
      const running = worker.run();
      stops.push(async () => {
        worker.shutdown();
        await running;
        await close();
      });
    }
  });
  afterAll(async () => {
    await endRunningSweep();
    for (const s of stops.reverse()) await s();
  });

  it('runs every recipe on one of the nodes, both nodes used, one recipe at a time per node', async () => {
    const client = await testClient();
    const result = await (await startSweep(client, f.loaded.config)).result();
    expect(result.results.map((r) => [r.recipe, r.label])).toEqual(RECIPES.map((r) => [r, 'SKIPPED']));

    const onQueue = new Map<string, { start: number; end: number }[]>();
    for (const r of result.results) {
      const d = await client.workflow.getHandle(r.workflowId).describe();
      const spans = onQueue.get(d.taskQueue) ?? [];
      spans.push({ start: Date.parse(r.startedAt), end: Date.parse(r.endedAt) });
      onQueue.set(d.taskQueue, spans);
    }
    expect([...onQueue.keys()].sort()).toEqual(f.loaded.config.nodes.map((n) => n.taskQueue).sort());
    for (const spans of onQueue.values()) {
      spans.sort((a, b) => a.start - b.start);
      for (let i = 1; i < spans.length; i++) expect(spans[i]!.start).toBeGreaterThanOrEqual(spans[i - 1]!.end);
    }
  });
});

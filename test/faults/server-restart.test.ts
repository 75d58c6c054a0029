/**
 * The Temporal server itself killed mid-sweep and restarted on its database
 * file: worker and client reconnect, and the sweep completes with the right
 * labels. Uses a dev server of its own (the suite's shared one keeps its
 * state in memory).
 */
import { Client, Connection } from '@temporalio/client';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startSweep } from '../../client/sweep';
import { freePort, startDevServer, type DevServer } from '../../scripts/dev-server';
import { sweepStatusQuery } from '../../contract/messages';
import { makeFixture } from '../helpers/fixture';
import { startWorker, waitFor } from '../helpers/temporal';

describe('Temporal server restart', () => {
  let server: DevServer | undefined;
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await server?.stop();
  });

  it('a sweep survives its server being killed and restarted on the same database', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'server-restart-'));
    const port = await freePort();
    const start = () => startDevServer({ port, headless: true, dbFile: path.join(dir, 'temporal.db'), logFile: path.join(dir, 'temporal.log') });
    server = await start();
    const f = await makeFixture(
      'restart',
      [
        { name: 'alpha', from: 'hello', upTo: '1.0.0+1.0', extra: { test: { command: ['sleep', '8'] } } },
        { name: 'unreleased', from: 'unreleased' },
      ],
      { temporal: { address: server.address, namespace: 'default', taskQueue: `restart-${process.pid}` } },
    );
    const worker = await startWorker(f);
    cleanups.push(() => worker.stop());
    const client = new Client({ connection: await Connection.connect({ address: server.address }) });
    cleanups.push(() => client.connection.close());

    const handle = await startSweep(client, f.loaded.config);
    await waitFor('alpha in its custom tier', async () => (await handle.query(sweepStatusQuery)).recipes[0]?.phase === 'tier:custom', 180_000);
    server.process.kill('SIGKILL');
    await new Promise((r) => server!.process.once('exit', r));
    await new Promise((r) => setTimeout(r, 3000));
    server = await start();

    const result = await handle.result();
    expect(result.results.map((r) => [r.recipe, r.label])).toEqual([
      ['alpha', 'PROMOTED'],
      ['unreleased', 'SKIPPED'],
    ]);
  }, 300_000);
});

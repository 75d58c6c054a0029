/**
 * A worker asked to stop drains: the command in flight finishes (here a git
 * fetch from an upstream that answers after a few seconds) instead of being
 * cancelled at once, which would spend one of the step's attempts on every
 * restart and leave a half-done abra behind.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startSweep } from '../../client/sweep';
import { makeFixture, REPO } from '../helpers/fixture';
import { endRunningSweep, testClient, waitFor } from '../helpers/temporal';

const UPSTREAM_DELAY_MS = 5_000;

describe('worker shutdown', () => {
  const servers: http.Server[] = [];
  afterAll(async () => {
    await endRunningSweep();
    for (const s of servers) s.close();
  });

  it('lets the command in flight finish before the worker exits', async () => {
    let requested = 0;
    let answeredAt = 0;
    // An upstream that takes its time, then says there is no such repository.
    const upstream = http.createServer((_req, res) => {
      requested++;
      setTimeout(() => {
        res.writeHead(404).end();
        answeredAt = Date.now();
      }, UPSTREAM_DELAY_MS);
    });
    servers.push(upstream);
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/slow.git`;
    const f = await makeFixture('drain', [{ name: 'slow', extra: { upstream: url } }]);

    const worker = spawn(process.execPath, [path.join(REPO, 'bin/coopci.mjs'), 'worker', '--config', f.configFile], {
      env: { ...process.env, COOPCI_WORKFLOW_BUNDLE: inject('workflowBundlePath'), COOPCI_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    worker.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number>((r) => worker.on('exit', (code) => r(code ?? -1)));

    await startSweep(await testClient(), f.loaded.config);
    await waitFor('the fetch to reach the upstream', async () => requested > 0, 60_000);
    worker.kill('SIGTERM');
    expect(await exited).toBe(0);

    // It exited only after the upstream answered, and the fetch ended on its own, not cancelled.
    expect(answeredAt).toBeGreaterThan(0);
    const fetches = stderr
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { msg: string; command?: string })
      .filter((r) => r.command === 'git ls-remote');
    expect(fetches.map((r) => r.msg)).toEqual(['git ls-remote: exited 128']);
  }, 90_000);
});

import { Client, Connection } from '@temporalio/client';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { inject } from 'vitest';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { runningSweep } from '../../client/sweep';
import { createWorker } from '../../worker/create-worker';
import { REPO, type Fixture } from './fixture';
import { TEST_NAMESPACE } from './pool';

// Worker state chatter drowns test output; warnings and errors still show.
Runtime.install({ logger: new DefaultLogger('WARN') });

export async function testClient(): Promise<Client> {
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  return new Client({ connection, namespace: TEST_NAMESPACE });
}

/** An in-process worker for a fixture; stop() drains and shuts it down. */
export async function startWorker(f: Fixture) {
  const { worker, close } = await createWorker({ loaded: f.loaded, workflowBundlePath: inject('workflowBundlePath') });
  const running = worker.run();
  return {
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await close();
    },
  };
}

/** A worker in its own process (the CLI's), so a test can SIGKILL it like a crash would. */
export function spawnWorker(f: Fixture, env: Record<string, string> = {}, args: string[] = []): ChildProcess {
  return spawn(process.execPath, [path.join(REPO, 'bin/coopci.mjs'), 'worker', ...args, '--config', f.configFile], {
    // Warnings and errors only: a worker's info records would drown the test output.
    env: { ...process.env, COOPCI_WORKFLOW_BUNDLE: inject('workflowBundlePath'), ABRA_LEDGER: f.ledger, COOPCI_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

/** Runs the CLI as a user would; returns exit code and output. */
export function cli(f: Fixture, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [path.join(REPO, 'bin/coopci.mjs'), ...args, '--config', f.configFile], {
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Terminates a sweep a failed test left running (with its lock and recipe
 * children), so one failure does not cascade into every later test.
 */
export async function endRunningSweep(): Promise<void> {
  const client = await testClient();
  const holder = await runningSweep(client);
  if (!holder) return;
  await client.workflow
    .getHandle(holder)
    .terminate('left running by a failed test')
    .catch(() => undefined);
  // Its recipes (and their locks) go too: a dead sweep's running recipes keep holding the sweep lock.
  for await (const w of client.workflow.list({ query: `CoopciSweepId = '${holder}' AND ExecutionStatus = 'Running'` })) {
    await client.workflow
      .getHandle(w.workflowId)
      .terminate('left running by a failed test')
      .catch(() => undefined);
  }
  await waitFor('the sweep lock to be free', async () => (await runningSweep(client)) === null, 60_000);
}

/**
 * One real Temporal dev server for the whole suite (search attributes
 * registered), the workflow bundle built once, and a check that the real
 * Docker daemon and Swarm from scripts/setup.sh are there. Integration tests
 * fail loudly, never skip, when a part is missing.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { docker } from '../adapters/swarm';
import { startDevServer } from '../scripts/dev-server';
import { deployBackupBot } from './helpers/backup-bot';
import { TEST_WORKERS, testNamespace } from './helpers/pool';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalUiUrl: string;
    workflowBundlePath: string;
    scratchDir: string;
  }
}

export default async function setup(project: TestProject) {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'coopci-test-'));
  await assertSwarm();
  // A namespace per vitest worker: files run side by side (helpers/pool.ts).
  const namespaces = Array.from({ length: TEST_WORKERS }, (_, i) => testNamespace(i + 1));
  const server = await startDevServer({ logFile: path.join(scratch, 'temporal.log'), namespaces });
  let removeBot: (() => Promise<void>) | undefined;
  try {
    // Backups need a running backup bot, as on a real server (test/abra stops it while proving they are refused without one).
    removeBot = await deployBackupBot(scratch);
    const { code } = await bundleWorkflowCode({
      // COOPCI_TEST_WORKFLOWS: another checkout's workflows/index.ts, to show a new test fails on older code.
      workflowsPath: process.env.COOPCI_TEST_WORKFLOWS ?? fileURLToPath(new URL('../workflows/index.ts', import.meta.url)),
      logger: { info() {}, warn: console.warn, error: console.error, debug() {}, trace() {}, log() {} },
    });
    const bundle = path.join(scratch, 'workflow-bundle.js');
    await writeFile(bundle, code);
    project.provide('temporalAddress', server.address);
    project.provide('temporalUiUrl', server.uiUrl ?? '');
    project.provide('workflowBundlePath', bundle);
    project.provide('scratchDir', scratch);
  } catch (e) {
    await removeBot?.();
    await server.stop();
    throw e;
  }
  return async () => {
    await removeBot?.();
    await server.stop();
  };
}

async function assertSwarm() {
  try {
    const info = (await docker().info()) as { Swarm?: { LocalNodeState?: string } };
    if (info.Swarm?.LocalNodeState !== 'active') throw new Error(`swarm state is ${info.Swarm?.LocalNodeState}`);
  } catch (e) {
    throw new Error(`Docker Swarm is not available (${(e as Error).message}); run "bash scripts/setup.sh" first`);
  }
}

import { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import type { LoadedConfig } from '../config/load';
import { temporalSettings } from '../client/connect';
import { createActivities } from '../activities';

export interface WorkerSetup {
  loaded: LoadedConfig;
  /** A prebuilt workflow bundle (tests build it once); otherwise bundled from source at start. */
  workflowBundlePath?: string;
  taskQueue?: string;
}

/** A worker for the config's task queue, with the project's workflows and activities. */
export async function createWorker(setup: WorkerSetup): Promise<{ worker: Worker; close: () => Promise<void> }> {
  const s = temporalSettings(setup.loaded.config);
  const connection = await NativeConnection.connect(s.connection);
  const client = new Client({ connection, namespace: s.namespace });
  const workflows: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> = setup.workflowBundlePath
    ? { workflowBundle: { codePath: setup.workflowBundlePath } }
    : { workflowsPath: fileURLToPath(new URL('../workflows/index.ts', import.meta.url)) };
  const worker = await Worker.create({
    connection,
    namespace: s.namespace,
    taskQueue: setup.taskQueue ?? s.taskQueue,
    ...workflows,
    activities: createActivities({ configFile: setup.loaded.file, client }),
    // One cold deploy at a time per node is the sweep's business (lanes); this bounds the worker itself.
    maxConcurrentActivityTaskExecutions: 8,
    // An abort reaches an activity only in a heartbeat's reply; by default those
    // go out every 16 s (0.8 × the 20 s heartbeat timeout). Every 2 s keeps an
    // abort prompt for a few cheap RPCs that never enter the history.
    maxHeartbeatThrottleInterval: '2s',
  });
  return { worker, close: () => connection.close() };
}

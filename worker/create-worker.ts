import { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import type { LoadedConfig } from '../config/load';
import { temporalSettings } from '../config/temporal';
import { createActivities } from '../activities';
import { Abra } from '../adapters/abra';

export interface WorkerSetup {
  loaded: LoadedConfig;
  /** A prebuilt workflow bundle (tests build it once); otherwise bundled from source at start. */
  workflowBundlePath?: string;
  taskQueue?: string;
  /** The abra server this worker's apps live on (a scale-out node's); the config's by default. */
  server?: string;
  /**
   * How long a stopping worker lets in-flight activities finish before it
   * cancels them. The worker process drains (DRAIN_ON_SHUTDOWN_MS); in-process
   * test workers stop at once.
   */
  shutdownGraceMs?: number;
}

/**
 * A worker stopped mid-deploy would otherwise cancel abra at once and spend
 * one of the step's attempts on a restart; long enough for a deploy at the
 * default timeouts (deploy 600 s + converge 300 s). The process manager must
 * wait longer than this before it kills (compose stop_grace_period, systemd
 * TimeoutStopSec).
 */
export const DRAIN_ON_SHUTDOWN_MS = 15 * 60_000;

/** A worker for the config's task queue, with the project's workflows and activities. */
export async function createWorker(setup: WorkerSetup): Promise<{ worker: Worker; close: () => Promise<void>; abraVersion: string }> {
  // Refuse to start on an abra whose commands or env files differ from what coopci drives, and make sure abra knows the server.
  const { config } = setup.loaded;
  const abra = new Abra({ ...config.abra, server: setup.server ?? config.server });
  const abraVersion = await abra.checkVersion(ABRA_CHECK_MS);
  await abra.ensureServer(ABRA_CHECK_MS);
  const s = temporalSettings(config);
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
    ...(setup.shutdownGraceMs ? { shutdownGraceTime: setup.shutdownGraceMs } : {}),
  });
  return { worker, close: () => connection.close(), abraVersion };
}

const ABRA_CHECK_MS = 60_000;

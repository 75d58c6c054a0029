/**
 * The worker process: `coopci worker --config FILE` (or `npm run worker`).
 * Ctrl-C / SIGTERM drain in-flight tasks and exit. It logs one JSON object
 * per line on stderr, at COOPCI_LOG_LEVEL (default info).
 */
import { Runtime } from '@temporalio/worker';
import { createLogger, logLevel, temporalLogger } from '../adapters/log';
import { loadConfig } from '../config/load';
import { createWorker, DRAIN_ON_SHUTDOWN_MS } from './create-worker';

/** Runs a worker on the configured task queue, or on a scale-out node's (`node`, a name under `nodes`). */
export async function runWorker(configFile: string, node?: string): Promise<void> {
  // Here, not in createWorker: a process has one Runtime, installed once (the tests' in-process workers install their own).
  const logger = temporalLogger(createLogger(logLevel('info')));
  Runtime.install({
    logger,
    // The SDK core's own records (default filter: warnings and up) go through the same logger rather than straight to the console.
    telemetryOptions: { logging: { forward: {} } },
  });
  const loaded = await loadConfig(configFile);
  let taskQueue: string | undefined;
  let server: string | undefined;
  if (node) {
    const n = loaded.config.nodes.find((x) => x.name === node);
    if (!n) throw new Error(`no node "${node}" under nodes in ${loaded.file} (known: ${loaded.config.nodes.map((x) => x.name).join(', ') || 'none'})`);
    taskQueue = n.taskQueue;
    server = n.server;
  }
  const { worker, close, abraVersion } = await createWorker({
    loaded,
    server,
    workflowBundlePath: process.env.COOPCI_WORKFLOW_BUNDLE,
    taskQueue,
    shutdownGraceMs: DRAIN_ON_SHUTDOWN_MS,
  });
  logger.info(`coopci worker: task queue "${worker.options.taskQueue}", config ${loaded.file}, abra ${abraVersion}`, {
    taskQueue: worker.options.taskQueue,
    config: loaded.file,
    abraVersion,
  });
  try {
    await worker.run();
  } finally {
    await close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2] ?? process.env.COOPCI_CONFIG;
  if (!file) {
    console.error('usage: worker/main.ts CONFIG_FILE (or set COOPCI_CONFIG)');
    process.exit(2);
  }
  runWorker(file).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}

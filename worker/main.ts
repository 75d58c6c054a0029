/**
 * The worker process: `coopci worker --config FILE` (or `npm run worker`).
 * Ctrl-C / SIGTERM drain in-flight tasks and exit.
 */
import { loadConfig } from '../config/load';
import { createWorker } from './create-worker';

export async function runWorker(configFile: string): Promise<void> {
  const loaded = await loadConfig(configFile);
  const { worker, close } = await createWorker({ loaded, workflowBundlePath: process.env.COOPCI_WORKFLOW_BUNDLE });
  console.error(`coopci worker: task queue "${worker.options.taskQueue}", config ${loaded.file}`);
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

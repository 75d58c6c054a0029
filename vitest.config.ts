import path from 'node:path';
import { defineConfig } from 'vitest/config';
import { TEST_WORKERS } from './test/helpers/pool';
import { LongFilesFirst } from './test/sequencer';

// Files that change what every other file stands on run alone, one after the other, once the rest is done:
// one restarts the Docker daemon, the other stops the shared backup bot to show backups are refused without one.
const ALONE = ['test/faults/docker-restart.test.ts', 'test/abra/conformance.test.ts'];

const common = { pool: 'forks', testTimeout: 120_000, hookTimeout: 180_000 } as const;

export default defineConfig({
  test: {
    ...common,
    globalSetup: ['test/global-setup.ts'],
    // The rest run side by side, each vitest worker in a world of its own on the one Temporal server and Swarm (test/helpers/pool.ts).
    maxWorkers: TEST_WORKERS,
    minWorkers: 1,
    sequence: { sequencer: LongFilesFirst },
    projects: [
      { test: { ...common, name: 'side-by-side', include: ['test/**/*.test.ts'], exclude: ALONE, sequence: { groupOrder: 0 } } },
      ...ALONE.map((file, i) => ({ test: { ...common, name: path.basename(file, '.test.ts'), include: [file], sequence: { groupOrder: i + 1 } } })),
    ],
  },
});

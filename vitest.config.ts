import { defineConfig } from 'vitest/config';
import { TEST_WORKERS } from './test/helpers/pool';
import { LongFilesFirst } from './test/sequencer';

// Restarts the Docker daemon: runs alone, after the files that use the Swarm.
const DOCKER_RESTART = 'test/faults/docker-restart.test.ts';
// Scales the shared backup bot to nothing to show backups are refused without one: it runs last, beside the
// files that never touch the Swarm (their workflows' activities are mocked, or they are pure).
const NO_BOT = 'test/abra/conformance-no-bot.test.ts';
const NO_SWARM = [
  'test/workflows/*.test.ts',
  'test/domain/*.test.ts',
  'test/config/*.test.ts',
  'test/replay.test.ts',
  'test/deploy/compose.test.ts',
  'test/deploy/nix.test.ts',
  // Deploys nothing (its recipes have no upstream or no release) and drives Chromium, which under the Swarm
  // files' load once took over 30 s to show a tab of the Web UI: it runs in this lighter group.
  'test/integration/web-ui.test.ts',
];

const common = { pool: 'forks', testTimeout: 120_000, hookTimeout: 180_000 } as const;

export default defineConfig({
  test: {
    ...common,
    globalSetup: ['test/global-setup.ts'],
    // Files run side by side, each vitest worker in a world of its own on the one Temporal server and Swarm (test/helpers/pool.ts).
    maxWorkers: TEST_WORKERS,
    minWorkers: 1,
    sequence: { sequencer: LongFilesFirst },
    projects: [
      { test: { ...common, name: 'swarm', include: ['test/**/*.test.ts'], exclude: [DOCKER_RESTART, NO_BOT, ...NO_SWARM], sequence: { groupOrder: 0 } } },
      { test: { ...common, name: 'docker-restart', include: [DOCKER_RESTART], sequence: { groupOrder: 1 } } },
      { test: { ...common, name: 'no-swarm', include: [NO_BOT, ...NO_SWARM], sequence: { groupOrder: 2 } } },
    ],
  },
});

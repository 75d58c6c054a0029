/**
 * The suite runs its files side by side (vitest.config.ts), several at once
 * on one Temporal server and one Swarm. Each vitest worker (VITEST_POOL_ID,
 * 1..TEST_WORKERS, unique among the workers running at one time) gets a
 * world of its own there, so two files never meet:
 * - a Temporal namespace (the sweep lock, schedules and visibility queries
 *   are per namespace; the global setup registers them all),
 * - a CI domain (app names, stacks, volumes, secrets; a fixture clears only
 *   its own),
 * - host ports (the examples publish fixed ones: each worker's are shifted).
 *
 * No vitest import: the global setup and vitest.config.ts read TEST_WORKERS.
 */
import { stackName } from '../../domain/stack-name';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as examples from '../../scripts/example-recipes';

/**
 * How many files run at once: each one mostly waits on Swarm and Temporal, so more than this machine's 2 cores.
 * With 5 the suite took 578 s, with 6 506 s (each file 4 % slower).
 */
export const TEST_WORKERS = Number(process.env.COOPCI_TEST_WORKERS ?? 6);
// The example proxy's certificate names eight workers' domains (scripts/setup.sh).
if (!Number.isInteger(TEST_WORKERS) || TEST_WORKERS < 1 || TEST_WORKERS > 8)
  throw new Error(
    `COOPCI_TEST_WORKERS must be a whole number from 1 to 8 (the proxy certificate names 8 test domains), not "${process.env.COOPCI_TEST_WORKERS}"`,
  );

const POOL = Number(process.env.VITEST_POOL_ID ?? 1);

export const testNamespace = (pool: number = POOL) => `coopci-test-${pool}`;
export const TEST_NAMESPACE = testNamespace();

/** This worker's CI domain, and the stack-name form of it (as in `warm-hello_ci1_test_local_data`). */
export const CI = `ci${POOL}.test.local`;
export const CI_STACK = stackName(CI);

const PORT_SHIFT = (POOL - 1) * 100;
/** The shift of the test run's own apps (its backup bot), past every worker's (at most 8: 0 to 700). */
export const RUN_PORT_SHIFT = 900;
/** An example's published host port (its compose default), as this worker's copies publish it. */
export const port = (examplePort: number) => examplePort + PORT_SHIFT;

/** The example recipes' upstreams, built with this worker's ports. */
export const buildUpstream = (recipe: string, dest: string, opts: { upTo?: string } = {}) =>
  examples.buildUpstream(recipe, dest, { ...opts, portShift: PORT_SHIFT });
export const publishRelease = (recipe: string, repo: string, version: string) => examples.publishRelease(recipe, repo, version, { portShift: PORT_SHIFT });
/** One example release's compose.yml, with this worker's ports. */
export const exampleCompose = async (recipe: string, version: string) =>
  examples.withPortShift(await readFile(path.join(examples.EXAMPLES_DIR, recipe, version, 'compose.yml'), 'utf8'), PORT_SHIFT);

/** A string as a regular expression matching it literally (for messages that name this worker's domain). */
export const literally = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

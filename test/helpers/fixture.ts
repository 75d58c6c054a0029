/**
 * A self-contained test world: upstream git repos built from the example
 * recipes, an ABRA_DIR with a ledger of every abra invocation, a state dir,
 * and a config file pointing at the suite's Temporal server on a task queue
 * of its own.
 */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import YAML from 'yaml';
import { loadConfig, type LoadedConfig } from '../../config/load';
import { buildUpstream, CI, port, TEST_NAMESPACE } from './pool';
import { removeAppsOfDomain } from './remove-apps';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const ABRA_LOCAL = path.join(REPO, 'tools/abra-local/abra');

export interface RecipeFixture {
  name: string;
  /** Example recipe under recipes/ to build the upstream from; none = an upstream that does not exist. */
  from?: string;
  upTo?: string;
  /** The example's own published port (default hello's 18081); the health URL uses this worker's shift of it. */
  port?: number;
  /** Extra recipe config (test command, timeouts, …). */
  extra?: Record<string, unknown>;
}

export interface Fixture {
  dir: string;
  configFile: string;
  loaded: LoadedConfig;
  taskQueue: string;
  ledger: string;
  stateDir: string;
  abraDir: string;
  upstream(name: string): string;
  /** abra invocations so far, as argv arrays. */
  abraCalls(): Promise<string[][]>;
}

let counter = 0;
/** The tests' step timeouts (a test that overrides `timeouts` spreads these first). */
export const TEST_TIMEOUTS = { mirrorSyncSeconds: 30, deploySeconds: 60, convergeSeconds: 30, teardownSeconds: 60, backupSeconds: 60 };
/** For tests that kill a worker: its in-flight step is noticed after 6 s instead of the default 20 s. */
export const CRASH_TEST_TIMEOUTS = { ...TEST_TIMEOUTS, heartbeatSeconds: 6 };

export async function makeFixture(name: string, recipes: RecipeFixture[], extra: Record<string, unknown> = {}): Promise<Fixture> {
  await removeAppsOfDomain(CI);
  const dir = await mkdtemp(path.join(inject('scratchDir'), `${name}-`));
  const taskQueue = `${name}-${process.pid}-${counter++}`;
  const ledger = path.join(dir, 'abra-ledger.jsonl');
  await writeFile(ledger, '');
  const upstream = (n: string) => path.join(dir, 'upstream', n);
  for (const r of recipes) if (r.from) await buildUpstream(r.from, upstream(r.name), { upTo: r.upTo });
  const config = {
    ciDomain: CI,
    server: 'default',
    stateDir: path.join(dir, 'state'),
    abra: { bin: ABRA_LOCAL, dir: path.join(dir, 'abra') },
    temporal: { address: inject('temporalAddress'), namespace: TEST_NAMESPACE, taskQueue, uiUrl: inject('temporalUiUrl') || 'http://127.0.0.1:8233' },
    recipes: recipes.map((r) => ({
      name: r.name,
      upstream: upstream(r.name),
      // The example apps answer as soon as Swarm runs them; a recipe that never does (broken) waits out the whole deadline.
      health: { url: `http://127.0.0.1:${port(r.port ?? 18081)}/`, intervalSeconds: 1, deadlineSeconds: 5, requestTimeoutSeconds: 2 },
      ...r.extra,
    })),
    timeouts: TEST_TIMEOUTS,
    ...extra,
  };
  const configFile = path.join(dir, 'coopci.yaml');
  await writeFile(configFile, YAML.stringify(config));
  await mkdir(config.abra.dir, { recursive: true });
  process.env.ABRA_LEDGER = ledger;
  return {
    dir,
    configFile,
    loaded: await loadConfig(configFile),
    taskQueue,
    ledger,
    stateDir: config.stateDir,
    abraDir: config.abra.dir,
    upstream,
    async abraCalls() {
      const text = await readFile(ledger, 'utf8');
      return text
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { argv: string[] }).argv);
    },
  };
}

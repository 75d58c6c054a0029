/**
 * abra-local: a stand-in for the abra CLI (0.10+/0.11) on a local Swarm.
 *
 * Why it exists: abra cannot be installed on the machines this project is
 * developed and tested on (the Go module proxy refuses the coopcloud.tech
 * module host, and nothing else is reachable). coopci's adapter
 * (adapters/abra.ts) stays the real abra adapter; this program answers the
 * same argv, keeps the same ABRA_DIR layout (servers/<server>/<domain>.env,
 * recipes/<recipe>) and stack naming, and deploys for real with
 * `docker stack deploy`, so everything around abra is exercised for real. It
 * is strict: what abra refuses, it refuses (`FATA <message>`, exit 1), so a
 * green test against it means the adapter's argv works against abra.
 * docs/abra.md is the table of what it does and refuses, and why it is
 * believed that abra does the same; test/abra/conformance.test.ts proves it.
 *
 * Modules: cli (commands and flags), env (env files), recipe (the git
 * checkout), compose, lint, secrets, server, app (the app lifecycle),
 * backupbot (backup and restore, as backup-bot-two does them), run (a
 * command in a service's container).
 *
 * Test hooks (environment):
 * ABRA_LOCAL_VERSION: what `abra --version` reports (default 0.11.0-beta-local).
 * ABRA_LEDGER, when set, gets one JSON line per invocation (tests count side effects with it).
 * ABRA_LOCAL_CRASH_CALLER_ON (fault injection for tests): a regex; the first
 * invocation whose argv matches it SIGKILLs the process that started it (the
 * worker) and then carries on, as a deploy does when its worker dies.
 * ABRA_LOCAL_CRASH_MARKER names the file that makes it fire only once.
 * ABRA_LOCAL_FAIL_ON (tests): `app new` whose argv matches this regex fails
 * after its work is done, its generated secrets already printed.
 * ABRA_LOCAL_HANG_ON (tests): an invocation whose argv matches this regex
 * hangs until it is killed, as a deploy stuck on an unreachable server does.
 * ABRA_LOCAL_CONVERGE_TIMEOUT_S: how long a deploy waits for convergence (default 600).
 * `app new --secrets` prints the generated secrets, as abra does; with
 * ABRA_LEDGER set their values also go to ABRA_LEDGER.secrets (for the tests
 * that prove they leak nowhere).
 */
import { appendFile, writeFile } from 'node:fs/promises';
import { appNew, deploy, remove, undeploy } from './app';
import { backupCreate, restore } from './backupbot';
import { appRun } from './run';
import { findCommand, parseFlags, usage, type Parsed } from './cli';
import { exists, Fatal } from './common';
import { serverAdd } from './server';

const VERSION = process.env.ABRA_LOCAL_VERSION ?? '0.11.0-beta-local';

const HANDLERS: Record<string, (a: Parsed) => Promise<void>> = {
  'server add': serverAdd,
  'app new': appNew,
  'app deploy': (a) => deploy(a, 'deploy'),
  'app upgrade': (a) => deploy(a, 'upgrade'),
  'app rollback': (a) => deploy(a, 'rollback'),
  'app undeploy': undeploy,
  'app remove': remove,
  'app backup create': backupCreate,
  'app restore': restore,
  'app run': appRun,
};

async function crashCallerIfAsked(argv: string[]): Promise<void> {
  const on = process.env.ABRA_LOCAL_CRASH_CALLER_ON;
  const marker = process.env.ABRA_LOCAL_CRASH_MARKER;
  if (!on || !marker || !new RegExp(on).test(argv.join(' ')) || (await exists(marker))) return;
  await writeFile(marker, `${argv.join(' ')}\n`);
  process.kill(process.ppid, 'SIGKILL');
}

async function main(argv: string[]) {
  if (process.env.ABRA_LEDGER) {
    await appendFile(process.env.ABRA_LEDGER, JSON.stringify({ ts: new Date().toISOString(), argv }) + '\n');
  }
  await crashCallerIfAsked(argv);
  if (process.env.ABRA_LOCAL_HANG_ON && new RegExp(process.env.ABRA_LOCAL_HANG_ON).test(argv.join(' '))) {
    await new Promise(() => setInterval(() => undefined, 60_000)); // the timer keeps the process alive
  }
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    console.log(`abra version ${VERSION}`);
    return;
  }
  const { spec, rest } = findCommand(argv);
  const parsed = parseFlags(spec, rest);
  if (parsed.flags.has('help')) {
    console.log(usage(spec));
    return;
  }
  await HANDLERS[spec.path]!(parsed);
}

main(process.argv.slice(2)).catch((e) => {
  console.error(`FATA ${e instanceof Fatal ? e.message : (e as Error).stack}`);
  process.exit(1);
});

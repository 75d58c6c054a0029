/**
 * abra-local: a stand-in for the abra CLI's app lifecycle on a local Swarm.
 *
 * Why it exists: abra cannot be installed on the machines this project is
 * developed and tested on (the Go module proxy refuses the coopcloud.tech
 * module host, and nothing else is reachable). coopci's adapter
 * (activities/abra.ts) stays the real abra adapter; this program answers the
 * same argv, keeps the same ABRA_DIR layout (servers/<server>/<domain>.env,
 * recipes/<recipe>) and stack naming, and deploys for real with
 * `docker stack deploy`, so everything around abra is exercised for real.
 *
 * Supported: app new | deploy | upgrade | undeploy | remove | backup create | restore.
 * ABRA_LEDGER, when set, gets one JSON line per invocation (tests count side effects with it).
 * ABRA_LOCAL_CRASH_CALLER_ON (fault injection for tests): a regex; the first
 * invocation whose argv matches it SIGKILLs the process that started it (the
 * worker) and then carries on, as a deploy does when its worker dies.
 * ABRA_LOCAL_CRASH_MARKER names the file that makes it fire only once.
 * ABRA_LOCAL_FAIL_ON (tests): `app new` whose argv matches this regex fails
 * after its work is done, its generated secrets already printed.
 * ABRA_LOCAL_HANG_ON (tests): an invocation whose argv matches this regex
 * hangs until it is killed, as a deploy stuck on an unreachable server does.
 * `app new --secrets` prints the generated secrets, as abra does; with
 * ABRA_LEDGER set their values also go to ABRA_LEDGER.secrets (for the tests
 * that prove they leak nowhere).
 */
import { appendFile, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { stackName } from '../../domain/stack-name';
import { docker, stackLeftovers, stackServices } from '../../adapters/swarm';
import { describeServices, isConverged } from '../../domain/convergence';

class Fatal extends Error {}

const ABRA_DIR = process.env.ABRA_DIR ?? path.join(os.homedir(), '.abra');
const TOOL_IMAGE = process.env.ABRA_LOCAL_TOOL_IMAGE ?? 'coopci/busybox:1';
const CONVERGE_TIMEOUT_MS = Number(process.env.ABRA_LOCAL_CONVERGE_TIMEOUT_S ?? 600) * 1000;
const d = docker();

interface Args {
  positional: string[];
  flags: Map<string, string | true>;
}

function parseArgs(argv: string[]): Args {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  const valued = new Set(['--server', '--domain']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (valued.has(a)) flags.set(a, argv[++i] ?? '');
    else if (a.startsWith('--')) flags.set(a, true);
    else positional.push(a);
  }
  return { positional, flags };
}

async function sh(file: string, args: string[], opts: { input?: string; env?: Record<string, string> } = {}) {
  const r = await execa(file, args, { input: opts.input, env: opts.env, reject: false });
  if (r.failed) throw new Fatal(`${file} ${args.slice(0, 2).join(' ')} failed: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

async function findEnvFile(domain: string): Promise<string> {
  const servers = await readdir(path.join(ABRA_DIR, 'servers')).catch(() => [] as string[]);
  for (const s of servers) {
    const f = path.join(ABRA_DIR, 'servers', s, `${domain}.env`);
    if (await exists(f)) return f;
  }
  throw new Fatal(`cannot find app with name ${domain}`);
}

function parseEnv(text: string): Map<string, string> {
  const env = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) env.set(m[1]!, m[2]!.replace(/^"(.*)"$/, '$1'));
  }
  return env;
}

async function readApp(domain: string) {
  const file = await findEnvFile(domain);
  const env = parseEnv(await readFile(file, 'utf8'));
  const [recipe, version] = (env.get('TYPE') ?? env.get('RECIPE') ?? '').split(':');
  if (!recipe) throw new Fatal(`${file}: no TYPE=<recipe>:<version>`);
  return { file, env, recipe, version: version ?? '', stack: stackName(domain) };
}

const recipeDir = (recipe: string) => path.join(ABRA_DIR, 'recipes', recipe);

async function appNew(a: Args) {
  const [recipe, version] = a.positional;
  const server = a.flags.get('--server');
  const domain = a.flags.get('--domain');
  if (!recipe || !version || typeof server !== 'string' || typeof domain !== 'string') {
    throw new Fatal('usage: abra app new <recipe> <version> --server <server> --domain <domain>');
  }
  if (!(await exists(recipeDir(recipe)))) throw new Fatal(`recipe ${recipe} not found in ${recipeDir(recipe)}`);
  const file = path.join(ABRA_DIR, 'servers', server, `${domain}.env`);
  if (await exists(file)) throw new Fatal(`${domain} already exists`);
  const sample = await execa('git', ['-C', recipeDir(recipe), 'show', `${version}:.env.sample`], { reject: false });
  const lines = (sample.failed ? '' : sample.stdout).split('\n').filter((l) => !/^\s*(TYPE|DOMAIN)=/.test(l));
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, [`TYPE=${recipe}:${version}`, `DOMAIN=${domain}`, ...lines].join('\n') + '\n', { mode: 0o600 });
  if (a.flags.has('--secrets')) {
    const stack = stackName(domain);
    const generated: [string, string][] = [];
    for (const [key, ver] of parseEnv(lines.join('\n'))) {
      const m = /^SECRET_(.+)_VERSION$/.exec(key);
      if (!m) continue;
      const name = `${stack}_${m[1]!.toLowerCase()}_${ver}`;
      const value = randomBytes(24).toString('hex');
      await sh('docker', ['secret', 'create', name, '-'], { input: value });
      generated.push([m[1]!.toLowerCase(), value]);
    }
    // Like abra, show the generated secrets once (a table of names and values).
    if (generated.length) console.log(['NAME  VALUE', ...generated.map(([n, v]) => `${n}  ${v}`)].join('\n'));
    if (process.env.ABRA_LEDGER) {
      for (const [, v] of generated) await appendFile(`${process.env.ABRA_LEDGER}.secrets`, `${v}\n`);
    }
  }
  if (process.env.ABRA_LOCAL_FAIL_ON && new RegExp(process.env.ABRA_LOCAL_FAIL_ON).test(process.argv.slice(2).join(' '))) {
    throw new Fatal(`failing on purpose (ABRA_LOCAL_FAIL_ON) after creating ${domain}`);
  }
  console.log(`A new ${recipe} app has been created! ${domain}`);
}

async function deploy(a: Args, mode: 'deploy' | 'upgrade') {
  const [domain, versionArg] = a.positional;
  if (!domain) throw new Fatal(`usage: abra app ${mode} <domain> [<version>]`);
  const app = await readApp(domain);
  const version = versionArg ?? app.version;
  const deployed = (await stackServices(d, app.stack)).length > 0;
  if (mode === 'deploy' && deployed && !a.flags.has('--force')) throw new Fatal(`${domain} is already deployed`);
  if (mode === 'upgrade' && !deployed) throw new Fatal(`${domain} is not deployed`);
  const work = await mkdtemp(path.join(os.tmpdir(), 'abra-local-'));
  try {
    const tar = path.join(work, 'recipe.tar');
    await sh('git', ['-C', recipeDir(app.recipe), 'archive', '--format=tar', '-o', tar, version]);
    const src = path.join(work, 'src');
    await mkdir(src);
    await sh('tar', ['-xf', tar, '-C', src]);
    const composeFiles = (app.env.get('COMPOSE_FILE') ?? 'compose.yml').split(':');
    const env = { ...Object.fromEntries(app.env), STACK_NAME: app.stack, DOMAIN: domain };
    await sh('docker', ['stack', 'deploy', '--resolve-image', 'never', '--prune', ...composeFiles.flatMap((f) => ['-c', path.join(src, f)]), app.stack], {
      env,
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const text = await readFile(app.file, 'utf8');
  await writeFile(app.file, text.replace(/^TYPE=.*$/m, `TYPE=${app.recipe}:${version}`));
  if (!a.flags.has('--no-converge-checks')) await waitConverged(app.stack);
  console.log(`${domain} ${mode === 'deploy' ? 'deployed' : 'upgraded'} at ${version}`);
}

/** Like abra, a deploy is not done until Swarm reports the stack converged. */
async function waitConverged(stack: string) {
  const deadline = Date.now() + CONVERGE_TIMEOUT_MS;
  for (;;) {
    const services = await stackServices(d, stack);
    if (isConverged(services)) return;
    if (Date.now() > deadline) throw new Fatal(`${stack} did not converge: ${describeServices(services)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function undeploy(a: Args) {
  const [domain] = a.positional;
  if (!domain) throw new Fatal('usage: abra app undeploy <domain>');
  const { stack } = await readApp(domain);
  if ((await stackServices(d, stack)).length === 0) throw new Fatal(`${domain} is not deployed`);
  await sh('docker', ['stack', 'rm', stack]);
  // Wait for the containers to go too: volumes cannot be removed while one still holds them.
  const deadline = Date.now() + 120_000;
  for (;;) {
    const left = await stackLeftovers(d, stack);
    const containers = await d.listContainers({ all: true, filters: { label: [`com.docker.stack.namespace=${stack}`] } });
    if (left.services.length === 0 && left.networks.length === 0 && containers.length === 0) break;
    if (Date.now() > deadline) throw new Fatal(`${stack} did not go away: ${JSON.stringify(left)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  console.log(`${domain} undeployed`);
}

async function remove(a: Args) {
  const [domain] = a.positional;
  if (!domain) throw new Fatal('usage: abra app remove <domain>');
  const app = await readApp(domain);
  if ((await stackServices(d, app.stack)).length > 0) throw new Fatal(`${domain} is still deployed; run "abra app undeploy ${domain}" first`);
  const left = await stackLeftovers(d, app.stack);
  for (const v of left.volumes) await d.getVolume(v).remove();
  for (const s of left.secrets) await d.getSecret(s).remove();
  for (const c of left.configs) await d.getConfig(c).remove();
  await rm(app.file);
  console.log(`${domain} removed`);
}

const backupDir = (domain: string) => path.join(ABRA_DIR, 'backups', domain);

async function backupOrRestore(domain: string | undefined, op: 'backup' | 'restore') {
  if (!domain) throw new Fatal(`usage: abra app ${op === 'backup' ? 'backup create' : 'restore'} <domain>`);
  const { stack } = await readApp(domain);
  const { volumes } = await stackLeftovers(d, stack);
  const dir = backupDir(domain);
  await mkdir(dir, { recursive: true });
  for (const v of volumes) {
    const script = op === 'backup' ? `tar -cf /b/${v}.tar -C /v .` : `test -f /b/${v}.tar && tar -xf /b/${v}.tar -C /v`;
    await sh('docker', ['run', '--rm', '-v', `${v}:/v`, '-v', `${dir}:/b`, TOOL_IMAGE, 'sh', '-c', script]);
  }
  console.log(`${op} of ${domain}: ${volumes.length} volume(s)`);
}

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
  const [group, cmd, ...rest] = argv;
  if (group !== 'app') throw new Fatal(`abra-local supports only "abra app …" (got "${argv.slice(0, 2).join(' ')}")`);
  if (cmd === 'backup') {
    const a = parseArgs(rest.slice(1));
    if (rest[0] !== 'create') throw new Fatal('usage: abra app backup create <domain>');
    return backupOrRestore(a.positional[0], 'backup');
  }
  const a = parseArgs(rest);
  switch (cmd) {
    case 'new':
      return appNew(a);
    case 'deploy':
      return deploy(a, 'deploy');
    case 'upgrade':
      return deploy(a, 'upgrade');
    case 'undeploy':
      return undeploy(a);
    case 'remove':
      return remove(a);
    case 'restore':
      return backupOrRestore(a.positional[0], 'restore');
    default:
      throw new Fatal(`abra-local: unknown command "app ${cmd ?? ''}"`);
  }
}

main(process.argv.slice(2)).catch((e) => {
  console.error(`FATA ${e instanceof Fatal ? e.message : (e as Error).stack}`);
  process.exit(1);
});

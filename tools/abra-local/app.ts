/**
 * `abra app …`: an app is an env file, servers/<server>/<domain>.env, and a
 * Swarm stack named after the domain. Each command refuses what abra refuses
 * (docs/abra.md) before it touches anything.
 */
import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { docker, stackLeftovers, stackServices } from '../../adapters/swarm';
import { describeServices, isConverged } from '../../domain/convergence';
import { stackName } from '../../domain/stack-name';
import { compareVersions, isVersion } from '../../domain/version';
import type { Parsed } from './cli';
import { ABRA_DIR, assertName, exists, Fatal, recipeDir, serverDir, sh } from './common';
import { composeFilesOf, loadCompose, type ComposeModel } from './compose';
import { envValues, newAppEnv, parseEnv, setKeys, type Env } from './env';
import { lintForErrors } from './lint';
import { chaosVersion, checkoutVersion, openRecipe, readRecipeFile, type Checkout } from './recipe';
import { appSecrets, assertSecretsExist, generateSecrets } from './secrets';
import { assertServerExists, checkDomain } from './server';

const CONVERGE_TIMEOUT_MS = Number(process.env.ABRA_LOCAL_CONVERGE_TIMEOUT_S ?? 600) * 1000;
const d = docker();

export interface App {
  domain: string;
  file: string;
  server: string;
  env: Env;
  recipe: string;
  /** The version the env file records (TYPE=<recipe>:<version>). */
  version: string;
  stack: string;
}

async function findEnvFile(domain: string): Promise<{ file: string; server: string } | null> {
  const name = `${assertName(domain, 'domain')}.env`;
  for (const server of await readdir(path.join(ABRA_DIR, 'servers')).catch(() => [] as string[])) {
    const file = path.join(serverDir(server), name);
    if (await exists(file)) return { file, server };
  }
  return null;
}

export async function readApp(domain: string): Promise<App> {
  const found = await findEnvFile(domain);
  if (!found) throw new Fatal(`cannot find app with name ${domain}`);
  const env = parseEnv(await readFile(found.file, 'utf8'), found.file);
  const [recipe, version] = (env.get('TYPE')?.value ?? env.get('RECIPE')?.value ?? '').split(':');
  if (!recipe) throw new Fatal(`${found.file}: no TYPE=<recipe>:<version>`);
  return { domain, ...found, env, recipe, version: version ?? '', stack: stackName(domain) };
}

// Without --no-input abra asks before it acts; the double never has a terminal to ask on.
function requireNoInput(a: Parsed, command: string) {
  if (!a.flags.has('no-input')) throw new Fatal(`abra ${command} asks for confirmation and there is no terminal: pass --no-input (-n)`);
}

// Without --offline abra fetches the catalogue and the recipe; the double has no network and uses only what is on disk.
function requireOffline(a: Parsed, command: string) {
  if (!a.flags.has('offline'))
    throw new Fatal(`abra ${command}: abra-local cannot fetch the catalogue or recipes: pass --offline (-o), the recipe in ${recipeDir('<recipe>')}`);
}

export async function appNew(a: Parsed): Promise<void> {
  requireNoInput(a, 'app new');
  requireOffline(a, 'app new');
  const [recipe, version] = a.positional as [string, string | undefined];
  const server = a.flags.get('server');
  const domain = a.flags.get('domain');
  if (typeof server !== 'string' || !server) throw new Fatal('no server provided: pass --server (-s)');
  if (typeof domain !== 'string' || !domain) throw new Fatal('no domain provided: pass --domain (-D)');
  const chaos = a.flags.has('chaos');
  if (chaos && version) throw new Fatal('cannot use <version> and --chaos together: --chaos takes the recipe checkout as it is');
  if (!version && !chaos) throw new Fatal(`abra-local needs the <version> argument (abra would pick one): abra app new ${recipe} <version>`);
  await assertServerExists(server);
  const existing = await findEnvFile(domain);
  if (existing) throw new Fatal(`${domain} already exists? (${existing.file})`);
  const c = await openRecipe(recipe);
  // --chaos: the checkout as it is (an unreleased commit); its env file records the commit like a chaos deploy.
  const at = chaos ? await chaosVersion(c) : version!;
  if (!chaos) await checkoutVersion(c, at);
  const sample = await readRecipeFile(c, '.env.sample');
  if (sample === null) throw new Fatal(`${recipe} has no .env.sample at ${at}`);
  const file = path.join(serverDir(server), `${domain}.env`);
  const text = newAppEnv(sample, recipe, at, domain);
  await writeFile(file, text, { mode: 0o600 });
  if (a.flags.has('secrets')) {
    const env = parseEnv(text, file);
    const secrets = appSecrets(await loadCompose(c, composeFilesOf(envValues(env))), env, stackName(domain));
    const generated = await generateSecrets(secrets);
    // Like abra, show the generated secrets once (a table of names and values).
    if (generated.length) console.log(['NAME  VALUE', ...generated.map(([n, v]) => `${n}  ${v}`)].join('\n'));
    for (const s of secrets.filter((x) => !x.generate))
      console.error(`WARN ${s.id}: generate=false, insert it yourself: abra app secret insert ${domain} ${s.id} <version> <value>`);
    if (process.env.ABRA_LEDGER) {
      for (const [, v] of generated) await appendFile(`${process.env.ABRA_LEDGER}.secrets`, `${v}\n`);
    }
  }
  if (process.env.ABRA_LOCAL_FAIL_ON && new RegExp(process.env.ABRA_LOCAL_FAIL_ON).test(process.argv.slice(2).join(' '))) {
    throw new Fatal(`failing on purpose (ABRA_LOCAL_FAIL_ON) after creating ${domain}`);
  }
  console.log(`A new ${recipe} app has been created! ${domain}`);
}

export type DeployMode = 'deploy' | 'upgrade' | 'rollback';
const DONE: Record<DeployMode, string> = { deploy: 'deployed', upgrade: 'upgraded', rollback: 'rolled back' };

export async function deploy(a: Parsed, mode: DeployMode): Promise<void> {
  requireNoInput(a, `app ${mode}`);
  requireOffline(a, `app ${mode}`);
  const [domain, versionArg] = a.positional as [string, string | undefined];
  const chaos = a.flags.has('chaos');
  const force = a.flags.has('force');
  if (chaos && versionArg) throw new Fatal('cannot use <version> and --chaos together: --chaos deploys the recipe checkout as it is');
  if (mode !== 'deploy' && !versionArg && !chaos)
    throw new Fatal(`abra-local needs the <version> argument (abra would offer a choice): abra app ${mode} ${domain} <version>`);
  const app = await readApp(domain);
  const c = await openRecipe(app.recipe);
  const deployed = await deployedState(app.stack);
  if (mode === 'deploy' && deployed.deployed && !force && !chaos) {
    throw new Fatal(`${domain} is already deployed (version ${deployed.version ?? 'unknown'}): pass --force to redeploy it`);
  }
  if (mode !== 'deploy' && !deployed.deployed) throw new Fatal(`${domain} is not deployed? deploy it first with "abra app deploy"`);
  const version = chaos ? await chaosVersion(c) : (versionArg ?? app.version);
  if (!chaos) {
    if (!version) throw new Fatal(`${app.file} records no version to deploy: pass <version>`);
    if (mode !== 'deploy') assertDirection(mode, domain, deployed.version, version, force);
    await checkoutVersion(c, version);
    await lintForErrors(c);
  }
  if (mode === 'deploy' && !a.flags.has('no-domain-checks')) await checkDomain(app.env.get('DOMAIN')?.value ?? domain, app.server);
  const composeFiles = composeFilesOf(envValues(app.env));
  const compose = await loadCompose(c, composeFiles);
  await assertSecretsExist(d, appSecrets(compose, app.env, app.stack), domain);
  await stackDeploy(app, c, composeFiles, compose, version, chaos);
  if (!a.flags.has('no-converge-checks')) await waitConverged(app.stack);
  // Only a deploy that went through (and converged, when waited for) records its version.
  await writeFile(app.file, setKeys(await readFile(app.file, 'utf8'), [['TYPE', `${app.recipe}:${version}`]]));
  console.log(`${domain} ${DONE[mode]} at ${version}`);
}

/** upgrade goes up, rollback goes down; the same version again only with --force. */
function assertDirection(mode: Exclude<DeployMode, 'deploy'>, domain: string, deployed: string | null, version: string, force: boolean) {
  if (!isVersion(version)) throw new Fatal(`${version} is not a recipe version (<semver>+<upstream>): cannot ${mode} to it`);
  if (!deployed || !isVersion(deployed)) {
    if (force) return;
    throw new Fatal(`cannot tell which version ${domain} runs (${deployed ?? 'no version label'}): pass --force to ${mode} anyway`);
  }
  const cmp = compareVersions(version, deployed);
  if (mode === 'upgrade' && cmp < 0) {
    throw new Fatal(`${version} is not an upgrade for ${domain} (deployed: ${deployed}); use "abra app rollback" to go to an earlier version`);
  }
  if (mode === 'rollback' && cmp > 0) {
    throw new Fatal(`${version} is not a downgrade for ${domain} (deployed: ${deployed}); use "abra app upgrade" to go to a later version`);
  }
  if (cmp === 0 && !force) throw new Fatal(`${domain} is already deployed at ${deployed}: pass --force to ${mode} to the same version`);
}

/**
 * Whether the app's stack has services, and the version abra labelled its
 * `app` service with at deploy time (abra reads the deployed version from the
 * stack, not from the env file).
 */
async function deployedState(stack: string): Promise<{ deployed: boolean; version: string | null }> {
  const services = await d.listServices({ filters: { label: [`com.docker.stack.namespace=${stack}`] } });
  const app = services.find((s) => s.Spec?.Name === `${stack}_app`);
  return { deployed: services.length > 0, version: app?.Spec?.Labels?.[`coop-cloud.${stack}.version`] ?? null };
}

async function stackDeploy(app: App, c: Checkout, composeFiles: string[], compose: ComposeModel, version: string, chaos: boolean) {
  const work = await mkdtemp(path.join(os.tmpdir(), 'abra-local-'));
  try {
    const files = composeFiles.map((f) => path.join(c.dir, f));
    if (compose.services.has('app')) {
      // abra labels the app service with what it deployed; that label is how it knows the deployed version later.
      const labels = { [`coop-cloud.${app.stack}.version`]: version, [`coop-cloud.${app.stack}.chaos`]: String(chaos) };
      const overlay = path.join(work, 'abra-labels.yml');
      await writeFile(overlay, YAML.stringify({ version: compose.version ?? '3.8', services: { app: { deploy: { labels } } } }));
      files.push(overlay);
    }
    // Compose variables come from the app's env file only (and STACK_NAME), never from whoever runs abra.
    const passThrough = Object.entries(process.env).filter(([k, v]) => v !== undefined && (k === 'PATH' || k === 'HOME' || k.startsWith('DOCKER_')));
    const env = { ...Object.fromEntries(passThrough), DOMAIN: app.domain, ...envValues(app.env), STACK_NAME: app.stack } as Record<string, string>;
    await sh('docker', ['stack', 'deploy', '--resolve-image', 'never', '--prune', ...files.flatMap((f) => ['-c', f]), app.stack], { env, extendEnv: false });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
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

export async function undeploy(a: Parsed): Promise<void> {
  requireNoInput(a, 'app undeploy');
  const [domain] = a.positional as [string];
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

export async function remove(a: Parsed): Promise<void> {
  requireNoInput(a, 'app remove');
  const [domain] = a.positional as [string];
  const app = await readApp(domain);
  if ((await stackServices(d, app.stack)).length > 0) throw new Fatal(`${domain} is still deployed; run "abra app undeploy ${domain}" first`);
  const left = await stackLeftovers(d, app.stack);
  for (const v of left.volumes) await d.getVolume(v).remove();
  for (const s of left.secrets) await d.getSecret(s).remove();
  for (const c of left.configs) await d.getConfig(c).remove();
  await rm(app.file);
  console.log(`${domain} removed`);
}

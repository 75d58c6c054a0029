import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { assertDomain, assertRecipeName, assertVersion } from '../domain/names';
import { checkAbraVersion } from '../domain/abra-version';
import { needEnvProblem } from '../domain/needs';
import { paths } from '../state/paths';
import { runCommand } from './run-command';

/** Instead of a version: the recipe checkout as coopci left it (abra's `--chaos`), for a branch or commit. */
export const CHECKOUT = Symbol('the recipe checkout as it is');

/** Where and how abra runs; ABRA_DIR holds its servers/ (app env files) and recipes/ (checkouts). */
export interface AbraEnv {
  bin: string;
  dir: string;
  server: string;
  /** Let abra check that an app's domain resolves to the server before a deploy (CI domains usually do not). */
  domainChecks?: boolean;
}

/**
 * The abra CLI, driven through execa with an argv. Every recipe name, version
 * and domain is validated before it becomes an argument, so nothing reaches
 * abra that could be read as an option or a path. The commands and flags are
 * the ones docs/abra.md lists, in the states it says abra accepts them:
 * coopci prepares each recipe checkout itself (so abra runs `--offline`) and
 * waits for convergence itself (so `--no-converge-checks`).
 */
export class Abra {
  constructor(private readonly env: AbraEnv) {}

  /** `abra --version`, checked against the supported range; throws saying which abra was found and what is needed. */
  async checkVersion(timeoutMs: number): Promise<string> {
    const { stdout } = await this.run(['--version'], timeoutMs);
    return checkAbraVersion(stdout, this.env.bin);
  }

  /** Adds the server to ABRA_DIR unless abra knows it already (abra refuses `app new` on a server it was never told of). */
  async ensureServer(timeoutMs: number): Promise<void> {
    if (
      await stat(paths.abraServer(this.env.dir, this.env.server)).then(
        () => true,
        () => false,
      )
    )
      return;
    await mkdir(this.env.dir, { recursive: true });
    // abra's local server is called "default"; any other name is a host abra reaches over SSH.
    const target = this.env.server === 'default' ? ['--local'] : [assertDomain(this.env.server)];
    await this.run(['server', 'add', ...target, '--no-input'], timeoutMs);
  }

  /**
   * Creates the app's env file (and its secrets). `env` values are then
   * written into that env file, as an operator would with `abra app config`:
   * a cold run's dependency domains (recipes[].needs). Compose reads them from
   * there at deploy time, as it reads DOMAIN.
   */
  async appNew(recipe: string, version: string | typeof CHECKOUT, domain: string, timeoutMs: number, env: Record<string, string> = {}) {
    // Every argument is checked before anything runs, server add included.
    const what = version === CHECKOUT ? ['--chaos'] : [assertVersion(version)];
    const args = ['app', 'new', assertRecipeName(recipe), ...what, '--server', this.env.server, '--domain', assertDomain(domain)];
    const lines = Object.entries(env).map(([k, v]) => envLine(k, v));
    await this.ensureServer(timeoutMs);
    const r = await this.run(
      [...args, '--secrets', '--no-input', '--offline'],
      timeoutMs,
      // `--secrets` makes abra print the secrets it generates: that output must never reach an error.
      true,
    );
    if (lines.length) await setEnvLines(paths.abraEnvFile(this.env.dir, this.env.server, domain), lines);
    return r;
  }

  /**
   * Deploys an app that is not deployed; `force` redeploys a deployed one
   * (abra refuses that without --force). CHECKOUT deploys the recipe
   * checkout as it is (`--chaos`: an on-demand run of a branch or commit),
   * deployed or not.
   */
  async deploy(domain: string, version: string | typeof CHECKOUT, timeoutMs: number, opts: { force?: boolean } = {}) {
    const checks = this.env.domainChecks ? [] : ['--no-domain-checks'];
    const force = opts.force ? ['--force'] : [];
    const what = version === CHECKOUT ? ['--chaos'] : [assertVersion(version)];
    return this.run(['app', 'deploy', assertDomain(domain), ...what, ...checks, ...force, ...STEERED], timeoutMs);
  }

  /** Moves a deployed app to a higher version (abra refuses a lower one, and an equal one without --force). */
  async upgrade(domain: string, version: string, timeoutMs: number) {
    return this.run(['app', 'upgrade', assertDomain(domain), assertVersion(version), ...STEERED], timeoutMs);
  }

  /** Moves a deployed app to a lower version (abra refuses a higher one, and an equal one without --force). */
  async rollback(domain: string, version: string, timeoutMs: number) {
    return this.run(['app', 'rollback', assertDomain(domain), assertVersion(version), ...STEERED], timeoutMs);
  }

  async undeploy(domain: string, timeoutMs: number) {
    return this.run(['app', 'undeploy', assertDomain(domain), '--no-input'], timeoutMs);
  }

  /** Removes the app's env file, volumes and secrets (the app must be undeployed). */
  async remove(domain: string, timeoutMs: number) {
    return this.run(['app', 'remove', assertDomain(domain), '--force', '--no-input'], timeoutMs);
  }

  async backup(domain: string, timeoutMs: number) {
    return this.run(['app', 'backup', 'create', assertDomain(domain), '--no-input'], timeoutMs);
  }

  async restore(domain: string, timeoutMs: number) {
    return this.run(['app', 'restore', assertDomain(domain), '--no-input'], timeoutMs);
  }

  private run(args: string[], timeoutMs: number, sensitiveOutput = false) {
    return runCommand(this.env.bin, args, {
      env: { ABRA_DIR: this.env.dir },
      timeoutMs,
      label: `abra ${args.slice(0, 3).join(' ')}`,
      sensitiveOutput,
    });
  }
}

/**
 * One `KEY=value` line of an env file, checked: an upper-case name abra does
 * not set itself, and a value abra's env reader (godotenv) takes literally.
 * Plain values are written bare; others single-quoted (literal: no `$`
 * expansion, no ` #` comment cut). A newline (a second line: another
 * variable), a NUL or a single quote is refused.
 */
export function envLine(name: string, value: string): string {
  const problem = needEnvProblem(name);
  if (problem) throw new Error(`env variable ${JSON.stringify(name.slice(0, 60))}: ${problem}`);
  if (/[\n\r\0']/.test(value)) throw new Error(`env variable ${name}: its value must be one line without NUL or single quotes`);
  return /^[A-Za-z0-9._:/@+-]*$/.test(value) ? `${name}=${value}` : `${name}='${value}'`;
}

/** Sets each variable's uncommented line in an env file (appends it when the file has none), keeping the file's mode. */
async function setEnvLines(file: string, lines: string[]): Promise<void> {
  let text = await readFile(file, 'utf8');
  for (const line of lines) {
    const name = line.slice(0, line.indexOf('='));
    const re = new RegExp(`^[ \\t]*(export[ \\t]+)?${name}[ \\t]*[=:].*$`, 'gm');
    text = re.test(text) ? text.replace(re, () => line) : `${text.replace(/\n?$/, '\n')}${line}\n`;
  }
  await writeFile(file, text);
}

/** Flags of every deploy-like command: no prompts, the checkout coopci prepared, coopci's own convergence wait. */
const STEERED = ['--no-input', '--offline', '--no-converge-checks'];

import { mkdir, stat } from 'node:fs/promises';
import { assertDomain, assertRecipeName, assertVersion } from '../domain/names';
import { checkAbraVersion } from '../domain/abra-version';
import { paths } from '../state/paths';
import { runCommand } from './run-command';

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

  async appNew(recipe: string, version: string, domain: string, timeoutMs: number) {
    // Every argument is checked before anything runs, server add included.
    const args = ['app', 'new', assertRecipeName(recipe), assertVersion(version), '--server', this.env.server, '--domain', assertDomain(domain)];
    await this.ensureServer(timeoutMs);
    return this.run(
      [...args, '--secrets', '--no-input', '--offline'],
      timeoutMs,
      // `--secrets` makes abra print the secrets it generates: that output must never reach an error.
      true,
    );
  }

  /** Deploys an app that is not deployed; `force` redeploys a deployed one (abra refuses that without --force). */
  async deploy(domain: string, version: string, timeoutMs: number, opts: { force?: boolean } = {}) {
    const checks = this.env.domainChecks ? [] : ['--no-domain-checks'];
    const force = opts.force ? ['--force'] : [];
    return this.run(['app', 'deploy', assertDomain(domain), assertVersion(version), ...checks, ...force, ...STEERED], timeoutMs);
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

/** Flags of every deploy-like command: no prompts, the checkout coopci prepared, coopci's own convergence wait. */
const STEERED = ['--no-input', '--offline', '--no-converge-checks'];

import { assertDomain, assertRecipeName, assertVersion } from '../domain/names';
import { runCommand } from './run-command';

/** Where and how abra runs; ABRA_DIR holds its servers/ (app env files) and recipes/ (checkouts). */
export interface AbraEnv {
  bin: string;
  dir: string;
  server: string;
}

/**
 * The abra CLI, driven through execa with an argv. Every recipe name, version
 * and domain is validated before it becomes an argument, so nothing reaches
 * abra that could be read as an option or a path.
 */
export class Abra {
  constructor(private readonly env: AbraEnv) {}

  async appNew(recipe: string, version: string, domain: string, timeoutMs: number) {
    return this.run(
      [
        'app',
        'new',
        assertRecipeName(recipe),
        assertVersion(version),
        '--server',
        this.env.server,
        '--domain',
        assertDomain(domain),
        '--secrets',
        '--no-input',
      ],
      timeoutMs,
      // `--secrets` makes abra print the secrets it generates: that output must never reach an error.
      true,
    );
  }

  async deploy(domain: string, version: string, timeoutMs: number) {
    return this.run(['app', 'deploy', assertDomain(domain), assertVersion(version), '--no-input'], timeoutMs);
  }

  async upgrade(domain: string, version: string, timeoutMs: number) {
    return this.run(['app', 'upgrade', assertDomain(domain), assertVersion(version), '--no-input'], timeoutMs);
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

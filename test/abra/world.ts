/**
 * The conformance suite's world: an ABRA_DIR with recipe checkouts built here
 * (one commit per release, tagged as a recipe maintainer tags: annotated,
 * unless a release says otherwise), the double run as a CLI, its rows of
 * commands and what each must do, a shell in an app's container, and the
 * removal of everything the suite leaves on the Swarm.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import { docker, stackLeftovers } from '../../adapters/swarm';
import { runningContainer } from '../../tools/abra-local/backupbot';

export const ABRA = fileURLToPath(new URL('../../tools/abra-local/abra', import.meta.url));

export interface Release {
  version: string;
  files: Record<string, string>;
  /** Tag it the way the example recipes were tagged before annotated tags: `git tag` without -a. */
  lightweight?: boolean;
}

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'coopci conformance',
  GIT_AUTHOR_EMAIL: 'conformance@coopci.invalid',
  GIT_COMMITTER_NAME: 'coopci conformance',
  GIT_COMMITTER_EMAIL: 'conformance@coopci.invalid',
};

/** A recipe checkout as abra keeps one: on main, every release a commit on it and a tag. */
export async function buildRecipe(dir: string, releases: Release[]): Promise<void> {
  const git = (...args: string[]) => execa('git', ['-C', dir, ...args], { env: GIT_ENV });
  await mkdir(dir, { recursive: true });
  await execa('git', ['init', '--quiet', '--initial-branch=main', dir]);
  for (const r of releases) {
    for (const f of await readdir(dir)) if (f !== '.git') await rm(path.join(dir, f), { recursive: true });
    for (const [name, text] of Object.entries(r.files)) await writeFile(path.join(dir, name), text);
    await git('add', '--all');
    await git('commit', '--quiet', '--allow-empty', '-m', `release ${r.version}`);
    await git('tag', ...(r.lightweight ? [] : ['-a', '-m', `release ${r.version}`]), r.version);
  }
}

export interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function abra(abraDir: string, argv: string[], env: Record<string, string> = {}): Promise<Run> {
  const r = await execa(ABRA, argv, { env: { ABRA_DIR: abraDir, ...env }, reject: false });
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** One command of the contract and what it must do. */
export interface Row {
  does: string;
  argv: string[];
  env?: Record<string, string>;
  before?: () => Promise<void>;
  /** A refusal: exit 1, stderr `FATA …` matching this. */
  refuses?: RegExp;
  /** Success: exit 0, stdout matching this. */
  prints?: RegExp;
  then?: (r: Run) => Promise<void>;
}

export const N = ['-n', '-o']; // --no-input --offline, as coopci always passes them to deploy-like commands
export const newApp = (recipe: string, version: string, server: string, domain: string, ...more: string[]) => [
  'app',
  'new',
  recipe,
  version,
  '--server',
  server,
  '--domain',
  domain,
  ...more,
];
export const backupCreate = (domain: string) => ['app', 'backup', 'create', domain, '-n'];
export const restore = (domain: string) => ['app', 'restore', domain, '-n'];

/** A test per row, in order, each running the double on the ABRA_DIR `abraDir()` names when it runs. */
export function rowTests(rows: Row[], abraDir: () => string): void {
  for (const row of rows) {
    it(row.does, async () => {
      await row.before?.();
      const r = await abra(abraDir(), row.argv, row.env);
      const shown = `abra ${row.argv.join(' ')}\nexit ${r.exitCode}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
      if (row.refuses) {
        expect(r.exitCode, shown).toBe(1);
        expect(r.stderr, shown).toMatch(/^FATA /m);
        expect(r.stderr, shown).toMatch(row.refuses);
      } else {
        expect(r.exitCode, shown).toBe(0);
        expect(r.stdout, shown).toMatch(row.prints!);
      }
      await row.then?.(r);
    });
  }
}

/** Runs a shell script in the running container of a stack's service, as an app's own user or API would change its data. */
export async function shIn(stack: string, service: string, script: string): Promise<string> {
  const id = await runningContainer(docker(), `${stack}_${service}`);
  if (!id) throw new Error(`${stack}_${service} has no running container`);
  return (await execa('docker', ['exec', id, 'sh', '-c', script])).stdout;
}

/**
 * Removes all the stacks hold (services first, then what outlives them: secrets, volumes, networks, configs), the
 * stacks side by side: each waits seconds for Swarm to stop and reap its containers.
 */
export async function removeStacks(stacks: string[]): Promise<void> {
  const d = docker();
  const quietly = (p: Promise<unknown>) => p.catch(() => undefined);
  await Promise.all(
    stacks.map(async (stack) => {
      await Promise.all((await stackLeftovers(d, stack)).services.map((s) => quietly(d.getService(s).remove())));
      // A volume or network cannot go while a container of the stack still holds it.
      for (let i = 0; i < 120; i++) {
        if ((await d.listContainers({ all: true, filters: { label: [`com.docker.stack.namespace=${stack}`] } })).length === 0) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      const left = await stackLeftovers(d, stack);
      await Promise.all([
        ...left.secrets.map((x) => quietly(d.getSecret(x).remove())),
        ...left.volumes.map((x) => quietly(d.getVolume(x).remove({ force: true }))),
        ...left.networks.map((x) => quietly(d.getNetwork(x).remove())),
        ...left.configs.map((x) => quietly(d.getConfig(x).remove())),
      ]);
    }),
  );
}

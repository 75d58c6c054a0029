/**
 * The production path, run for real rather than only validated: a Temporal
 * server (temporal-server 1.32, not the dev server) on PostgreSQL from
 * Debian, its schema applied by temporal-sql-tool, a namespace with coopci's
 * search attributes, all brought up by scripts/production-temporal.sh (which
 * builds and caches the server the first time: minutes, printed as it goes).
 * On it: a sweep that survives the server being killed mid-recipe and started
 * again, and the worker image, built from the project's Dockerfile on a
 * Debian base made here (scripts/worker-image.sh), running a sweep as a
 * container.
 */
import { Client, Connection } from '@temporalio/client';
import { execa } from 'execa';
import { chmod, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSweep } from '../../client/sweep';
import { sweepStatusQuery } from '../../contract/messages';
import { SA } from '../../contract/search-attributes';
import { temporalBin } from '../../scripts/dev-server';
import { makeFixture, REPO } from '../helpers/fixture';
import { startWorker, waitFor } from '../helpers/temporal';

const SCRIPT = path.join(REPO, 'scripts/production-temporal.sh');
// The script's defaults, away from the dev server (7233/8233) and the tests' ports.
const ADDRESS = '127.0.0.1:17233';
const PG_PORT = '15432';
/** hello up to 1.0.0+1.0: one release, so no upgrade; backups are tested elsewhere. */
const ONE_RELEASE_TIERS = {
  upgrade: { expected: 'n/a', reason: 'one release' },
  backup: { expected: 'n/a', reason: 'tested elsewhere' },
  restore: { expected: 'n/a', reason: 'tested elsewhere' },
};

/** Runs the script with its progress on the test's output (the first run builds the server). */
const production = (dir: string, ...args: string[]) => execa('bash', [SCRIPT, '--dir', dir, ...args], { stdin: 'ignore', stdout: 'pipe', stderr: 'inherit' });

describe('production topology (temporal-server on PostgreSQL)', () => {
  let dir: string;
  let client: Client;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    // Not the suite's scratch dir (mode 700 under a root-only parent): PostgreSQL runs as `postgres` and must reach it.
    dir = await mkdtemp('/tmp/coopci-production-');
    await chmod(dir, 0o755);
    const started = Date.now();
    await production(dir, 'up');
    console.log(`production-temporal.sh up: ${Math.round((Date.now() - started) / 1000)} s`);
    client = new Client({ connection: await Connection.connect({ address: ADDRESS }), namespace: 'default' });
    // A cold build of temporal-server is 4-10 minutes on this machine's 2 cores.
  }, 25 * 60_000);

  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await client?.connection.close();
    if (dir) {
      await production(dir, 'down').catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  const psql = async (db: string, sql: string) => {
    const password = (await readFile(path.join(dir, 'pg-password'), 'utf8')).trim();
    const r = await execa('psql', ['-h', '127.0.0.1', '-p', PG_PORT, '-U', 'temporal', '-d', db, '-tAq', '-c', sql], { env: { PGPASSWORD: password } });
    return r.stdout.trim();
  };

  it('is the real server on PostgreSQL, idempotent, with the namespace and search attributes', async () => {
    const info = await client.workflowService.getSystemInfo({});
    expect(info.serverVersion).toBe('1.32.2');
    // A second `up` changes nothing and is quick (nothing to build, create or register).
    const again = await production(dir, 'up');
    expect(again.exitCode).toBe(0);
    expect(await psql('temporal', 'SELECT curr_version FROM schema_version')).toMatch(/^1\.\d+$/);
    expect(await psql('temporal_visibility', 'SELECT curr_version FROM schema_version')).toMatch(/^1\.\d+$/);
    const ns = await client.workflowService.describeNamespace({ namespace: 'default' });
    expect(Number(ns.config?.workflowExecutionRetentionTtl?.seconds)).toBe(30 * 24 * 3600);
    const sas = await client.connection.operatorService.listSearchAttributes({ namespace: 'default' });
    expect(Object.keys(sas.customAttributes ?? {}).sort()).toEqual(
      Object.values(SA)
        .map((k) => k.name)
        .sort(),
    );
  });

  it("docker-compose.yml's one-shot schema and setup commands work against the real database and server", async () => {
    // The commands as compose resolves them, run with the same tools the admin-tools image carries
    // (temporal-sql-tool of this server build, the temporal CLI), pointed at this machine's instances.
    const password = (await readFile(path.join(dir, 'pg-password'), 'utf8')).trim();
    const resolved = await execa('docker-compose', ['-f', 'docker-compose.yml', 'config'], {
      cwd: REPO,
      env: { PATH: process.env.PATH!, POSTGRES_PASSWORD: password, TEMPORAL_RETENTION: '9d' },
      extendEnv: false,
    });
    const { services } = YAML.parse(resolved.stdout) as { services: Record<string, { command: string[]; environment: Record<string, string> }> };
    const bin = await mkdtemp('/tmp/coopci-compose-tools-');
    await symlink(path.join((await production(dir, 'tools')).stdout.trim(), 'temporal-sql-tool'), path.join(bin, 'temporal-sql-tool'));
    await symlink(temporalBin(), path.join(bin, 'temporal'));
    const run = (service: string, env: Record<string, string>) =>
      execa('sh', ['-c', services[service]!.command[0]!.replaceAll('$$', '$')], {
        env: { ...services[service]!.environment, ...env, PATH: `${bin}:${process.env.PATH}`, HOME: process.env.HOME ?? '/root' },
        extendEnv: false,
        all: true,
        reject: false,
      });
    try {
      const schema = await run('temporal-schema', { SQL_HOST: '127.0.0.1', SQL_PORT: PG_PORT });
      expect(schema.exitCode, schema.all).toBe(0);
      expect(services['temporal-schema']!.environment.SQL_PASSWORD).toBe(password);
      // A namespace of its own, so the one-shot creates it and registers the attributes from scratch.
      const setup = await run('temporal-setup', { TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_NAMESPACE: 'compose-check' });
      expect(setup.exitCode, setup.all).toBe(0);
      const ns = await client.workflowService.describeNamespace({ namespace: 'compose-check' });
      expect(Number(ns.config?.workflowExecutionRetentionTtl?.seconds)).toBe(9 * 24 * 3600);
      const sas = await client.connection.operatorService.listSearchAttributes({ namespace: 'compose-check' });
      expect(Object.keys(sas.customAttributes ?? {}).sort()).toEqual(
        Object.values(SA)
          .map((k) => k.name)
          .sort(),
      );
      // Idempotent: a second `docker compose up` runs both again.
      expect((await run('temporal-setup', { TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_NAMESPACE: 'compose-check' })).exitCode).toBe(0);
    } finally {
      await rm(bin, { recursive: true, force: true });
    }
  });

  it('a sweep survives the server being killed mid-recipe and started again', async () => {
    const f = await makeFixture(
      'production',
      [
        // A custom tier that takes a while: the server is killed while it runs.
        { name: 'alpha', from: 'hello', upTo: '1.0.0+1.0', extra: { tiers: ONE_RELEASE_TIERS, test: { command: ['sleep', '8'] } } },
        { name: 'unreleased', from: 'unreleased' },
      ],
      { temporal: { address: ADDRESS, namespace: 'default', taskQueue: `production-${process.pid}` } },
    );
    const worker = await startWorker(f);
    cleanups.push(() => worker.stop());

    const handle = await startSweep(client, f.loaded.config);
    await waitFor('alpha in its custom tier', async () => (await handle.query(sweepStatusQuery)).recipes[0]?.phase === 'tier:custom', 180_000);
    await production(dir, 'kill');
    expect((await production(dir, 'status')).stdout).toContain('temporal-server: stopped');
    await new Promise((r) => setTimeout(r, 3000));
    await production(dir, 'start');

    const result = await handle.result();
    expect(result.results.map((r) => [r.recipe, r.label, r.version])).toEqual([
      ['alpha', 'PROMOTED', '1.0.0+1.0'],
      ['unreleased', 'SKIPPED', null],
    ]);
    // Its history and visibility rows are in PostgreSQL, with the search attributes in SQL visibility's columns.
    expect(Number(await psql('temporal_visibility', `SELECT count(*) FROM executions_visibility WHERE workflow_id = '${handle.workflowId}'`))).toBe(1);
    const promoted = [];
    for await (const w of client.workflow.list({ query: `CoopciSweepId = '${handle.workflowId}' AND CoopciLabel = 'PROMOTED'` })) promoted.push(w.workflowId);
    expect(promoted).toEqual([`${handle.workflowId}/alpha`]);
  }, 300_000);

  it('the worker image, built from the Dockerfile on a local Debian base, polls and runs a sweep as a container', async () => {
    let started = Date.now();
    const image = (await execa('bash', [path.join(REPO, 'scripts/worker-image.sh')], { stdin: 'ignore', stderr: 'inherit' })).stdout.trim();
    console.log(`worker-image.sh: ${Math.round((Date.now() - started) / 1000)} s`);
    const taskQueue = `production-image-${process.pid}`;
    const f = await makeFixture('production-image', [{ name: 'beta', from: 'hello', upTo: '1.0.0+1.0', extra: { tiers: ONE_RELEASE_TIERS } }], {
      temporal: { address: ADDRESS, namespace: 'default', taskQueue },
    });
    // The same config, with abra (the stand-in) from the image; every other path is the fixture's, mounted at the same place.
    const config = YAML.parse(await readFile(f.configFile, 'utf8')) as { abra: { bin: string } };
    config.abra.bin = '/app/tools/abra-local/abra';
    const containerConfig = path.join(f.dir, 'container.yaml');
    await writeFile(containerConfig, YAML.stringify(config));

    const name = `coopci-worker-test-${process.pid}`;
    started = Date.now();
    await execa('docker', [
      ...['run', '--detach', '--name', name, '--network', 'host'],
      ...['--volume', '/var/run/docker.sock:/var/run/docker.sock', '--volume', `${f.dir}:${f.dir}`],
      // Warnings and errors only: the worker's info records would drown the test output.
      ...['--env', `COOPCI_CONFIG=${containerConfig}`, '--env', `ABRA_LEDGER=${f.ledger}`, '--env', 'COOPCI_LOG_LEVEL=warn'],
      ...[image, 'worker'],
    ]);
    cleanups.push(async () => {
      const logs = await execa('docker', ['logs', '--tail', '20', name], { reject: false, all: true });
      if (logs.all) console.log(`worker container's last lines:\n${logs.all}`);
      await execa('docker', ['rm', '--force', name], { reject: false });
    });

    // What an operator would check: a poller on the task queue, and the compose file's health check passes.
    await waitFor(
      'the container to poll its task queue',
      async () => {
        const r = await execa(temporalBin(), ['task-queue', 'describe', '--task-queue', taskQueue, '--address', ADDRESS, '--output', 'json'], {
          reject: false,
        });
        return r.exitCode === 0 && /"identity"/.test(r.stdout);
      },
      180_000,
    );
    console.log(`worker container polling after ${Math.round((Date.now() - started) / 1000)} s`);
    const health = await execa('docker', ['exec', name, 'node', 'bin/coopci.mjs', 'worker', 'status'], { reject: false, all: true });
    expect(health.exitCode, health.all).toBe(0);

    const handle = await startSweep(client, f.loaded.config);
    const result = await handle.result();
    expect(result.results.map((r) => [r.recipe, r.label])).toEqual([['beta', 'PROMOTED']]);
    // abra ran inside the container (the stand-in from the image), writing to the mounted ledger.
    expect((await f.abraCalls()).filter((a) => a[0] === 'app' && a[1] === 'deploy').length).toBeGreaterThan(0);
  }, 900_000);
});

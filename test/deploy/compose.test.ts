/**
 * The production compose file, validated by a real compose tool (Debian's
 * docker-compose 1.29, installed by scripts/setup.sh). Its images cannot be
 * pulled here, so the stack is checked statically: the topology (Temporal's
 * server image, not auto-setup; schema and setup one-shots in the right
 * order; named volumes), and that the README's example config puts the
 * worker's state and ABRA_DIR inside those volumes. Every piece of it runs
 * for real in production.test.ts (same server version, the one-shots'
 * commands, the worker image).
 */
import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../config/load';
import { SA } from '../../contract/search-attributes';
import { REPO } from '../helpers/fixture';

interface Service {
  image?: string;
  build?: { context: string; args?: Record<string, string> };
  restart?: string;
  ports?: string[];
  healthcheck?: { test: string[] };
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  command?: string[];
  environment?: Record<string, string>;
}

const compose = (env: Record<string, string>) =>
  execa('docker-compose', ['-f', 'docker-compose.yml', 'config'], { cwd: REPO, env: { PATH: process.env.PATH!, ...env }, extendEnv: false, reject: false });

async function resolved(env: Record<string, string> = { POSTGRES_PASSWORD: 'from-dot-env' }) {
  const r = await compose(env);
  expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
  return YAML.parse(r.stdout) as { services: Record<string, Service>; volumes: Record<string, unknown> };
}

/** `name:/target:mode` of a service's volumes, as a target → source map. */
const mounts = (s: Service) => Object.fromEntries((s.volumes ?? []).map((v) => [v.split(':')[1]!, v.split(':')[0]!]));

describe('docker-compose.yml', () => {
  it('is valid and resolves: Temporal server (not auto-setup) on PostgreSQL, schema before it, setup after it', async () => {
    const { services, volumes } = await resolved();
    expect(Object.keys(services).sort()).toEqual(['postgresql', 'temporal', 'temporal-schema', 'temporal-setup', 'temporal-ui', 'worker']);

    // Official images at pinned versions; the server and its admin tools at the same one; no auto-setup anywhere.
    expect(services.temporal!.image).toBe('temporalio/server:1.32.2');
    expect(services['temporal-schema']!.image).toBe('temporalio/admin-tools:1.32.2');
    expect(services['temporal-setup']!.image).toBe('temporalio/admin-tools:1.32.2');
    expect(services['temporal-ui']!.image).toMatch(/^temporalio\/ui:\d+\.\d+\.\d+$/);
    expect(services.postgresql!.image).toMatch(/^postgres:\d/);
    expect(JSON.stringify(services)).not.toContain('auto-setup');
    expect(services.worker!.build!.context).toBe(REPO.replace(/\/$/, ''));
    expect(services.worker!.build!.args).toEqual({ BASE: 'node:20-bookworm-slim' });
    expect(services.worker!.command).toEqual(['worker', '--apply-schedules', '--converge-at-start']);

    // Persistence and visibility on PostgreSQL, with the password from .env; the schema tool for the same plugin.
    expect(services.temporal!.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql', POSTGRES_PWD: 'from-dot-env' });
    expect(services['temporal-schema']!.environment).toMatchObject({ SQL_PLUGIN: 'postgres12', SQL_HOST: 'postgresql', SQL_PASSWORD: 'from-dot-env' });
    const schema = services['temporal-schema']!.command!.join(' ');
    for (const step of ['create-database', 'setup-schema -v 0.0', 'update-schema --schema-name postgresql/v12/']) expect(schema).toContain(step);
    // The namespace (with a retention) and exactly the search attributes the workflows use.
    const setup = services['temporal-setup']!.command!.join(' ');
    expect(setup).toContain('namespace create --namespace $$ns --retention 30d');
    expect(services['temporal-setup']!.environment).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'default' });
    expect(setup).toContain(
      `for sa in ${Object.values(SA)
        .map((k) => k.name)
        .join(' ')};`,
    );

    // The order: database healthy → schema done → server healthy → namespace and attributes done → worker.
    expect(services['temporal-schema']!.depends_on).toEqual({ postgresql: { condition: 'service_healthy' } });
    expect(services.temporal!.depends_on).toEqual({ 'temporal-schema': { condition: 'service_completed_successfully' } });
    expect(services['temporal-setup']!.depends_on).toEqual({ temporal: { condition: 'service_healthy' } });
    expect(services['temporal-ui']!.depends_on).toEqual({ temporal: { condition: 'service_healthy' } });
    expect(services.worker!.depends_on).toEqual({ 'temporal-setup': { condition: 'service_completed_successfully' } });

    // Restart policies everywhere (the one-shots never restart), health checks on the long-running services.
    for (const [name, s] of Object.entries(services))
      expect(s.restart, name).toBe(['temporal-schema', 'temporal-setup'].includes(name) ? 'no' : 'unless-stopped');
    for (const name of ['postgresql', 'temporal', 'worker']) expect(services[name]!.healthcheck?.test.length, name).toBeGreaterThan(0);

    // The frontend and the UI only on loopback; PostgreSQL not published at all.
    const published = Object.values(services).flatMap((s) => s.ports ?? []);
    expect(published.sort()).toEqual(['127.0.0.1:7233:7233/tcp', '127.0.0.1:8233:8080/tcp']);
    // Data in named volumes: the database, the worker's state and its ABRA_DIR.
    expect(services.postgresql!.volumes).toEqual(['postgresql:/var/lib/postgresql/data:rw']);
    expect(mounts(services.worker!)).toMatchObject({ '/var/lib/coopci/state': 'coopci-state', '/var/lib/coopci/abra': 'coopci-abra' });
    expect(Object.keys(volumes).sort()).toEqual(['coopci-abra', 'coopci-state', 'postgresql']);
    // The dynamic config the server reads is the repository's file, read-only.
    expect(mounts(services.temporal!)['/etc/temporal/config/dynamicconfig/coopci.yaml']).toBe(path.join(REPO, 'scripts/temporal-dynamicconfig.yaml'));
    expect(services.temporal!.environment!.DYNAMIC_CONFIG_FILE_PATH).toBe('/etc/temporal/config/dynamicconfig/coopci.yaml');
  });

  it('runs the worker with the heap limit the bench measures its memory with (README "Performance")', async () => {
    const { services } = await resolved();
    expect(services.worker!.environment!.NODE_OPTIONS).toBe('--max-old-space-size=256 --max-semi-space-size=8');
  });

  it("the README's example config keeps stateDir and abra.dir inside the worker's named volumes", async () => {
    const { services } = await resolved();
    const worker = services.worker!;
    const readme = await readFile(path.join(REPO, 'README.md'), 'utf8');
    const example = /```yaml\n(# coopci\.yaml for docker-compose\.yml[\s\S]*?)```/.exec(readme)?.[1];
    expect(example, 'README: a ```yaml block starting "# coopci.yaml for docker-compose.yml"').toBeDefined();
    // Resolved as the worker sees it: mounted at COOPCI_CONFIG, relative paths from there.
    const configPath = worker.environment!.COOPCI_CONFIG!;
    expect(mounts(worker)[configPath]).toMatch(/coopci\.yaml$/);
    const { config } = parseConfigText(example!, configPath);
    const inVolume = (p: string) =>
      Object.entries(mounts(worker)).some(
        ([target, source]) => !source.startsWith('/') && !source.startsWith('.') && (p === target || p.startsWith(`${target}/`)),
      );
    expect(inVolume(config.stateDir), config.stateDir).toBe(true);
    expect(inVolume(config.abra.dir), config.abra.dir).toBe(true);
    // local.yaml's relative stateDir would land in the container's writable layer, lost on every re-create.
    const local = parseConfigText(await readFile(path.join(REPO, 'config/local.yaml'), 'utf8'), configPath).config;
    expect(inVolume(local.stateDir)).toBe(false);
  });

  it('refuses to resolve without a database password, naming it', async () => {
    const r = await compose({});
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/POSTGRES_PASSWORD/);
  });
});

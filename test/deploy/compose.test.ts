/**
 * The production compose file, validated by a real compose tool (Debian's
 * docker-compose 1.29, installed by scripts/setup.sh). Its images cannot be
 * pulled here, so the stack is checked, not started.
 */
import { execa } from 'execa';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { SA } from '../../contract/search-attributes';
import { REPO } from '../helpers/fixture';

interface Service {
  image?: string;
  build?: { context: string };
  restart?: string;
  ports?: string[];
  healthcheck?: { test: string[] };
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  command?: string[];
}

const compose = (env: Record<string, string>) =>
  execa('docker-compose', ['-f', 'docker-compose.yml', 'config'], { cwd: REPO, env: { PATH: process.env.PATH!, ...env }, extendEnv: false, reject: false });

describe('docker-compose.yml', () => {
  it('is valid and resolves, with the database password from the environment', async () => {
    const r = await compose({ POSTGRES_PASSWORD: 'from-dot-env' });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const { services, volumes } = YAML.parse(r.stdout) as { services: Record<string, Service>; volumes: Record<string, unknown> };
    expect(Object.keys(services).sort()).toEqual(['postgresql', 'temporal', 'temporal-setup', 'temporal-ui', 'worker']);

    // Official images; the worker from the project's own Dockerfile.
    expect(services.temporal!.image).toMatch(/^temporalio\/auto-setup:\d/);
    expect(services['temporal-ui']!.image).toMatch(/^temporalio\/ui:\d/);
    expect(services.postgresql!.image).toMatch(/^postgres:\d/);
    expect(services.worker!.build!.context).toBe(REPO.replace(/\/$/, ''));
    expect(services.worker!.command).toEqual(['worker', '--apply-schedules']);
    // The one-shot setup registers exactly the search attributes the workflows use.
    expect(services['temporal-setup']!.command!.join(' ')).toContain(
      `for sa in ${Object.values(SA)
        .map((k) => k.name)
        .join(' ')};`,
    );

    // Restart policies everywhere (the one-shot setup never restarts), health checks on the long-running services.
    for (const [name, s] of Object.entries(services)) expect(s.restart, name).toBe(name === 'temporal-setup' ? 'no' : 'unless-stopped');
    for (const name of ['postgresql', 'temporal', 'worker']) expect(services[name]!.healthcheck?.test.length, name).toBeGreaterThan(0);
    expect(services.temporal!.depends_on).toEqual({ postgresql: { condition: 'service_healthy' } });
    expect(services.worker!.depends_on).toEqual({ 'temporal-setup': { condition: 'service_completed_successfully' } });

    // The frontend and the UI only on loopback; PostgreSQL not published at all, its data in a named volume.
    const published = Object.values(services).flatMap((s) => s.ports ?? []);
    expect(published.sort()).toEqual(['127.0.0.1:7233:7233/tcp', '127.0.0.1:8233:8080/tcp']);
    expect(services.postgresql!.volumes).toEqual(['postgresql:/var/lib/postgresql/data:rw']);
    expect(Object.keys(volumes)).toContain('postgresql');
  });

  it('refuses to resolve without a database password, naming it', async () => {
    const r = await compose({});
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/POSTGRES_PASSWORD/);
  });
});

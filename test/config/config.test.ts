import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { loadConfig, parseConfigText } from '../../config/load';
import { assertDomain, assertRecipeName, assertVersion } from '../../domain/names';
import { configProblems, parseConfig } from '../helpers/config';

const base = () => ({
  ciDomain: 'ci.example.org',
  server: 'default',
  stateDir: '/var/lib/coopci',
  abra: { dir: '/var/lib/coopci/abra' },
  recipes: [{ name: 'gitea', upstream: 'https://git.example.org/recipes/gitea.git', health: { url: 'https://{domain}/' } }],
});

const w = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  recipe: name,
  upstream: `https://git.example.org/${name}.git`,
  domain: `${name}.example.org`,
  health: { url: `https://${name}.example.org/api/version` },
  ...extra,
});

function problems(mutate: (c: ReturnType<typeof base> & Record<string, unknown>) => void): string[] {
  const c = base() as ReturnType<typeof base> & Record<string, unknown>;
  mutate(c);
  return configProblems(c);
}

describe('configuration', () => {
  it('accepts a minimal file and fills the defaults', () => {
    const { config, digest } = parseConfig(base());
    expect(config.sweep).toEqual({ lanes: 1, order: 'config' });
    // No calendar fields and no cron: the schedule's Sunday 03:00 (client/schedule.ts).
    expect(config.schedules.sweep).toEqual({ timezone: 'UTC', catchupWindowSeconds: 518400, paused: false });
    expect(config.timeouts.deploySeconds).toBe(600);
    expect(config.timeouts.heartbeatSeconds).toBe(20);
    expect(config.recipes[0]).toMatchObject({ enrolled: true, health: { allowedStatus: [200], consecutive: 1 } });
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('accepts the bundled example configuration', async () => {
    const { config } = await loadConfig(path.resolve('config/local.yaml'));
    expect(config.recipes.filter((r) => r.enrolled).map((r) => r.name)).toEqual(['hello', 'broken', 'unreleased', 'vanished']);
    expect(config.stateDir).toBe(path.resolve('.coopci/state'));
  });

  it.each<[string, (c: any) => void, RegExp]>([
    ['bad domain', (c) => (c.ciDomain = 'CI_EXAMPLE'), /^ciDomain: must be a lowercase DNS name/],
    ['a heartbeat timeout a live step could miss', (c) => (c.timeouts = { heartbeatSeconds: 4 }), /^timeouts\.heartbeatSeconds: /],
    ['option-injection recipe name', (c) => (c.recipes[0].name = '--exec=sh'), /^recipes\.0\.name: must be lowercase/],
    ['path traversal recipe name', (c) => (c.recipes[0].name = '../etc'), /^recipes\.0\.name: /],
    ['shell metacharacters', (c) => (c.recipes[0].name = 'a;rm -rf'), /^recipes\.0\.name: /],
    ['unicode', (c) => (c.recipes[0].name = 'gïtea'), /^recipes\.0\.name: /],
    ['huge name', (c) => (c.recipes[0].name = 'a'.repeat(10_000)), /^recipes\.0\.name: /],
    ['de-enrolled without a reason', (c) => (c.recipes[0].enrolled = false), /^recipes\.0\.exception: a recipe that is not enrolled needs an exception/],
    ['exception on an enrolled recipe', (c) => (c.recipes[0].exception = 'because'), /^recipes\.0\.exception: only a recipe with enrolled: false/],
    ['nothing enrolled', (c) => Object.assign(c.recipes[0], { enrolled: false, exception: 'x' }), /^recipes: no recipe is enrolled/],
    [
      'expected n/a without a reason',
      (c) => (c.recipes[0].tiers = { upgrade: { expected: 'n/a' } }),
      /^recipes\.0\.tiers\.upgrade\.reason: expected: n\/a needs a reason/,
    ],
    [
      'a reason without expected',
      (c) => (c.recipes[0].tiers = { backup: { reason: 'x' } }),
      /^recipes\.0\.tiers\.backup\.expected: a reason goes with expected: n\/a/,
    ],
    [
      'install expected n/a',
      (c) => (c.recipes[0].tiers = { install: { expected: 'n/a', reason: 'x' } }),
      /^recipes\.0\.tiers\.install: install always runs \(every other tier needs it\): it takes only timeoutSeconds$/,
    ],
    ['upgradeFrom not a version', (c) => (c.recipes[0].upgradeFrom = 'v1.2'), /^recipes\.0\.upgradeFrom: /],
    ['flakeRetries too many', (c) => (c.recipes[0].flakeRetries = 10), /^recipes\.0\.flakeRetries: /],
    ['no recipes', (c) => (c.recipes = []), /^recipes: list at least one recipe/],
    ['duplicate recipe', (c) => c.recipes.push({ ...c.recipes[0] }), /^recipes\.1\.name: duplicate recipe "gitea"/],
    ['non-http health url', (c) => (c.recipes[0].health.url = 'file:///etc/passwd'), /^recipes\.0\.health\.url: must be an http/],
    ['bad status', (c) => (c.recipes[0].health.allowedStatus = [999]), /^recipes\.0\.health\.allowedStatus\.0: /],
    ['negative timeout', (c) => (c.timeouts = { deploySeconds: -5 }), /^timeouts\.deploySeconds: /],
    ['unknown key', (c) => (c.timeout = {}), /^\(top level\): Unrecognized key/],
    ['too many lanes', (c) => (c.sweep = { lanes: 99 }), /^sweep\.lanes: /],
    ['bad schedule hour', (c) => (c.schedules = { sweep: { hour: 24 } }), /^schedules\.sweep\.hour: /],
    ['unknown after', (c) => (c.warm = [w('traefik', { after: ['nope'] })]), /^warm\.0\.after\.0: "nope" is not a warm app/],
    [
      'proxy not first',
      (c) => Object.assign(c, { warm: [w('dash'), w('traefik')], proxy: { app: 'traefik' } }),
      /^warm\.0: the proxy "traefik" must be the first warm app/,
    ],
    [
      'a warm cycle',
      (c) => (c.warm = [w('traefik', { after: ['dash'] }), w('dash', { after: ['traefik'] })]),
      /^warm\.0\.after: warm apps form a cycle: traefik → dash → traefik$/,
    ],
    [
      'a proxy gated on a later app',
      (c) => (c.warm = [w('traefik', { health: { url: 'https://dash.example.org/', servedBy: 'dash' } }), w('dash', { after: ['traefik'] })]),
      /^warm\.0\.health\.servedBy: the health gate of "traefik" is served by "dash", which is not deployed before "traefik"/,
    ],
    [
      // The seed's exact configuration: no servedBy, the proxy gated on a URL whose host is the dashboard's domain.
      'a proxy gated on a later app, inferred from the gate URL',
      (c) =>
        (c.warm = [w('traefik', { health: { url: 'https://dash.example.org/api/health' } }), w('dash', { after: ['traefik'], domain: 'dash.example.org' })]),
      /^warm\.0\.health\.url: the health gate of "traefik" is served by "dash", which is not deployed before "traefik" .*a fresh boot would deadlock \(its host is the domain of "dash"\)$/,
    ],
    ['proxy not warm', (c) => (c.proxy = { app: 'traefik' }), /^proxy\.app: "traefik" is not listed under warm/],
    [
      'a token in an upstream URL',
      (c) => (c.recipes[0].upstream = 'https://ci-bot:glpat-123@git.example.org/hello.git'),
      /^recipes\.0\.upstream: must not carry credentials/,
    ],
    [
      'a user in an HTTPS upstream',
      (c) => (c.recipes[0].upstream = 'https://glpat-123@git.example.org/hello.git'),
      /^recipes\.0\.upstream: must not carry credentials/,
    ],
    [
      'a password in an SSH upstream',
      (c) => (c.warm = [w('traefik', { upstream: 'ssh://git:hunter2@git.example.org/t.git' })]),
      /^warm\.0\.upstream: must not carry credentials/,
    ],
  ])('rejects %s, naming the field', (_n, mutate, message) => {
    expect(problems(mutate)).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
  });

  it('takes scale-out nodes, each with a task queue of its own', () => {
    const node = (name: string, taskQueue: string) => ({ name, taskQueue, server: 'default' });
    expect(problems((c) => (c.nodes = [node('a', 'q-a'), node('b', 'q-b')]))).toEqual([]);
    expect(problems((c) => (c.nodes = [node('a', 'q-a'), node('b', 'q-a')]))).toEqual([
      'nodes.1.taskQueue: task queue "q-a" is already used; each node needs its own',
    ]);
    expect(problems((c) => (c.nodes = [node('a', 'coopci')]))).toEqual(['nodes.0.taskQueue: task queue "coopci" is already used; each node needs its own']);
    expect(problems((c) => (c.nodes = [node('a', 'q-a'), node('a', 'q-b')]))).toEqual(['nodes.1.name: duplicate node "a" (first at index 0)']);
  });

  it('reports every problem at once', () => {
    const p = problems((c) => {
      c.ciDomain = 'nope';
      c.recipes[0]!.name = 'BAD';
      c.timeouts = { deploySeconds: 0 };
    });
    expect(p.map((x) => x.split(':')[0])).toEqual(expect.arrayContaining(['ciDomain', 'recipes.0.name', 'timeouts.deploySeconds']));
  });

  it('names the file for unreadable or non-YAML input', async () => {
    await expect(loadConfig('/nonexistent/coopci.yaml')).rejects.toThrow(
      /^\/nonexistent\/coopci\.yaml: invalid configuration\n {2}- cannot read the file: ENOENT/,
    );
    expect(() => parseConfigText('a: [1,', '/x.yaml')).toThrow(/\/x\.yaml: invalid configuration\n {2}- not valid YAML/);
  });

  it('resolves relative paths against the file', () => {
    const c = base() as any;
    c.stateDir = 'state';
    c.recipes[0].upstream = '../upstream/gitea';
    const { config } = parseConfig(c, '/srv/ci/coopci.yaml');
    expect(config.stateDir).toBe('/srv/ci/state');
    expect(config.recipes[0]!.upstream).toBe('/srv/upstream/gitea');
  });
});

describe('names reaching a command line', () => {
  it.each(['gitea', 'custom-html', 'a', 'x1'])('accepts recipe %s', (n) => expect(assertRecipeName(n)).toBe(n));
  it.each(['', '-rf', '--help', 'a b', 'a/b', '..', 'Gitea', 'a$(id)', 'a`id`', 'a\nb', 'ends-', 'x'.repeat(51)])('rejects recipe %j', (n) => {
    expect(() => assertRecipeName(n)).toThrow(/^invalid recipe name/);
  });
  it.each(['--force', '1.0.0; id', '$(id)', '1.0.0+a b'])('rejects version %j', (v) => expect(() => assertVersion(v)).toThrow(/^invalid recipe version/));
  it.each(['-x.example.org', 'a..b', 'localhost', 'a.b/../c', 'ex ample.org'])('rejects domain %j', (d) =>
    expect(() => assertDomain(d)).toThrow(/^invalid domain/),
  );
});

describe('coopci config check', () => {
  const run = (file: string) => spawnSync(process.execPath, ['bin/coopci.mjs', 'config', 'check', file], { encoding: 'utf8' });

  it('exits 0 on a good file', () => {
    const r = run('config/local.yaml');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/local\.yaml: ok \(4 enrolled of 5 recipes\)/);
  });

  it('exits non-zero listing every error with its field path', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'coopci-cfg-'));
    const file = path.join(dir, 'bad.yaml');
    const c = base() as any;
    c.ciDomain = 'Bad Domain';
    c.recipes[0].enrolled = false;
    writeFileSync(file, YAML.stringify(c));
    const r = run(file);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${file}: invalid configuration`);
    expect(r.stderr).toContain('  - ciDomain: must be a lowercase DNS name');
    expect(r.stderr).toContain('  - recipes.0.exception: a recipe that is not enrolled needs an exception with a reason');
  });
});

/**
 * Hostile input never reaches a command line: recipe names, versions and
 * domains are rejected by the config check (naming the field) and again at
 * the abra adapter, before any process starts. A real program stands in for
 * abra and records every start, so "no process started" is observed, not
 * assumed. Upstream URLs go to git after `--`, so they cannot be options.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { Abra } from '../../adapters/abra';
import { syncMirror } from '../../adapters/git';
import { ConfigError, parseConfigText } from '../../config/load';

const HUGE = 'a'.repeat(100_000);
const shell = ['a;id', 'a && id', 'a|id', 'a>x', 'a<x', '$(id)', '`id`', "a'b", 'a"b', 'a$IFS', '{a,b}', 'a*', 'a?', '~root', 'a\\b', 'a&'];
const traversal = ['..', '.', '../etc', 'a/b', '/etc/passwd', '%2e%2e', 'a/../../b'];
const options = ['-rf', '--help', '--server=evil', '-', '--', '-a'];
const unicodeAndSpace = ['A', 'Gitea', 'ümlaut', 'a b', 'a\nb', 'a\tb', 'a\u0000b', '\u00a0a', 'a\u202eb', 'ｆｕｌｌ', 'gite\u0430', 'a_b', 'a.b', 'a-', ''];
const sizes = ['x'.repeat(51), HUGE];

const hostileNames = [...shell, ...traversal, ...options, ...unicodeAndSpace, ...sizes];
const hostileVersions = [
  '',
  '--force',
  '-1.0.0',
  '1.0.0;id',
  '1.0.0+$(id)',
  '1.0.0+`id`',
  '../1.0.0',
  '1.0.0+../../x',
  '1.0.0+a/b',
  'v1',
  '1.0',
  ' 1.0.0',
  '1.0.0 ',
  '1.0.0\n',
  '1.0.0+a b',
  '1.0.0+🙂',
  `1.0.0+${HUGE}`,
  '1.0.0|id',
];
const hostileDomains = [
  '-x.example.org',
  '--domain=x.org',
  'a..example.org',
  '.example.org',
  'example.org.',
  'evil.org;id',
  'a.b/c',
  'UPPER.example.org',
  'localhost',
  `${'x'.repeat(300)}.org`,
  'a_b.example.org',
  'ex ample.org',
  'ex\u0430mple.org',
  '$(id).example.org',
  '../x.org',
];

const base = () => ({
  ciDomain: 'ci.example.org',
  server: 'default',
  stateDir: '/var/lib/coopci',
  abra: { dir: '/var/lib/coopci/abra' },
  recipes: [{ name: 'gitea', upstream: 'https://git.example.org/gitea.git', health: { url: 'https://{domain}/' } }],
  warm: [
    {
      name: 'traefik',
      recipe: 'traefik',
      upstream: 'https://git.example.org/traefik.git',
      domain: 'traefik.example.org',
      health: { url: 'https://traefik.example.org/api/version' },
    },
  ],
});

function configProblems(mutate: (c: ReturnType<typeof base>) => void): string[] {
  const c = base();
  mutate(c);
  try {
    parseConfigText(YAML.stringify(c), '/etc/coopci.yaml');
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.problems;
  }
}

/** Rejected, and every problem names the field. */
function expectOnlyField(problems: string[], field: string) {
  expect(problems.length).toBeGreaterThan(0);
  for (const p of problems) expect(p.startsWith(`${field}: `), p).toBe(true);
}

/** An abra stand-in that records each start: a real process, so a start is observed. */
function recordingAbra() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hostile-'));
  const ledger = path.join(dir, 'starts');
  const bin = path.join(dir, 'abra');
  writeFileSync(bin, `#!/bin/sh\necho "$*" >> '${ledger}'\n`, { mode: 0o755 });
  return {
    abra: new Abra({ bin, dir, server: 'default' }),
    starts: () => (existsSync(ledger) ? readFileSync(ledger, 'utf8').split('\n').filter(Boolean) : []),
  };
}

describe('hostile input', () => {
  it('has at least 50 hostile values', () => {
    expect(hostileNames.length + hostileVersions.length + hostileDomains.length).toBeGreaterThanOrEqual(50);
  });

  it.each(hostileNames.map((n) => [JSON.stringify(n.slice(0, 40)), n]))(
    'recipe name %s: rejected by config check and by the adapter, no process started',
    async (_, name) => {
      expectOnlyField(
        configProblems((c) => (c.recipes[0]!.name = name)),
        'recipes.0.name',
      );
      expect(configProblems((c) => (c.warm[0]!.name = name))).toContainEqual(expect.stringMatching(/^warm\.0\.name: /));
      const { abra, starts } = recordingAbra();
      await expect(abra.appNew(name, '1.0.0+1.0', 'cold-x.ci.example.org', 5000)).rejects.toThrow(/invalid recipe name/);
      expect(starts()).toEqual([]);
    },
  );

  it.each(hostileVersions.map((v) => [JSON.stringify(v.slice(0, 40)), v]))('version %s: rejected by the adapter, no process started', async (_, version) => {
    const { abra, starts } = recordingAbra();
    await expect(abra.deploy('cold-x.ci.example.org', version, 5000)).rejects.toThrow(/invalid recipe version/);
    await expect(abra.upgrade('cold-x.ci.example.org', version, 5000)).rejects.toThrow(/invalid recipe version/);
    await expect(abra.rollback('cold-x.ci.example.org', version, 5000)).rejects.toThrow(/invalid recipe version/);
    expect(starts()).toEqual([]);
  });

  it.each(hostileDomains.map((d) => [JSON.stringify(d.slice(0, 40)), d]))(
    'domain %s: rejected by config check and by the adapter, no process started',
    async (_, domain) => {
      expectOnlyField(
        configProblems((c) => (c.ciDomain = domain)),
        'ciDomain',
      );
      expectOnlyField(
        configProblems((c) => (c.warm[0]!.domain = domain)),
        'warm.0.domain',
      );
      const { abra, starts } = recordingAbra();
      await expect(abra.undeploy(domain, 5000)).rejects.toThrow(/invalid domain/);
      await expect(abra.remove(domain, 5000)).rejects.toThrow(/invalid domain/);
      expect(starts()).toEqual([]);
    },
  );

  it('the stand-in does record a valid call (so an empty record means no start)', async () => {
    const { abra, starts } = recordingAbra();
    await abra.deploy('cold-x.ci.example.org', '1.0.0+1.0', 5000);
    expect(starts()).toEqual(['app deploy cold-x.ci.example.org 1.0.0+1.0 --no-domain-checks --no-input --offline --no-converge-checks']);
  });

  it.each([
    ['temporal.taskQueue', (c: any) => (c.temporal = { taskQueue: 'q;id' })],
    ['server', (c: any) => (c.server = '--server=evil')],
    ['recipes.0.health.url', (c: any) => (c.recipes[0].health.url = 'file:///etc/passwd')],
    ['recipes.0.health.connectAddress', (c: any) => (c.recipes[0].health.connectAddress = 'evil.org')],
    ['recipes.0.test.command', (c: any) => (c.recipes[0].test = { command: [] })],
    ['recipes.0.timeouts.deploySeconds', (c: any) => (c.recipes[0].timeouts = { deploySeconds: 1e12 })],
    ['sweep.lanes', (c: any) => (c.sweep = { lanes: 10_000 })],
    ['temporal.uiUrl', (c: any) => (c.temporal = { uiUrl: 'javascript:alert(1)' })],
  ])('config value %s: rejected naming the field', (field, mutate) => {
    expect(configProblems(mutate)).toContainEqual(expect.stringMatching(new RegExp(`^${field.replaceAll('.', '\\.')}: `)));
  });

  it('an upstream that looks like an option is a path to git, never an option', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hostile-git-'));
    const marker = path.join(dir, 'pwned');
    await expect(syncMirror(`--upload-pack=touch ${marker}`, path.join(dir, 'mirror.git'), 10_000)).rejects.toThrow(/git ls-remote: exited/);
    expect(existsSync(marker)).toBe(false);
  });
});

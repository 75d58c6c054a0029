/** Small rules shared by workflows, activities and the client, each in one place. */
import { checkAbraVersion } from '../../domain/abra-version';
import { describe, expect, it } from 'vitest';
import { commandEnv } from '../../domain/command-env';
import { alreadyRunning, warmDeploySteps } from '../../domain/deploy-plan';
import { isRed, type Label } from '../../domain/label';
import { nodeMismatch } from '../../domain/registry-record';
import { runDirOf, safeSegment } from '../../domain/run-layout';
import { lockRetryDelayMs, lockState } from '../../domain/lock';
import { fillTemplate } from '../../domain/template';
import { shortReason } from '../../domain/short-reason';
import { effectiveTimeouts } from '../../domain/timeouts';
import { blockedBy } from '../../domain/warm-graph';

const global = { mirrorSyncSeconds: 180, deploySeconds: 600, convergeSeconds: 300, teardownSeconds: 300, backupSeconds: 900 };

describe('effective timeouts', () => {
  it.each([
    ['no overrides', undefined, global],
    ['one override', { deploySeconds: 1200 }, { ...global, deploySeconds: 1200 }],
    ['an undefined override keeps the global value', { deploySeconds: undefined, backupSeconds: 60 }, { ...global, backupSeconds: 60 }],
  ])('%s', (_n, overrides, expected) => {
    expect(effectiveTimeouts(global, overrides)).toEqual(expected);
  });
});

describe('template substitution', () => {
  it.each<[string, string, Record<string, string>, string]>([
    ['domain in a URL', 'https://{domain}/health', { domain: 'cold-hello.ci.example.org' }, 'https://cold-hello.ci.example.org/health'],
    ['several, repeated', '{url} {junit} {url}', { url: 'http://x/', junit: '/r/j.xml' }, 'http://x/ /r/j.xml http://x/'],
    ['unknown names stay', '{domain} {nosuch}', { domain: 'd.example.org' }, 'd.example.org {nosuch}'],
    ['a value is never expanded again', '{url}', { url: 'http://{domain}/', domain: 'd.example.org' }, 'http://{domain}/'],
    ['inherited names are not values', '{constructor}', {}, '{constructor}'],
  ])('%s', (_n, template, values, expected) => {
    expect(fillTemplate(template, values)).toBe(expected);
  });
});

describe('run directory layout', () => {
  it.each<[string, string, string | undefined, string]>([
    ['a sweep', 'sweep-20261122T030000Z', undefined, '/s/runs/sweep-20261122T030000Z'],
    ['a recipe of a sweep', 'sweep-1', 'hello', '/s/runs/sweep-1/hello'],
    ['a scheduled id with colons becomes one segment', 'sweep-scheduled-2026-11-22T03:00:00Z', 'hello', '/s/runs/sweep-scheduled-2026-11-22T03_00_00Z/hello'],
    ['slashes never make more segments', 'a/../b', undefined, '/s/runs/a_.._b'],
  ])('%s', (_n, sweepId, recipe, expected) => {
    expect(runDirOf('/s/', sweepId, recipe)).toBe(expected);
  });
  it.each(['', '.', '..'])('refuses the id %j', (id) => {
    expect(() => safeSegment(id)).toThrow(/unusable run id/);
  });
});

describe('warm deploy steps: only commands abra accepts in that state', () => {
  it.each<[string, { deployed: boolean; version: string | null; envFile: boolean }, string[]]>([
    ['running the target: nothing', { deployed: true, version: '2.0.0', envFile: true }, []],
    ['running an older one: upgrade', { deployed: true, version: '1.0.0', envFile: true }, ['upgrade']],
    ['running a newer one: rollback', { deployed: true, version: '2.1.0', envFile: true }, ['rollback']],
    ['running, env file lost: new, then a forced deploy', { deployed: true, version: null, envFile: false }, ['new', 'redeploy']],
    ['running, env file without a version: a forced deploy', { deployed: true, version: null, envFile: true }, ['redeploy']],
    ['env file, not deployed: deploy', { deployed: false, version: '2.0.0', envFile: true }, ['deploy']],
    ['nothing yet: new, then deploy', { deployed: false, version: null, envFile: false }, ['new', 'deploy']],
  ])('%s', (_n, app, steps) => {
    expect(warmDeploySteps(app, '2.0.0')).toEqual(steps);
    expect(alreadyRunning(app, '2.0.0')).toBe(steps.length === 0);
  });
});

describe('red labels are what a retry may re-run', () => {
  it.each<[Label, boolean]>([
    ['FAILED', true],
    ['GREEN_BUT_PROMOTE_FAILED', true],
    ['PROMOTED', false],
    ['SKIPPED', false],
  ])('%s → %s', (label, red) => {
    expect(isRed(label)).toBe(red);
  });
});

describe('converge: an app waits for the apps it comes after', () => {
  const outcomes: Record<string, string> = { traefik: 'ROLLED_BACK', dashboard: 'FAILED', backup: 'SKIPPED', auth: 'HEALTHY' };
  it.each<[string[], string | null]>([
    [[], null],
    [['traefik', 'auth'], null],
    [['traefik', 'dashboard'], 'dashboard'],
    [['backup'], 'backup'],
    [['unknown'], 'unknown'],
  ])('after %j → blocked by %s', (after, blocked) => {
    expect(blockedBy(after, (a) => outcomes[a])).toBe(blocked);
  });
});

describe('lock holder', () => {
  const lock = (holder: string | null, running = true) => ({ running, runId: 'run-1', holder });
  it.each<[string, ReturnType<typeof lock> | null, string | null, number, unknown]>([
    ['no lock workflow', null, null, 0, { state: 'free' }],
    ['lock released', lock('sweep-1', false), 'COMPLETED', 0, { state: 'free' }],
    ['held by a running holder', lock('sweep-1'), 'RUNNING', 0, { state: 'held', holder: 'sweep-1' }],
    ['started by hand (no parent): held', lock(null), null, 0, { state: 'held', holder: null }],
    [
      'holder terminated but its recipes still run: held',
      lock('sweep-1'),
      'TERMINATED',
      2,
      { state: 'held', holder: 'sweep-1', note: 'sweep-1 is terminated, but 2 of its workflows still run' },
    ],
    [
      'holder terminated, nothing of it runs: stale (this run)',
      lock('sweep-1'),
      'TERMINATED',
      0,
      { state: 'stale', holder: 'sweep-1', holderStatus: 'TERMINATED', lockRunId: 'run-1' },
    ],
    ['holder gone: stale', lock('sweep-1'), null, 0, { state: 'stale', holder: 'sweep-1', holderStatus: 'GONE', lockRunId: 'run-1' }],
  ])('%s', (_n, l, status, childrenRunning, expected) => {
    expect(lockState(l, { status, childrenRunning })).toEqual(expected);
  });
  it('looks again after 5 s, doubling up to 5 minutes', () => {
    expect([0, 1, 2, 5, 6, 20].map(lockRetryDelayMs)).toEqual([5_000, 10_000, 20_000, 160_000, 300_000, 300_000]);
  });
});

describe('short reasons in a sweep', () => {
  it.each<[string, string, string]>([
    ['a one-line reason stays whole', 'install: exited 3: FATA kaput', 'install: exited 3: FATA kaput'],
    ['the first line, marked as cut', 'install: exited 3: FATA kaput\nline 2\nline 3', 'install: exited 3: FATA kaput…'],
    ['a long line bounded', 'x'.repeat(1000), `${'x'.repeat(399)}…`],
  ])('%s', (_n, reason, short) => {
    expect(shortReason(reason)).toBe(short);
    expect(shortReason(reason).length).toBeLessThanOrEqual(400);
  });
});

describe("a command's environment", () => {
  const worker = {
    PATH: '/usr/bin',
    HOME: '/root',
    LC_ALL: 'C',
    ABRA_DIR: '/a',
    TEMPORAL_API_KEY: 'k',
    POSTGRES_PASSWORD: 'p',
    SSH_AUTH_SOCK: '/s',
    NODE_OPTIONS: '--x',
  };
  it("passes what commands need and nothing else of the worker's", () => {
    expect(commandEnv(worker)).toEqual({ PATH: '/usr/bin', HOME: '/root', LC_ALL: 'C', ABRA_DIR: '/a', SSH_AUTH_SOCK: '/s' });
  });
  it("adds the caller's own, which win", () => {
    expect(commandEnv(worker, { ABRA_DIR: '/b', GIT_TERMINAL_PROMPT: '0' })).toMatchObject({ ABRA_DIR: '/b', GIT_TERMINAL_PROMPT: '0' });
  });
});

describe("a canonical's node", () => {
  const rec = (node?: string) => ({
    recipe: 'hello',
    version: '1.0.0',
    commit: 'a'.repeat(40),
    domain: 'warm-hello.ci.test.local',
    status: 'idle' as const,
    ts: '2026-01-01T00:00:00Z',
    ...(node ? { node } : {}),
  });
  it.each<[string, ReturnType<typeof rec> | null, string | undefined, RegExp | null]>([
    ['no canonical yet: anywhere', null, 'n1', null],
    ['on the one node, run there', rec(), undefined, null],
    ['on n2, run on n2', rec('n2'), 'n2', null],
    ['on n2, run on n1: refused', rec('n2'), 'n1', /^the canonical of hello lives on node n2, but this run is on n1$/],
    ['on the one node, run on a scale-out node: refused', rec(), 'n1', /lives on node \(the default node\), but this run is on n1/],
  ])('%s', (_n, record, node, expected) => {
    const m = nodeMismatch(record, node);
    if (expected) expect(m).toMatch(expected);
    else expect(m).toBeNull();
  });
});

describe('checkAbraVersion', () => {
  it.each([
    ['abra version 0.10.0-beta-3f5a1b2', '0.10.0-beta-3f5a1b2'],
    ['abra version 0.11.3-beta', '0.11.3-beta'],
    ['abra version v0.10.1', '0.10.1'],
  ])('accepts %s', (out, version) => expect(checkAbraVersion(out, 'abra')).toBe(version));
  it.each([
    ['abra version 0.9.0-beta', /is abra 0\.9\.0-beta; coopci supports abra 0\.10\.x up to 0\.11\.x/],
    ['abra version 0.12.0-beta', /is abra 0\.12\.0-beta/],
    ['abra version 1.0.0', /is abra 1\.0\.0/],
    ['command not understood', /printed no version/],
  ])('refuses %s', (out, why) => expect(() => checkAbraVersion(out, 'abra')).toThrow(why));
});

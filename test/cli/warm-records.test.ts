/**
 * The warm records an operator reads and the CLI that shows them: rejected
 * releases (one entry per release, dropped once it passes), alerts resolved
 * by a healthy deploy, `coopci alerts list` (open ones; --all for every one)
 * and a --version that is not a release tag. Real files, the CLI as its own
 * process; no Temporal, no Swarm.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../domain/warm-records';
import { listAlerts, resolveAlerts, writeAlertOnce } from '../../state/alerts';
import { addRejected, dropRejected, readRejected } from '../../state/warm-records';

const REPO = path.resolve(import.meta.dirname, '../..');
let dir: string;
let stateDir: string;
const coopci = (...args: string[]) => {
  const r = spawnSync(process.execPath, [path.join(REPO, 'bin/coopci.mjs'), '--config', path.join(dir, 'coopci.yaml'), ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'coopci-warm-records-'));
  stateDir = path.join(dir, 'state');
  await writeFile(
    path.join(dir, 'coopci.yaml'),
    'ciDomain: ci.test.local\nserver: default\nstateDir: ./state\nabra: { bin: abra, dir: ./abra }\n' +
      'recipes:\n  - { name: hello, upstream: ./up/hello, health: { url: "http://127.0.0.1:1/" } }\n',
  );
});

const alert = (app: string, ts: string): Alert => ({
  app,
  reason: 'unhealthy-on-latest',
  ts,
  version: '2.0.0+2.0',
  lastGood: '1.0.0+1.0',
  state: `${app} serving last-good`,
});

describe('rejected releases', () => {
  it('keeps one entry per release (the first rejection), forgets one that passed, and names a corrupt record', async () => {
    const r = (version: string, workflowId: string) => ({ version, ts: '2026-01-03T03:00:00.000Z', why: 'ECONNREFUSED; ROLLED_BACK', workflowId });
    expect(await readRejected(stateDir, 'traefik')).toEqual([]);
    await addRejected(stateDir, 'traefik', r('2.0.0+2.0', 'deploy-1'));
    await addRejected(stateDir, 'traefik', r('2.0.0+2.0', 'deploy-2'));
    await addRejected(stateDir, 'traefik', r('2.1.0+2.1', 'deploy-3'));
    expect(await readRejected(stateDir, 'traefik')).toEqual([r('2.0.0+2.0', 'deploy-1'), r('2.1.0+2.1', 'deploy-3')]);
    await dropRejected(stateDir, 'traefik', '2.0.0+2.0');
    const file = path.join(stateDir, 'warm/traefik/rejected.json');
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ app: 'traefik', rejected: [r('2.1.0+2.1', 'deploy-3')] });
    await writeFile(file, '{"app":"traefik"');
    await expect(readRejected(stateDir, 'traefik')).rejects.toThrow(`${file}: not valid JSON`);
  });
});

describe('alerts resolved by a healthy deploy', () => {
  it("marks only that app's open alerts resolved; alerts list shows the open ones, --all every one", async () => {
    const old = await writeAlertOnce(stateDir, 'a-traefik', alert('traefik', '2026-01-01T03:00:00.000Z'));
    const other = await writeAlertOnce(stateDir, 'b-dash', alert('dash', '2026-01-02T03:00:00.000Z'));
    expect(await resolveAlerts(stateDir, 'traefik', 'deploy-traefik', '2026-01-05T03:00:00.000Z')).toEqual([old]);
    expect(await resolveAlerts(stateDir, 'traefik', 'deploy-later', '2026-01-06T03:00:00.000Z')).toEqual([]);
    expect((await listAlerts(stateDir)).map((a) => a.alert)).toEqual([
      { ...alert('traefik', '2026-01-01T03:00:00.000Z'), resolvedAt: '2026-01-05T03:00:00.000Z', resolvedBy: 'deploy-traefik' },
      alert('dash', '2026-01-02T03:00:00.000Z'),
    ]);

    const open = coopci('alerts', 'list', '--json');
    expect(open.code, open.stderr).toBe(0);
    expect(JSON.parse(open.stdout)).toEqual([{ file: other, alert: alert('dash', '2026-01-02T03:00:00.000Z') }]);
    expect(JSON.parse(coopci('alerts', 'list', '--all', '--json').stdout).map((a: { file: string }) => a.file)).toEqual([old, other]);
    expect(coopci('alerts', 'list', '--all').stdout).toContain('resolved 2026-01-05T03:00:00.000Z by deploy-traefik');
    await resolveAlerts(stateDir, 'dash', 'deploy-dash', '2026-01-05T03:00:00.000Z');
    expect(coopci('alerts', 'list').stdout).toBe('no open alerts\n');
  });
});

describe('coopci proxy deploy --version', () => {
  it('refuses a version that is not a release tag before anything starts (exit 2)', () => {
    const r = coopci('proxy', 'deploy', '--version', '2.0; rm -rf /', '--force');
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toBe('error: --version 2.0; rm -rf / is not a release tag (e.g. 1.2.0+3.1)\nRun "coopci proxy deploy --help" for usage.\n');
  });
});

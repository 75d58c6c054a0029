/**
 * Logs are JSON lines on stderr that a machine can parse and that hold no
 * secrets. Every command leaves one record when it ends (its label, duration
 * and exit status; never its argv, and its output only redacted and at debug
 * level); outside the worker nothing is logged by default, so the CLI stays
 * quiet. The worker logs Temporal's own records (state changes, activity
 * meta) the same way, and still stops on SIGTERM.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startSweep } from '../../client/sweep';
import { makeFixture, REPO } from '../helpers/fixture';
import { endRunningSweep, testClient } from '../helpers/temporal';

const PASSWORD = 'planted-password-9c1e77ab';
const API_KEY = 'planted-api-key-5d2f0b4e';
const ARG = 'planted-argument-a83bc6d1';

type LogRecord = Record<string, unknown> & { level: string; msg: string };

/** Every line must be one JSON object. */
const records = (stderr: string): LogRecord[] =>
  stderr
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LogRecord);

/** The process environment without COOPCI_LOG_LEVEL (a developer's own setting), plus `env`. */
function envWith(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const { COOPCI_LOG_LEVEL: _, ...rest } = process.env;
  return { ...rest, ...env };
}

/**
 * Runs three commands through runCommand in a process of its own, outside any
 * activity (as the CLI and tools do): one that succeeds, one that fails
 * printing secrets (from its env, bare and as KEY=value) with a secret in its
 * argv, one that times out. Returns its stderr.
 */
function runCommandsAt(level: string | undefined): Promise<string> {
  const script = `
    const { runCommand } = await import(${JSON.stringify(path.join(REPO, 'adapters/run-command.ts'))});
    await runCommand('true', [], { timeoutMs: 5000, label: 'git init' });
    const env = { SMTP_PASSWORD: ${JSON.stringify(PASSWORD)}, HOOK_API_KEY: ${JSON.stringify(API_KEY)} };
    const failing = 'echo "login with $SMTP_PASSWORD"; echo "HOOK_API_KEY=$HOOK_API_KEY" >&2; exit 3';
    await runCommand('sh', ['-c', failing, ${JSON.stringify(ARG)}], { env, timeoutMs: 5000, label: 'git fetch' }).catch(() => {});
    await runCommand('sleep', ['5'], { timeoutMs: 200, label: 'abra app deploy' }).catch(() => {});
  `;
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: REPO,
      env: envWith({ COOPCI_LOG_LEVEL: level }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve(stderr) : reject(new Error(`exited ${code}: ${stderr}`))));
  });
}

const noSecrets = (text: string) => {
  for (const s of [PASSWORD, API_KEY, ARG]) expect(text.includes(s), `${s} in the log`).toBe(false);
};

describe('logging', () => {
  afterAll(() => endRunningSweep());

  it('logs each command once when it ends: label, duration, exit status, no secrets', async () => {
    const [quiet, info, debug] = await Promise.all([runCommandsAt(undefined), runCommandsAt('info'), runCommandsAt('debug')]);

    // Outside the worker the default level is warn: a CLI user sees no records.
    expect(quiet).toBe('');

    const ended = records(info);
    expect(ended).toEqual([
      expect.objectContaining({ level: 'info', msg: 'git init: exited 0', command: 'git init', exitCode: 0, durationMs: expect.any(Number) }),
      expect.objectContaining({ level: 'info', msg: 'git fetch: exited 3', command: 'git fetch', exitCode: 3, durationMs: expect.any(Number) }),
      expect.objectContaining({
        level: 'info',
        msg: 'abra app deploy: timed out',
        command: 'abra app deploy',
        stopped: 'timed out',
        durationMs: expect.any(Number),
      }),
    ]);
    expect(ended[2]!.durationMs).toBeGreaterThanOrEqual(200);
    expect(ended.some((r) => 'output' in r)).toBe(false);
    noSecrets(info);

    // At debug, the redacted tail of the output too (so the check below has teeth: the output is there, scrubbed).
    const fetchOutput = records(debug).find((r) => r.level === 'debug' && r.command === 'git fetch');
    expect(fetchOutput?.output).toBe('HOOK_API_KEY=[redacted]\nlogin with [redacted]');
    noSecrets(debug);
  }, 20_000);

  it('the worker logs JSON lines, with activity meta on command records, and stops on SIGTERM', async () => {
    const f = await makeFixture('logging', [{ name: 'gone' }]); // an upstream that does not exist: mirror-sync fails, no deploy
    const worker = spawn(process.execPath, [path.join(REPO, 'bin/coopci.mjs'), 'worker', '--config', f.configFile], {
      env: envWith({ COOPCI_WORKFLOW_BUNDLE: inject('workflowBundlePath'), ABRA_LEDGER: f.ledger }),
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    let stderr = '';
    worker.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => worker.on('exit', resolve));
    // The complete lines so far, parsed: a line that is not JSON fails the test here.
    const logged = () => records(stderr.slice(0, stderr.lastIndexOf('\n') + 1));
    try {
      const deadline = Date.now() + 15_000;
      while (!logged().some((r) => r.msg === 'Worker state changed' && r.state === 'RUNNING')) {
        if (worker.exitCode !== null) expect.fail(`worker exited ${worker.exitCode}: ${stderr}`);
        if (Date.now() > deadline) expect.fail(`worker not running after 15 s: ${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(logged()).toContainEqual(
        expect.objectContaining({
          level: 'info',
          msg: `coopci worker: task queue "${f.taskQueue}", config ${f.configFile}, abra 0.11.0-beta-local`,
          taskQueue: f.taskQueue,
        }),
      );

      const handle = await startSweep(await testClient(), f.loaded.config);
      const result = await handle.result();
      expect(result.results[0]).toMatchObject({ recipe: 'gone', label: 'FAILED' });
      const activity = { workflowId: `${handle.workflowId}/gone`, activityType: 'syncRecipe', taskQueue: f.taskQueue };
      const expected = expect.arrayContaining([
        expect.objectContaining({ msg: 'git init: exited 0', exitCode: 0, durationMs: expect.any(Number), ...activity }),
        expect.objectContaining({ msg: 'git ls-remote: exited 128', exitCode: 128, durationMs: expect.any(Number), ...activity }),
      ]);
      // The sweep's result can arrive before the worker's last lines have come through its stderr pipe.
      const hasLines = () => {
        try {
          expect(logged()).toEqual(expected);
          return true;
        } catch {
          return false;
        }
      };
      const settled = Date.now() + 5_000;
      while (!hasLines() && Date.now() < settled) await new Promise((r) => setTimeout(r, 100));
      expect(logged()).toEqual(expected);
    } finally {
      worker.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    const all = records(stderr);
    expect(all.at(-1)).toMatchObject({ msg: 'Worker state changed', state: 'STOPPED' });
  }, 30_000);
});

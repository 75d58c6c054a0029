/**
 * Commands are bounded and leave nothing behind: a timeout or a cancelled
 * activity stops the program's whole process group, so a grandchild (abra's
 * own `docker …` calls) cannot finish its work after the teardown.
 */
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CommandError, runCommand } from '../../adapters/run-command';

// The program under test starts a grandchild that writes a file later, like a deploy's in-flight `docker secret create`.
const lateWriter = (dir: string) => ['-c', `(sleep 1.5; echo late > ${dir}/late) & echo $! > ${dir}/grandchild; wait`];
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('runCommand', () => {
  it('returns the output of a program that succeeds', async () => {
    expect((await runCommand('printf', ['%s', 'hello world'], { timeoutMs: 5_000 })).stdout).toBe('hello world');
  });

  it("passes the command an allow-listed environment, never the worker's secrets", async () => {
    process.env.TEMPORAL_API_KEY = 'tk-planted-0123456789';
    try {
      const { stdout } = await runCommand('sh', ['-c', 'printf "%s|%s|%s" "$TEMPORAL_API_KEY" "$ABRA_DIR" "$PATH"'], {
        env: { ABRA_DIR: '/a' },
        timeoutMs: 5_000,
      });
      expect(stdout).toBe(`|/a|${process.env.PATH}`);
    } finally {
      delete process.env.TEMPORAL_API_KEY;
    }
  });

  it('names the key line of a failure', async () => {
    const e = await runCommand('sh', ['-c', 'echo progress; echo "fatal: no such ref" >&2; exit 3'], { timeoutMs: 5_000, label: 'git fetch' }).catch((x) => x);
    expect(e).toBeInstanceOf(CommandError);
    expect(e.message).toMatch(/^git fetch: exited 3: fatal: no such ref\n/);
    expect(e.exitCode).toBe(3);
  });

  it('on timeout stops the whole process group, grandchildren included', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'runcmd-'));
    const e = await runCommand('sh', lateWriter(dir), { timeoutMs: 500, label: 'abra app deploy' }).catch((x) => x);
    expect(e).toMatchObject({ timedOut: true, message: expect.stringMatching(/^abra app deploy: timed out after 1s/) });
    const grandchild = Number(await readFile(path.join(dir, 'grandchild'), 'utf8'));
    expect(alive(grandchild)).toBe(false);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(existsSync(path.join(dir, 'late'))).toBe(false);
  });

  it('on activity cancellation stops the whole process group before returning', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'runcmd-'));
    const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('WARN') });
    const running = env
      .run(() => runCommand('sh', lateWriter(dir), { timeoutMs: 60_000, label: 'abra app upgrade' }))
      .then(
        () => new Error('not cancelled'),
        (x: Error) => x,
      );
    await new Promise((r) => setTimeout(r, 300));
    env.cancel();
    const e = await running;
    // A cancellation, not a failure: the workflow sees the step stopped, not broken.
    expect(e).toBeInstanceOf(CancelledFailure);
    expect(e.message).toBe('abra app upgrade: cancelled');
    expect(alive(Number(await readFile(path.join(dir, 'grandchild'), 'utf8')))).toBe(false);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(existsSync(path.join(dir, 'late'))).toBe(false);
  });

  it('starts nothing once its activity is cancelled', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'runcmd-'));
    const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('WARN') });
    const e = await env
      .run(async () => {
        env.cancel();
        await new Promise((r) => setTimeout(r, 50)); // the cancellation lands
        return runCommand('sh', ['-c', `echo started > ${dir}/started`], { timeoutMs: 5_000, label: 'abra app new' });
      })
      .then(
        () => new Error('ran'),
        (x: Error) => x,
      );
    expect(e).toBeInstanceOf(CancelledFailure);
    expect(e.message).toBe('abra app new: cancelled');
    await new Promise((r) => setTimeout(r, 300));
    expect(existsSync(path.join(dir, 'started'))).toBe(false);
  });
});

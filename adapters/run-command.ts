import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import { execa } from 'execa';
import { commandEnv } from '../domain/command-env';
import { secretValuesOf, tail } from '../domain/redact';
import { log, logsCommandOutput } from './log';
import { recordStep } from './timing';

export class CommandError extends Error {
  override name = 'CommandError';
  constructor(
    message: string,
    readonly exitCode: number | undefined,
    readonly timedOut: boolean,
  ) {
    super(message);
  }
}

export interface RunOptions {
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs: number;
  /** Shown in errors instead of the full argv, and the command's name in the log (which never shows its argv). */
  label?: string;
  /** The output may hold secrets no pattern can recognise (abra prints generated secrets): never put it in an error. */
  sensitiveOutput?: boolean;
}

/**
 * Runs one program with an argv (never through a shell), bounded by a
 * timeout, stopped when the calling activity is cancelled, and heartbeating
 * while it runs so a dead worker is noticed quickly.
 *
 * The program runs in a process group of its own, and stopping it stops the
 * whole group and waits until every member is gone: a killed abra must not
 * leave a `docker secret create` behind that lands after the teardown.
 */
export async function runCommand(file: string, args: readonly string[], opts: RunOptions): Promise<{ stdout: string; stderr: string }> {
  const ctx = activityContext();
  const what = opts.label ?? `${file} ${args.slice(0, 3).join(' ')}`;
  // A cancelled step starts nothing: even a moment of `abra app new` leaves files behind.
  if (ctx?.cancellationSignal.aborted) throw new CancelledFailure(`${what}: cancelled`);
  const beat = ctx ? setInterval(() => ctx.heartbeat(), 2_000) : undefined;
  const startedAt = performance.now();
  const child = execa(file, args, {
    env: commandEnv(process.env, opts.env),
    extendEnv: false,
    cwd: opts.cwd,
    detached: true,
    stdin: 'ignore',
    reject: false,
    all: false,
    maxBuffer: 16 * 1024 * 1024,
  });
  let stopped: 'timed out' | 'cancelled' | null = null;
  let forceKill: NodeJS.Timeout | undefined;
  const stop = (why: 'timed out' | 'cancelled') => {
    if (stopped) return;
    stopped = why;
    signalGroup(child.pid, 'SIGTERM');
    forceKill = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), FORCE_KILL_AFTER_MS);
  };
  const timer = setTimeout(() => stop('timed out'), opts.timeoutMs);
  const onCancel = () => stop('cancelled');
  ctx?.cancellationSignal.addEventListener('abort', onCancel);
  try {
    const r = await child;
    if (stopped) await reapGroup(child.pid);
    const durationMs = Math.round(performance.now() - startedAt);
    const secrets = secretValuesOf({ ...process.env, ...opts.env });
    // One record per command (its label: argv values may carry secrets or generated names); inside an
    // activity, the activity's logger adds the workflow and activity ids. The output may hold secrets no
    // pattern recognises: only its redacted tail, and only at debug level.
    const logger = ctx?.log ?? log();
    const command = opts.label ?? file;
    if (!opts.sensitiveOutput && logsCommandOutput())
      logger.debug(`${command}: output`, { command, output: tail(`${r.stderr ?? ''}\n${r.stdout ?? ''}`, { secrets }) });
    const ended = stopped ?? (r.exitCode !== undefined ? `exited ${r.exitCode}` : r.signal ? `killed by ${r.signal}` : 'could not start');
    logger.info(`${command}: ${ended}`, { command, durationMs, exitCode: r.exitCode, ...(stopped ? { stopped } : {}) });
    // Reported as a cancellation, not a failure: the workflow then knows the step was stopped, not broken.
    if (stopped === 'cancelled') throw new CancelledFailure(`${what}: cancelled`);
    if (r.failed || stopped) {
      const why =
        stopped === 'timed out'
          ? `timed out after ${Math.round(opts.timeoutMs / 1000)}s`
          : r.exitCode !== undefined
            ? `exited ${r.exitCode}`
            : (r.originalMessage ?? r.shortMessage);
      const out = opts.sensitiveOutput ? '' : tail(`${r.stderr ?? ''}\n${r.stdout ?? ''}`, { secrets });
      // The error line is usually on stderr, which a flood on stdout would push out of the tail.
      const headline = opts.sensitiveOutput
        ? `output withheld (it may show generated secrets); run "abra" by hand on the server to see it`
        : keyLine(tail(r.stderr ?? '', { lines: 50, secrets }), true) || keyLine(out);
      throw new CommandError(`${what}: ${why}${headline ? `: ${headline}` : ''}${out ? `\n${out}` : ''}`, r.exitCode, stopped === 'timed out');
    }
    return { stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  } finally {
    // Every command, failed, stopped or not, is accounted for in the caller's step ledger (adapters/timing).
    recordStep('command', opts.label ?? file, performance.now() - startedAt);
    clearTimeout(timer);
    clearTimeout(forceKill);
    ctx?.cancellationSignal.removeEventListener('abort', onCancel);
    if (beat) clearInterval(beat);
  }
}

const FORCE_KILL_AFTER_MS = 5_000;

function signalGroup(pid: number | undefined, signal: NodeJS.Signals | 0): boolean {
  if (!pid) return false;
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is gone
  }
}

/** After a stop: SIGKILL what is left of the group and wait until it is empty. */
async function reapGroup(pid: number | undefined): Promise<void> {
  signalGroup(pid, 'SIGKILL');
  for (let i = 0; i < 100 && signalGroup(pid, 0); i++) await new Promise((r) => setTimeout(r, 50));
}

/** The line that says what went wrong (git's "fatal:", abra's "FATA"), else (unless `onlyErrors`) the last one. */
function keyLine(out: string, onlyErrors = false): string {
  const lines = out
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const error = lines.find((l) => /^(fatal|error|FATA|ERRO)\b/i.test(l));
  return (error ?? (onlyErrors ? '' : (lines.at(-1) ?? ''))).slice(0, 300);
}

function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

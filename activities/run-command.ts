import { Context } from '@temporalio/activity';
import { execa } from 'execa';
import { tail } from '../domain/redact';

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
  /** Shown in errors instead of the full argv. */
  label?: string;
}

/**
 * Runs one program with an argv (never through a shell), bounded by a
 * timeout, killed when the calling activity is cancelled, and heartbeating
 * while it runs so a dead worker is noticed quickly.
 */
export async function runCommand(file: string, args: readonly string[], opts: RunOptions): Promise<{ stdout: string; stderr: string }> {
  const ctx = activityContext();
  const beat = ctx ? setInterval(() => ctx.heartbeat(), 2_000) : undefined;
  try {
    const r = await execa(file, args, {
      env: opts.env,
      cwd: opts.cwd,
      timeout: opts.timeoutMs,
      cancelSignal: ctx?.cancellationSignal,
      forceKillAfterDelay: 5_000,
      stdin: 'ignore',
      reject: false,
      all: false,
      maxBuffer: 16 * 1024 * 1024,
    });
    if (r.failed) {
      const what = opts.label ?? `${file} ${args.slice(0, 3).join(' ')}`;
      const why = r.timedOut
        ? `timed out after ${Math.round(opts.timeoutMs / 1000)}s`
        : r.isCanceled
          ? 'cancelled'
          : r.exitCode !== undefined
            ? `exited ${r.exitCode}`
            : (r.originalMessage ?? r.shortMessage);
      const out = tail(`${r.stderr ?? ''}\n${r.stdout ?? ''}`);
      const headline = keyLine(out);
      throw new CommandError(`${what}: ${why}${headline ? `: ${headline}` : ''}${out ? `\n${out}` : ''}`, r.exitCode, Boolean(r.timedOut));
    }
    return { stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  } finally {
    if (beat) clearInterval(beat);
  }
}

/** The line that says what went wrong (git's "fatal:", abra's "FATA"), else the last one. */
function keyLine(out: string): string {
  const lines = out.split('\n').map((l) => l.trim()).filter(Boolean);
  return (lines.find((l) => /^(fatal|error|FATA|ERRO)\b/i.test(l)) ?? lines.at(-1) ?? '').slice(0, 300);
}

function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

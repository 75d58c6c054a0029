import { AsyncLocalStorage } from 'node:async_hooks';
import { Context } from '@temporalio/activity';
import { aggregateSteps, stepLabel, type Step, type StepKind, type StepRecord } from '../domain/timing';
import { log } from './log';

/**
 * The step ledger: every command (adapters/run-command) and every wait
 * (Swarm convergence, the health gate: adapters/apps) records its duration
 * into the ledger of the code that runs it, when there is one. Async local
 * storage, so a ledger follows its own activity through every await and two
 * activities running at once in one worker never mix their steps.
 */
const ledger = new AsyncLocalStorage<StepRecord[]>();

/** Runs `fn` with a ledger of its own; returns its result and the steps it recorded. A throw passes through (steps dropped). */
export async function withSteps<T>(fn: () => Promise<T>): Promise<{ result: T; steps: StepRecord[] }> {
  const steps: StepRecord[] = [];
  const result = await ledger.run(steps, fn);
  return { result, steps };
}

/** Records one step into the current ledger; nothing happens outside one. `what` is reduced to a label (stepLabel). */
export function recordStep(kind: StepKind, what: string, ms: number): void {
  ledger.getStore()?.push({ kind, what: stepLabel(what), ms: Math.max(0, Math.round(ms)) });
}

/**
 * A wait: recorded, and logged with its duration (commands log themselves in
 * run-command), so the worker's log accounts for every wait as well.
 * `detectMs` is the convergence detection latency (domain/timing
 * detectionLatency), when known.
 */
export function recordWait(what: string, ms: number, extra: { detectMs?: number | null; outcome?: string } = {}): void {
  recordStep('wait', what, ms);
  const meta = {
    wait: stepLabel(what),
    durationMs: Math.round(ms),
    ...(extra.detectMs != null ? { detectMs: Math.round(extra.detectMs) } : {}),
    ...(extra.outcome ? { outcome: extra.outcome } : {}),
  };
  const logger = activityLog() ?? log();
  logger.info(`${meta.wait}: waited ${meta.durationMs} ms`, meta);
}

/**
 * Wraps an activity returning a result with a `durationMs` (a TierResult) so
 * the result carries the steps it spent its time in, merged and bounded
 * (domain/timing aggregateSteps). No steps: the result is unchanged.
 */
export function withStepsOnResult<A extends unknown[], R extends object>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R & { steps?: Step[] }> {
  return async (...args: A) => {
    const { result, steps } = await withSteps(() => fn(...args));
    return steps.length ? { ...result, steps: aggregateSteps(steps) } : result;
  };
}

function activityLog() {
  try {
    return Context.current().log;
  } catch {
    return undefined; // not inside an activity
  }
}

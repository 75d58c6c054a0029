import { shortReason } from './short-reason';
import type { Alert, Rejection } from './warm-records';

/** What a warm app's health gate concluded (a failed deploy counts as an unhealthy gate). */
export interface GateOutcome {
  healthy: boolean;
  attempts: number;
  elapsedMs: number;
  /** What the last probe saw, or why the deploy failed. */
  last: string;
}

/** The gate's verdict on the new version, or an operator's abort before it ended. */
export type WarmVerdict = { kind: 'gated'; gate: GateOutcome } | { kind: 'aborted'; reason: string };

/** SKIPPED: nothing new was deployed (the release was rejected before, or another deploy of the app held it too long). */
export type WarmOutcome = 'HEALTHY' | 'ROLLED_BACK' | 'FAILED' | 'SKIPPED';

/** How a warm deploy ends: the outcome, the last-good version after it, and the alert to raise (if any) with the app's state. */
export interface WarmConclusion {
  outcome: WarmOutcome;
  lastGood: string | null;
  alert: { reason: Alert['reason']; state: string } | null;
  reason: string;
}

export type WarmNext = { next: 'conclude'; conclusion: WarmConclusion } | { next: 'roll-back'; to: string };

interface Deploy {
  app: string;
  version: string;
  lastGood: string | null;
}

const secs = (ms: number) => Math.round(ms / 1000);

/**
 * The rollback tree, first half: healthy → record last-good; unhealthy (or
 * aborted) → roll back to last-good when there is an older one; otherwise
 * stop where it is. An operator's abort is not an unhealthy app: no alert.
 */
export function afterGate(d: Deploy, verdict: WarmVerdict): WarmNext {
  if (verdict.kind === 'gated' && verdict.gate.healthy) {
    const { attempts, elapsedMs } = verdict.gate;
    return {
      next: 'conclude',
      conclusion: { outcome: 'HEALTHY', lastGood: d.version, alert: null, reason: `healthy after ${attempts} probes (${secs(elapsedMs)}s)` },
    };
  }
  const alerting = verdict.kind === 'gated';
  if (!d.lastGood) {
    const state = `${d.app} left at ${d.version}, unhealthy; no last-good version to roll back to`;
    return stop(d, verdict, null, alerting ? 'unhealthy-no-last-good' : null, state);
  }
  if (d.lastGood === d.version) {
    const state = `${d.app} at its last-good version ${d.version}, which is now unhealthy`;
    return stop(d, verdict, d.lastGood, alerting ? 'unhealthy-on-last-good' : null, state);
  }
  return { next: 'roll-back', to: d.lastGood };
}

/** The rollback tree, second half: the last-good version was deployed again and gated. */
export function afterRollback(d: Deploy & { lastGood: string }, verdict: WarmVerdict, again: GateOutcome): WarmConclusion {
  if (!again.healthy) {
    const state = `${d.app} rolled back to ${d.lastGood}, which is unhealthy too (${again.last})`;
    // Whatever started it, an app unhealthy on its last-good version needs a person.
    return { outcome: 'FAILED', lastGood: d.lastGood, alert: { reason: 'unhealthy-after-rollback', state }, reason: `${why(d, verdict)}; ${state}` };
  }
  const state = `${d.app} serving last-good ${d.lastGood} again`;
  const alert = verdict.kind === 'gated' ? { reason: 'unhealthy-on-latest' as const, state } : null;
  return { outcome: 'ROLLED_BACK', lastGood: d.lastGood, alert, reason: `${why(d, verdict)}; ${state}` };
}

/**
 * The rollback itself failed (abra refused, a timeout): nobody knows which
 * version runs now, so a person must look, and the alert says what to do.
 */
export function rollbackFailed(d: Deploy & { lastGood: string }, verdict: WarmVerdict, error: string): WarmConclusion {
  const state =
    `${d.app}: the rollback to ${d.lastGood} failed (${error}); it may run ${d.version}, ${d.lastGood} or neither. ` +
    `Check it with "abra app ps" and deploy ${d.lastGood} by hand, or run "coopci proxy deploy" once the cause is fixed`;
  return { outcome: 'FAILED', lastGood: d.lastGood, alert: { reason: 'rollback-failed', state }, reason: `${why(d, verdict)}; ${state}` };
}

/** A gate that could not run to its end (timed out, lost its worker, crashed) says nothing healthy: it counts as unhealthy. */
export function gateError(error: string): GateOutcome {
  return { healthy: false, attempts: 0, elapsedMs: 0, last: `health gate failed: ${error}` };
}

function stop(d: Deploy, verdict: WarmVerdict, lastGood: string | null, alert: Alert['reason'] | null, state: string): WarmNext {
  return { next: 'conclude', conclusion: { outcome: 'FAILED', lastGood, alert: alert && { reason: alert, state }, reason: `${why(d, verdict)}; ${state}` } };
}

function why(d: Deploy, verdict: WarmVerdict): string {
  return verdict.kind === 'gated' ? `unhealthy on ${d.version}: ${verdict.gate.last} after ${secs(verdict.gate.elapsedMs)}s` : `aborted: ${verdict.reason}`;
}

/** What an operator asked for: a release (default: the latest), and whether to deploy it even if it was rejected. */
export interface ReleaseRequest {
  version?: string;
  force?: boolean;
}

/** The release to deploy, and the rejection that stops it (null: deploy it). A newer release is never rejected by an older one's record. */
export function chooseRelease(latest: string, req: ReleaseRequest, rejected: readonly Rejection[]): { version: string; rejection: Rejection | null } {
  const version = req.version ?? latest;
  return { version, rejection: req.force ? null : (rejected.find((r) => r.version === version) ?? null) };
}

/** Why a rejected release was skipped, and how to deploy it anyway (`command` deploys this app). */
export function rejectedReason(rejection: Rejection, command: string): string {
  const { version, ts, why } = rejection;
  return `${version} was rejected on ${ts.slice(0, 10)} (${why}); deploy it anyway with "${command} --version ${version} --force"`;
}

/**
 * A skipped release leaves the app on its last-good version, which was
 * deployed (a no-op when it runs) and gated instead: healthy there is
 * SKIPPED, with no alert; unhealthy there is what the gate said. With no
 * last-good version (`c` null) nothing was deployed at all.
 */
export function afterSkip(app: string, lastGood: string | null, skipped: string, c: WarmConclusion | null): WarmConclusion {
  if (!c) return { outcome: 'SKIPPED', lastGood, alert: null, reason: `${skipped}; no last-good version of ${app} to serve instead` };
  if (c.outcome === 'HEALTHY') return { outcome: 'SKIPPED', lastGood, alert: null, reason: `${skipped}; ${app} serving last-good ${lastGood}` };
  return { ...c, reason: `${skipped}; ${c.reason}` };
}

/**
 * Why a release is remembered as rejected, or null: it failed its gate (a
 * failed deploy counts) and was not the last-good version already. An
 * operator's abort rejects nothing.
 */
export function rejectionOf(d: Deploy, verdict: WarmVerdict, c: WarmConclusion): string | null {
  if (verdict.kind !== 'gated' || verdict.gate.healthy || d.version === d.lastGood) return null;
  return shortReason(`${verdict.gate.last}; ${c.outcome}`, 200);
}

/**
 * How converge's blocking rule reads a deploy: a release skipped as rejected,
 * with its last-good version serving, is up like a rolled-back one.
 */
export function convergeOutcome(r: { outcome: WarmOutcome; lastGood: string | null }): WarmOutcome {
  return r.outcome === 'SKIPPED' && r.lastGood !== null ? 'ROLLED_BACK' : r.outcome;
}

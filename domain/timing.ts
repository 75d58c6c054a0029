/**
 * Where a step's time went: the commands it ran and the waits it sat in
 * (Swarm convergence, the health gate), recorded by adapters/timing.ts, and
 * the rest (orchestration: Temporal, the Docker API, coopci's own code).
 * Pure: aggregation and shares only.
 */

export type StepKind = 'command' | 'wait';

/** One recorded command or wait. */
export interface StepRecord {
  kind: StepKind;
  /** The command's label or the wait's name, never argv values (see stepLabel). */
  what: string;
  ms: number;
}

/** Steps of one kind and label, merged: what a TierResult carries. */
export interface Step extends StepRecord {
  /** How many steps were merged into this one (absent: one). */
  n?: number;
}

/** At most this many steps per tier in a result; the smallest are merged (payloads stay small). */
export const MAX_STEPS = 12;
const MAX_LABEL = 60;

/**
 * A step's label from a command's label or program: its leading words only
 * (`abra app deploy hello_ci_test` → `abra app deploy`), since what follows
 * may be a domain, a path or a value that must not travel; a program path
 * becomes its base name. Bounded in length.
 */
export function stepLabel(label: string): string {
  const words = label.trim().split(/\s+/);
  const first = (words[0] ?? '').split('/').pop() || 'command';
  const kept = [first];
  for (const w of words.slice(1)) {
    if (!/^[a-z][a-z0-9-]*$/.test(w)) break;
    kept.push(w);
  }
  return kept.join(' ').slice(0, MAX_LABEL);
}

/**
 * Merges steps of the same kind and label (durations summed, counted),
 * largest first; beyond `max`, the smallest are merged into one
 * "other commands" / "other waits" step per kind, so nothing is lost from
 * the sums.
 */
export function aggregateSteps(records: readonly StepRecord[], max = MAX_STEPS): Step[] {
  const merged = new Map<string, Step>();
  for (const r of records) {
    const key = `${r.kind}\u0000${r.what}`;
    const m = merged.get(key);
    if (m) {
      m.ms += r.ms;
      m.n = (m.n ?? 1) + 1;
    } else merged.set(key, { kind: r.kind, what: r.what, ms: r.ms });
  }
  const all = [...merged.values()].map((s) => ({ ...s, ms: Math.round(s.ms) })).sort(largestFirst);
  if (all.length <= max) return all;
  const kept = all.slice(0, Math.max(0, max - 2));
  const rest = all.slice(kept.length);
  for (const kind of ['command', 'wait'] as const) {
    const of = rest.filter((s) => s.kind === kind);
    if (of.length === 0) continue;
    kept.push({ kind, what: `other ${kind}s`, ms: of.reduce((t, s) => t + s.ms, 0), n: of.reduce((t, s) => t + (s.n ?? 1), 0) });
  }
  return kept.sort(largestFirst);
}

function largestFirst(a: Step, b: Step): number {
  return b.ms - a.ms || a.what.localeCompare(b.what);
}

export interface TimeSplit {
  durationMs: number;
  commandsMs: number;
  waitsMs: number;
  /** durationMs - commands - waits (never negative): orchestration and coopci's own work. */
  restMs: number;
}

/** How a span of `durationMs` splits into commands, waits and the rest. */
export function splitTime(durationMs: number, steps: readonly StepRecord[]): TimeSplit {
  const sum = (kind: StepKind) => steps.filter((s) => s.kind === kind).reduce((t, s) => t + s.ms, 0);
  const commandsMs = sum('command');
  const waitsMs = sum('wait');
  return { durationMs, commandsMs, waitsMs, restMs: Math.max(0, durationMs - commandsMs - waitsMs) };
}

/** (wall - commands - waits) / wall: the orchestration share, 0 for an empty span. */
export function orchestrationShare(t: Pick<TimeSplit, 'durationMs' | 'restMs'>): number {
  return t.durationMs > 0 ? t.restMs / t.durationMs : 0;
}

/**
 * Convergence detection latency: from the moment the last of the app's tasks
 * reported running (Swarm's task Status.Timestamp) to when coopci saw the
 * app converged. Null when no task timestamp is known. It includes the
 * stability window (domain/convergence STABLE_RUNNING_MS) on purpose: that is
 * time coopci waits after Swarm says running.
 */
export function detectionLatency(runningSince: readonly (string | undefined)[], seenAtMs: number): number | null {
  const times = runningSince.map((t) => (t ? Date.parse(t) : NaN)).filter((t) => Number.isFinite(t));
  if (times.length === 0) return null;
  return Math.max(0, seenAtMs - Math.max(...times));
}

/** Median and maximum of a sample (nulls when empty). */
export function medianMax(values: readonly number[]): { median: number | null; max: number | null } {
  if (values.length === 0) return { median: null, max: null };
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return { median: v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2, max: v.at(-1)! };
}

/** One tier's time, split, with its steps largest first: a row of the report's "where the time went". */
export interface TierTime extends TimeSplit {
  tier: string;
  steps: Step[];
}

/** Per tier that recorded steps: its split and its largest steps first; tiers without steps (n/a, older results) are left out. */
export function whereTimeWent(tiers: readonly { tier: string; durationMs: number; steps?: readonly Step[] }[]): TierTime[] {
  return tiers
    .filter((t) => t.steps && t.steps.length > 0)
    .map((t) => ({ tier: t.tier, ...splitTime(t.durationMs, t.steps!), steps: [...t.steps!].sort(largestFirst) }));
}

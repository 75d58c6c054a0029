import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Label, RecipeResult, SweepResult, TierResult } from '../contract/types';
import { formatBytes } from '../domain/size';
import { orchestrationShare, whereTimeWent, type TierTime } from '../domain/timing';
import { writeJsonAtomic } from './json-store';
import { paths } from './paths';

/** What `coopci report` prints and every sweep leaves in its run directory. */
export interface SweepReport {
  sweepId: string;
  ui: string | null;
  aborted: boolean;
  abortReason?: string;
  configDigest: string;
  counts: Record<Label, number>;
  recipes: {
    recipe: string;
    label: Label;
    reason: string;
    version: string | null;
    canonical: { before: string | null; after: string | null };
    /** The canonical's volumes after its promote, when it was promoted (bytes). */
    canonicalBytes?: number;
    tiers: TierResult[];
    /** Where the time went, per tier that recorded its commands and waits (domain/timing whereTimeWent). */
    time?: TierTime[];
    durationMs: number;
    workflowId: string;
    ui: string | null;
  }[];
}

/**
 * The report of a finished sweep. `uiWorkflows` is the Web UI's workflow list
 * URL for the namespace (a workflow's page is that plus its id); null when
 * unknown, e.g. for sweeps recorded before the runs carried it.
 */
export function buildSweepReport(r: SweepResult, uiWorkflows: string | null | undefined): SweepReport {
  const ui = (id: string) => (uiWorkflows ? uiWorkflows + encodeURIComponent(id) : null);
  const counts: Record<Label, number> = { PROMOTED: 0, GREEN_BUT_PROMOTE_FAILED: 0, FAILED: 0, SKIPPED: 0, TESTED: 0 };
  for (const x of r.results) counts[x.label]++;
  return {
    sweepId: r.sweepId,
    ui: ui(r.sweepId),
    aborted: r.aborted,
    ...(r.abortReason ? { abortReason: r.abortReason } : {}),
    configDigest: r.configDigest,
    counts,
    recipes: r.results.map((x) => ({
      recipe: x.recipe,
      label: x.label,
      reason: x.reason,
      // An on-demand run tested a ref: which one, at which commit, and how.
      version: x.ref ? `${x.ref.name}@${x.ref.commit.slice(0, 8)}${x.ref.quick ? ' (quick)' : ''}` : x.version,
      canonical: x.canonical,
      ...(x.canonicalBytes !== undefined ? { canonicalBytes: x.canonicalBytes } : {}),
      tiers: x.tiers,
      ...(whereTimeWent(x.tiers).length ? { time: whereTimeWent(x.tiers) } : {}),
      durationMs: Date.parse(x.endedAt) - Date.parse(x.startedAt),
      workflowId: x.workflowId,
      ui: ui(x.workflowId),
    })),
  };
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');
const link = (text: string, url: string | null) => (url ? `[${text}](${url})` : text);

/** A human summary of a sweep, one row per recipe. */
export function renderMarkdownReport(r: SweepReport): string {
  const summary = Object.entries(r.counts)
    .filter(([, n]) => n > 0)
    .map(([label, n]) => `${n} ${label}`)
    .join(', ');
  return [
    `# Sweep ${link(r.sweepId, r.ui)}`,
    '',
    ...(r.aborted ? [`**Aborted:** ${cell(r.abortReason ?? '')}`, ''] : []),
    `${r.recipes.length} recipe(s): ${summary || 'none'}. Config digest \`${r.configDigest.slice(0, 12)}\`.`,
    '',
    '| recipe | label | version | canonical before → after | tiers | time | reason |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...r.recipes.map(
      (x) =>
        `| ${link(x.recipe, x.ui)} | ${x.label} | ${x.version ?? '—'} | ${x.canonical.before ?? 'none'} → ${x.canonical.after ?? 'none'}${
          x.canonicalBytes !== undefined ? ` (${formatBytes(x.canonicalBytes)})` : ''
        } | ${x.tiers.map(tierCell).join(', ') || '—'} | ${secs(x.durationMs)} | ${cell(x.reason)} |`,
    ),
    '',
    ...timeSection(r),
  ].join('\n');
}

/**
 * "Where the time went": per recipe and tier, the sum of its commands, of its
 * waits (convergence, health gate) and the rest (orchestration and coopci's
 * own work), then its largest steps first. Empty when no tier recorded steps.
 */
function timeSection(r: SweepReport): string[] {
  const withTime = r.recipes.filter((x) => x.time?.length);
  if (withTime.length === 0) return [];
  const pct = (t: TierTime) => `${Math.round(orchestrationShare(t) * 100)}%`;
  const step = (s: TierTime['steps'][number]) => `${cell(s.what)}${s.n ? ` ×${s.n}` : ''} ${secs(s.ms)}`;
  return [
    '## Where the time went',
    '',
    '| recipe | tier | time | commands | waits | rest | largest steps |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...withTime.flatMap((x) =>
      x.time!.map(
        (t) =>
          `| ${x.recipe} | ${t.tier} | ${secs(t.durationMs)} | ${secs(t.commandsMs)} | ${secs(t.waitsMs)} | ${secs(t.restMs)} (${pct(t)}) | ${t.steps
            .slice(0, 5)
            .map(step)
            .join(', ')} |`,
      ),
    ),
    '',
  ];
}

/** report.json and report.md in the sweep's run directory; returns the markdown path. */
export async function writeSweepReport(stateDir: string, result: SweepResult, uiWorkflows: string | undefined): Promise<string> {
  const dir = paths.runDir(stateDir, result.sweepId);
  await mkdir(dir, { recursive: true });
  const report = buildSweepReport(result, uiWorkflows);
  await writeJsonAtomic(path.join(dir, 'report.json'), report);
  const md = path.join(dir, 'report.md');
  await writeFile(md, renderMarkdownReport(report));
  return md;
}

/** "upgrade: n/a (expected n/a: …)", "custom: pass flaky×1 (12.0s)": what an operator needs from one tier at a glance. */
function tierCell(t: TierResult): string {
  if (t.status === 'n/a') return `${t.tier}: n/a${t.reason ? ` (${cell(t.reason)})` : ''}`;
  return `${t.tier}: ${t.status}${t.flaky ? ` flaky×${t.flaky}` : ''} (${secs(t.durationMs)})`;
}

/** The recipe's newest result in the run directories (a sweep's or an on-demand run's), or null. */
export async function lastResult(stateDir: string, recipe: string): Promise<RecipeResult | null> {
  const runs = await readdir(path.join(stateDir, 'runs')).catch(() => [] as string[]);
  let newest: RecipeResult | null = null;
  for (const run of runs) {
    const text = await readFile(path.join(stateDir, 'runs', run, recipe, 'result.json'), 'utf8').catch(() => null);
    const r = text ? (JSON.parse(text) as RecipeResult) : null;
    if (r && (!newest || r.endedAt > newest.endedAt)) newest = r;
  }
  return newest;
}

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Label, SweepResult, TierResult } from '../contract/types';
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
    tiers: TierResult[];
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
  const counts: Record<Label, number> = { PROMOTED: 0, GREEN_BUT_PROMOTE_FAILED: 0, FAILED: 0, SKIPPED: 0 };
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
      version: x.version,
      canonical: x.canonical,
      tiers: x.tiers,
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
        `| ${link(x.recipe, x.ui)} | ${x.label} | ${x.version ?? '—'} | ${x.canonical.before ?? 'none'} → ${x.canonical.after ?? 'none'} | ${
          x.tiers.map(tierCell).join(', ') || '—'
        } | ${secs(x.durationMs)} | ${cell(x.reason)} |`,
    ),
    '',
  ].join('\n');
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

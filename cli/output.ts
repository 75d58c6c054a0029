import type { SweepResult, SweepStatus } from '../contract/types';

const since = (a?: string, b?: string) => (a ? `${Math.round(((b ? Date.parse(b) : Date.now()) - Date.parse(a)) / 1000)}s` : '');

export function formatStatus(s: SweepStatus, link: string): string {
  const rows = s.recipes.map((r) => [r.recipe, r.label ?? r.phase, r.version ?? '', since(r.startedAt, r.endedAt), r.reason ?? '']);
  return [
    `${s.sweepId}: ${s.state}${s.abortReason ? ` (abort: ${s.abortReason})` : ''}`,
    table(['RECIPE', 'STATE', 'VERSION', 'TIME', 'REASON'], rows),
    link,
  ].join('\n');
}

export function printResults(r: SweepResult, link: string): void {
  const rows = r.results.map((x) => [
    x.recipe,
    x.label,
    x.version ?? '—',
    `${x.canonical.before ?? 'none'} → ${x.canonical.after ?? 'none'}`,
    x.reason.split('\n')[0]!,
  ]);
  console.log(table(['RECIPE', 'LABEL', 'VERSION', 'CANONICAL', 'REASON'], rows));
  console.log(`\n${r.aborted ? `aborted: ${r.abortReason}\n` : ''}report: ${r.reportFile}\nWeb UI: ${link}`);
}

function table(head: string[], rows: string[][]): string {
  const width = head.map((h, i) => Math.min(60, Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length))));
  const fmt = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(width[i]!))).join('  ');
  return [fmt(head), ...rows.map(fmt)].join('\n');
}

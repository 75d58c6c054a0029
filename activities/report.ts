import type { SweepResult } from '../workflows/types';

const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** A human summary of a sweep, one row per recipe; written next to report.json. */
export function renderMarkdownReport(r: SweepResult): string {
  const lines = [
    `# Sweep ${r.sweepId}`,
    '',
    r.aborted ? `**Aborted:** ${r.abortReason}\n` : '',
    `Config digest: \`${r.configDigest.slice(0, 12)}\``,
    '',
    '| recipe | label | version | canonical before → after | tiers | reason |',
    '| --- | --- | --- | --- | --- | --- |',
    ...r.results.map(
      (x) =>
        `| ${x.recipe} | ${x.label} | ${x.version ?? '—'} | ${x.canonical.before ?? 'none'} → ${x.canonical.after ?? 'none'} | ${
          x.tiers.map((t) => `${t.tier}:${t.status} (${secs(t.durationMs)})`).join(', ') || '—'
        } | ${x.reason.replaceAll('|', '\\|').replaceAll('\n', ' ')} |`,
    ),
    '',
  ];
  return lines.filter((l, i) => l !== '' || lines[i - 1] !== '').join('\n');
}

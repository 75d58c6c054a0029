/**
 * Sizes as operators write them in config (`20GiB`, `500MB`, `1.5 TiB`) and
 * as reports show them. Binary (KiB, MiB, GiB, TiB) and decimal (KB, MB, GB,
 * TB) units both mean what they say; a bare number is bytes.
 */
const UNITS: Record<string, number> = {
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KIB: 2 ** 10,
  MIB: 2 ** 20,
  GIB: 2 ** 30,
  TIB: 2 ** 40,
};

/** Bytes, or null when the text is not a size. */
export function parseSize(text: string | number): number | null {
  if (typeof text === 'number') return Number.isSafeInteger(text) && text >= 0 ? text : null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B|B)?\s*$/i.exec(text);
  if (!m) return null;
  const bytes = Number(m[1]) * UNITS[(m[2] ?? 'B').toUpperCase()]!;
  return Number.isSafeInteger(Math.round(bytes)) ? Math.round(bytes) : null;
}

/** A size for people: `1.5 GiB`, `312 KiB`, `17 B`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${bytes} B` : `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/**
 * Whether a new canonical of about `estimate` bytes fits the budget next to
 * the canonicals' `used` bytes; the refusal says the figures.
 */
export function budgetRefusal(recipe: string, estimate: number, used: number, budget: number): string | null {
  if (used + estimate <= budget) return null;
  return (
    `disk-budget: seeding ${recipe} (about ${formatBytes(estimate)}, its cold app's data) would bring the canonicals to ` +
    `${formatBytes(used + estimate)} of the ${formatBytes(budget)} budget (canonicals.diskBudget); ` +
    `raise the budget or forget a canonical ("coopci canonical list" shows their sizes)`
  );
}

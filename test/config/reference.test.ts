import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { referenceRows, renderConfigReference } from '../../config/reference';

describe('configuration reference', () => {
  it('docs/configuration.md is what the schema generates (run "npm run docs:config" after changing it)', async () => {
    expect(await readFile(new URL('../../docs/configuration.md', import.meta.url), 'utf8')).toBe(renderConfigReference());
  });

  it('describes every field that is not a section', () => {
    const rows = referenceRows();
    expect(rows.length).toBeGreaterThan(50);
    expect(rows.filter((r) => r.type !== 'object' && !r.description).map((r) => r.field)).toEqual([]);
  });

  it('lists required fields and defaults as the schema has them', () => {
    const byField = new Map(referenceRows().map((r) => [r.field, r]));
    expect(byField.get('ciDomain')).toMatchObject({ required: true });
    expect(byField.get('recipes[].health.allowedStatus')).toMatchObject({ required: false, default: [200] });
    expect(byField.get('warm[].health.deadlineSeconds')).toMatchObject({ default: 900 });
    expect(byField.get('schedules.sweep.timezone')).toMatchObject({ default: 'UTC' });
    expect(byField.get('schedules.sweep.cron')).toMatchObject({ required: false });
  });
});

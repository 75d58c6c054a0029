/**
 * Where a sweep's evidence lives under the state directory:
 * `runs/<sweep-id>/` (report) and `runs/<sweep-id>/<recipe>/` (result, tiers,
 * JUnit). Pure string work so workflow code can compute it too.
 */
export function runDirOf(stateDir: string, sweepId: string, recipe?: string): string {
  return [stateDir.replace(/\/+$/, ''), 'runs', safeSegment(sweepId), ...(recipe ? [recipe] : [])].join('/');
}

/** Workflow ids become directory names; keep them to one safe path segment. */
export function safeSegment(id: string): string {
  const s = id.replace(/[^A-Za-z0-9._-]/g, '_');
  if (s === '' || s === '.' || s === '..') throw new Error(`unusable run id "${id}"`);
  return s;
}

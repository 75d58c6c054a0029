import type { CanonicalRecord } from './registry-record';

/** TESTED: an on-demand run that went green; such runs never promote, whatever they tested. */
export type Label = 'PROMOTED' | 'GREEN_BUT_PROMOTE_FAILED' | 'FAILED' | 'SKIPPED' | 'TESTED';

/** What the run itself concluded, before the registry is consulted. */
export type RunOutcome =
  { kind: 'skipped'; reason: string } | { kind: 'red'; reason: string } | { kind: 'green'; testedVersion: string } | { kind: 'tested'; reason: string };

export interface LabelledResult {
  label: Label;
  reason: string;
}

/**
 * The result label comes from the registry, never from an exit code: a green
 * run whose promote did not leave a canonical at the tested version is not a
 * success (the old system printed "PASS (promoted)" for failed promotes).
 */
export function labelResult(outcome: RunOutcome, record: CanonicalRecord | null): LabelledResult {
  const canonical = record?.version ?? 'none';
  switch (outcome.kind) {
    case 'skipped':
      return { label: 'SKIPPED', reason: outcome.reason };
    case 'red':
      return { label: 'FAILED', reason: `${outcome.reason} (canonical unchanged: ${canonical})` };
    case 'tested':
      return { label: 'TESTED', reason: `${outcome.reason} (canonical unchanged: ${canonical})` };
    case 'green':
      if (record && record.version === outcome.testedVersion) {
        return { label: 'PROMOTED', reason: `canonical is ${record.version}` };
      }
      return {
        label: 'GREEN_BUT_PROMOTE_FAILED',
        reason: `canonical=${canonical}, expected ${outcome.testedVersion}`,
      };
  }
}

/** Red labels: what an operator's retry may re-run (a green, skipped or promoted recipe has nothing to retry). */
export function isRed(label: Label): boolean {
  return label === 'FAILED' || label === 'GREEN_BUT_PROMOTE_FAILED';
}

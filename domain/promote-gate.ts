import { isVersion } from './version';

export interface PromoteInputs {
  enrolled: boolean;
  green: boolean;
  /** The exact ref that was tested; must be a release tag. */
  testedRef: string;
  /** A quick (warm reattach) run proves less than a cold run. */
  quick: boolean;
  /** An operator-chosen ref instead of the decided release tag. */
  refOverride: boolean;
  /** An on-demand run (`coopci run`), whatever it tested: it checks, it never changes a canonical. */
  onDemand?: boolean;
}

export type GateVerdict = { allowed: true } | { allowed: false; reasons: string[] };

/** A canonical only advances after a green cold run on a release tag of an enrolled recipe. */
export function promoteGate(p: PromoteInputs): GateVerdict {
  const reasons: string[] = [];
  if (!p.enrolled) reasons.push('recipe is not enrolled');
  if (!p.green) reasons.push('cold run is not green');
  if (!isVersion(p.testedRef)) reasons.push(`tested ref "${p.testedRef}" is not a release tag`);
  if (p.quick) reasons.push('quick (warm) runs never promote');
  if (p.refOverride) reasons.push('an explicit ref override never promotes');
  if (p.onDemand) reasons.push('on-demand runs never promote');
  return reasons.length === 0 ? { allowed: true } : { allowed: false, reasons };
}

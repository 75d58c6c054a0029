/**
 * The abra releases coopci is written against. From 0.10 on, flags follow the
 * positional arguments and the env file's TYPE= carries the deployed version
 * (without it every warm run would redeploy); 0.12 does not exist yet, so it
 * is refused until someone checks docs/abra.md against it.
 */
export const SUPPORTED_ABRA = { from: [0, 10], below: [0, 12] } as const;

const describeRange = () => `${SUPPORTED_ABRA.from.join('.')}.x up to ${SUPPORTED_ABRA.below[0]}.${SUPPORTED_ABRA.below[1] - 1}.x`;

/** Reads `abra --version` output (e.g. "abra version 0.10.1-beta-3f5a1b2"); returns the version, or throws saying what to do. */
export function checkAbraVersion(output: string, bin: string): string {
  const m = /\bv?(\d+)\.(\d+)\.(\d+)(\S*)/.exec(output);
  if (!m) throw new Error(`${bin} --version printed no version ("${output.trim().slice(0, 80)}"); coopci needs abra ${describeRange()}`);
  const [major, minor] = [Number(m[1]), Number(m[2])];
  const version = `${m[1]}.${m[2]}.${m[3]}${m[4]}`;
  const atLeast = (v: readonly [number, number]) => major > v[0] || (major === v[0] && minor >= v[1]);
  if (!atLeast(SUPPORTED_ABRA.from) || atLeast(SUPPORTED_ABRA.below)) {
    throw new Error(`${bin} is abra ${version}; coopci supports abra ${describeRange()}: install one of those, or set abra.bin to one`);
  }
  return version;
}

/**
 * Where a recipe's warm canonical lives. `warm-<recipe>.<ci-domain>` unless a
 * live warm provider already owns that name (the old system's keycloak
 * collision), in which case a `warm-canon-` name is used; a number is added
 * until the name is free so the answer is always collision-free.
 */
export function canonicalDomain(recipe: string, ciDomain: string, liveWarmDomains: readonly string[]): string {
  const taken = new Set(liveWarmDomains.map((d) => d.toLowerCase()));
  const candidates = function* () {
    yield `warm-${recipe}.${ciDomain}`;
    yield `warm-canon-${recipe}.${ciDomain}`;
    for (let i = 2; ; i++) yield `warm-canon${i}-${recipe}.${ciDomain}`;
  };
  for (const domain of candidates()) {
    if (!taken.has(domain.toLowerCase())) return domain;
  }
  throw new Error('unreachable');
}

/**
 * abra names an app's Swarm stack after its domain with dots turned into
 * underscores, cut to 45 characters (Docker's limit on derived object names).
 */
export function stackName(domain: string): string {
  return domain.replaceAll('.', '_').slice(0, 45);
}

/** The cold (throw-away) app for a recipe's CI run; one per recipe, so a crashed run's leftovers are found again. */
export function coldDomain(recipe: string, ciDomain: string): string {
  return `cold-${recipe}.${ciDomain}`;
}

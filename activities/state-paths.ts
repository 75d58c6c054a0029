import path from 'node:path';
import { assertRecipeName } from '../domain/names';

/** The on-disk layout under the state directory, in one place. */
export const paths = {
  mirror: (stateDir: string, recipe: string) => path.join(stateDir, 'mirrors', `${assertRecipeName(recipe)}.git`),
  canonical: (stateDir: string, recipe: string) => path.join(stateDir, 'registry', assertRecipeName(recipe), 'canonical.json'),
  runDir: (stateDir: string, sweepId: string, recipe?: string) =>
    path.join(stateDir, 'runs', safeSegment(sweepId), ...(recipe ? [assertRecipeName(recipe)] : [])),
  lastGood: (stateDir: string, app: string) => path.join(stateDir, 'warm', assertRecipeName(app), 'last-good.json'),
  alert: (stateDir: string, key: string) => path.join(stateDir, 'alerts', `${safeSegment(key)}.json`),
  abraRecipe: (abraDir: string, recipe: string) => path.join(abraDir, 'recipes', assertRecipeName(recipe)),
  abraEnvFile: (abraDir: string, server: string, domain: string) => path.join(abraDir, 'servers', server, `${domain}.env`),
};

/** Workflow ids become directory names; keep them to one safe path segment. */
function safeSegment(id: string): string {
  const s = id.replace(/[^A-Za-z0-9._-]/g, '_');
  if (s === '' || s === '.' || s === '..') throw new Error(`unusable run id "${id}"`);
  return s;
}

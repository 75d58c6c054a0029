import path from 'node:path';
import { assertRecipeName } from '../domain/names';
import { runDirOf, safeSegment } from '../domain/run-layout';

/** The on-disk layout under the state directory, in one place. */
export const paths = {
  mirror: (stateDir: string, recipe: string) => path.join(stateDir, 'mirrors', `${assertRecipeName(recipe)}.git`),
  canonical: (stateDir: string, recipe: string) => path.join(stateDir, 'registry', assertRecipeName(recipe), 'canonical.json'),
  /** The canonical's volumes and their sizes, measured after its last promote. */
  usage: (stateDir: string, recipe: string) => path.join(stateDir, 'registry', assertRecipeName(recipe), 'usage.json'),
  seedMarker: (stateDir: string, recipe: string) => path.join(stateDir, 'registry', assertRecipeName(recipe), 'seeding.json'),
  runDir: (stateDir: string, sweepId: string, recipe?: string) => runDirOf(stateDir, sweepId, recipe && assertRecipeName(recipe)),
  lastGood: (stateDir: string, app: string) => path.join(stateDir, 'warm', assertRecipeName(app), 'last-good.json'),
  alert: (stateDir: string, key: string) => path.join(stateDir, 'alerts', `${safeSegment(key)}.json`),
  abraRecipe: (abraDir: string, recipe: string) => path.join(abraDir, 'recipes', assertRecipeName(recipe)),
  abraServer: (abraDir: string, server: string) => path.join(abraDir, 'servers', server),
  abraEnvFile: (abraDir: string, server: string, domain: string) => path.join(abraDir, 'servers', server, `${domain}.env`),
  /** The canonical's volumes as they were before the advance in flight (one per recipe). */
  snapshot: (stateDir: string, recipe: string) => path.join(stateDir, 'snapshots', assertRecipeName(recipe)),
};

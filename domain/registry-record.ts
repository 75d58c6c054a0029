import { z } from 'zod';
import { recipeName, recipeVersion } from './names';

/** A warm canonical as recorded in the registry: the tested version and the tag's own commit. */
export const CanonicalRecord = z.object({
  recipe: recipeName,
  version: recipeVersion,
  commit: z.string().regex(/^[0-9a-f]{40}$/, 'must be a full git commit id'),
  domain: z.string().min(1),
  status: z.literal('idle'),
  ts: z.string().datetime(),
});
export type CanonicalRecord = z.infer<typeof CanonicalRecord>;

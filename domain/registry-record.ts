import { z } from 'zod';
import { recipeName, recipeVersion } from './names';
import { compareVersions } from './version';

/** A warm canonical as recorded in the registry: the tested version and the tag's own commit. */
export const CanonicalRecord = z.object({
  recipe: recipeName,
  version: recipeVersion,
  commit: z.string().regex(/^[0-9a-f]{40}$/, 'must be a full git commit id'),
  domain: z.string().min(1),
  status: z.literal('idle'),
  ts: z.string().datetime(),
  /** The scale-out node whose Swarm holds it (absent: the one node). */
  node: z.string().min(1).optional(),
});
export type CanonicalRecord = z.infer<typeof CanonicalRecord>;

/** A canonical's volumes and their sizes, measured after its promote (for the disk budget and reports). */
export const CanonicalUsage = z
  .object({
    bytes: z.number().int().nonnegative(),
    volumes: z.array(z.object({ name: z.string().min(1), bytes: z.number().int().nonnegative() }).strict()),
    measuredAt: z.string().datetime(),
  })
  .strict();
export type CanonicalUsage = z.infer<typeof CanonicalUsage>;

/**
 * Written before a seed's `app new` and removed once its record is written:
 * the proof that data found at a canonical's domain with no record is a
 * failed seed's leftover (safe to remove), not a canonical whose record was
 * lost (never removed without an operator asking by name).
 */
export const SeedMarker = z.object({ recipe: recipeName, version: recipeVersion, domain: z.string().min(1), ts: z.string().datetime() }).strict();
export type SeedMarker = z.infer<typeof SeedMarker>;

/** Records never go backwards: the same version is kept, a newer one advances, an older one is refused. */
export function recordTransition(existing: string | null, next: string): 'new' | 'same' | 'advance' | 'backwards' {
  if (existing === null) return 'new';
  const c = compareVersions(next, existing);
  return c === 0 ? 'same' : c > 0 ? 'advance' : 'backwards';
}

/** The canonical lives on one node's Swarm: only a run on that node may touch it. */
export function nodeMismatch(record: CanonicalRecord | null, node: string | undefined): string | null {
  if (!record || (record.node ?? null) === (node ?? null)) return null;
  return `the canonical of ${record.recipe} lives on node ${record.node ?? '(the default node)'}, but this run is on ${node ?? '(the default node)'}`;
}

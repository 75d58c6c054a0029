import { z } from 'zod';
import { recipeName, recipeVersion } from './names';

/** The version of a warm app that last passed its health gate. */
export const LastGood = z.object({ app: recipeName, version: recipeVersion, ts: z.string().datetime() }).strict();
export type LastGood = z.infer<typeof LastGood>;

export const ALERT_REASONS = [
  'unhealthy-on-latest',
  'unhealthy-no-last-good',
  'unhealthy-after-rollback',
  'unhealthy-on-last-good',
  'rollback-failed',
  /** A failed advance of a recipe's canonical could not be put back: a person must restore it. */
  'canonical-not-restored',
] as const;

/**
 * An alert for an operator: which app, why, when, which version. Never secrets or response bodies.
 * A later healthy deploy of the app marks it resolved (when, by which deploy); it stays on disk until cleared.
 */
export const Alert = z
  .object({
    app: recipeName,
    reason: z.enum(ALERT_REASONS),
    ts: z.string().datetime(),
    version: recipeVersion,
    lastGood: recipeVersion.nullable(),
    state: z.string(),
    resolvedAt: z.string().datetime().optional(),
    resolvedBy: z.string().optional(),
  })
  .strict();
export type Alert = z.infer<typeof Alert>;

/** A release of a warm app that failed its gate: not deployed again unless an operator forces it. */
export const Rejection = z
  .object({
    version: recipeVersion,
    ts: z.string().datetime(),
    /** Why, in a line: what the gate saw and how the deploy ended. */
    why: z.string(),
    /** The deploy that rejected it. */
    workflowId: z.string(),
  })
  .strict();
export type Rejection = z.infer<typeof Rejection>;

/** stateDir/warm/<app>/rejected.json: the app's rejected releases, oldest first. */
export const RejectedReleases = z.object({ app: recipeName, rejected: z.array(Rejection) }).strict();
export type RejectedReleases = z.infer<typeof RejectedReleases>;

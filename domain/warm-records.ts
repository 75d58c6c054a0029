import { z } from 'zod';
import { recipeName, recipeVersion } from './names';

/** The version of a warm app that last passed its health gate. */
export const LastGood = z.object({ app: recipeName, version: recipeVersion, ts: z.string().datetime() }).strict();
export type LastGood = z.infer<typeof LastGood>;

export const ALERT_REASONS = ['unhealthy-on-latest', 'unhealthy-no-last-good', 'unhealthy-after-rollback', 'unhealthy-on-last-good'] as const;

/** An alert for an operator: which app, why, when, which version. Never secrets or response bodies. */
export const Alert = z
  .object({ app: recipeName, reason: z.enum(ALERT_REASONS), ts: z.string().datetime(), version: recipeVersion, lastGood: recipeVersion.nullable(), state: z.string() })
  .strict();
export type Alert = z.infer<typeof Alert>;

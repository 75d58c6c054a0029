/** The tiers of a cold run, in the order they run: each needs the app the ones before it left. */
export const TIERS = ['install', 'upgrade', 'backup', 'restore', 'custom'] as const;
export type TierName = (typeof TIERS)[number];

/** Step timeouts, in seconds; the config's `timeouts`, with a recipe's own overrides on top. */
export interface Timeouts {
  mirrorSyncSeconds: number;
  deploySeconds: number;
  convergeSeconds: number;
  teardownSeconds: number;
  backupSeconds: number;
}

/** A recipe's effective timeouts: the global ones, each replaced by the recipe's override when it sets one. */
export function effectiveTimeouts(global: Timeouts, overrides: Partial<Timeouts> | undefined): Timeouts {
  const own = Object.entries(overrides ?? {}).filter(([, v]) => v !== undefined);
  return { ...global, ...Object.fromEntries(own) };
}

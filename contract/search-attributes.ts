import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes shown as columns and filters in the Web UI. They
 * must be registered on the namespace: scripts/dev-server.ts does it for the
 * dev server, docker-compose.yml's temporal-setup and nix/module.nix's dev
 * server in production (test/deploy checks both lists match this one).
 */
export const SA = {
  kind: defineSearchAttributeKey('CoopciKind', SearchAttributeType.KEYWORD),
  sweepId: defineSearchAttributeKey('CoopciSweepId', SearchAttributeType.KEYWORD),
  recipe: defineSearchAttributeKey('CoopciRecipe', SearchAttributeType.KEYWORD),
  version: defineSearchAttributeKey('CoopciVersion', SearchAttributeType.KEYWORD),
  label: defineSearchAttributeKey('CoopciLabel', SearchAttributeType.KEYWORD),
  phase: defineSearchAttributeKey('CoopciPhase', SearchAttributeType.KEYWORD),
  /** The tiers of a recipe run that passed only on a re-run (flakeRetries), comma-separated. */
  flaky: defineSearchAttributeKey('CoopciFlaky', SearchAttributeType.KEYWORD),
} as const;

/** `name=Type` pairs for `temporal server start-dev --search-attribute`. */
export const SEARCH_ATTRIBUTE_FLAGS = Object.values(SA).map((k) => `${k.name}=Keyword`);

import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes shown as columns and filters in the Web UI. They
 * must be registered on the namespace (scripts/temporal-dev.sh does it for
 * the dev server; `temporal operator search-attribute create` in production).
 */
export const SA = {
  kind: defineSearchAttributeKey('CoopciKind', SearchAttributeType.KEYWORD),
  sweepId: defineSearchAttributeKey('CoopciSweepId', SearchAttributeType.KEYWORD),
  recipe: defineSearchAttributeKey('CoopciRecipe', SearchAttributeType.KEYWORD),
  version: defineSearchAttributeKey('CoopciVersion', SearchAttributeType.KEYWORD),
  label: defineSearchAttributeKey('CoopciLabel', SearchAttributeType.KEYWORD),
  phase: defineSearchAttributeKey('CoopciPhase', SearchAttributeType.KEYWORD),
} as const;

/** `name=Type` pairs for `temporal server start-dev --search-attribute`. */
export const SEARCH_ATTRIBUTE_FLAGS = Object.values(SA).map((k) => `${k.name}=Keyword`);

import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ProgressSignal, RecipeStatus, SweepStatus, WarmPhase } from './types';

/** Operator controls; the names are what `temporal workflow signal --name …` takes. */
export const abortSignal = defineSignal<[reason: string]>('abort');
/** Kept for `temporal workflow signal` (fire and forget); `coopci` uses the updates below, which answer. */
export const skipSignal = defineSignal<[recipe: string]>('skip');
export const retrySignal = defineSignal<[recipe: string]>('retry');

/** What a sweep answers to an accepted skip or retry; a refused one is rejected with the reason. */
export interface ControlAnswer {
  recipe: string;
  /** What the sweep will do, e.g. "skipped (was running: stopping it, with cleanup)". */
  message: string;
}

/**
 * Skip or retry with an answer (`temporal workflow update execute --name skipRecipe --input '"hello"'`).
 * Their validators reject an unknown recipe, and a retry of a recipe that is not red, before anything is recorded.
 */
export const skipUpdate = defineUpdate<ControlAnswer, [recipe: string]>('skipRecipe');
export const retryUpdate = defineUpdate<ControlAnswer, [recipe: string]>('retryRecipe');

export const sweepStatusQuery = defineQuery<SweepStatus>('status');
export const recipeStatusQuery = defineQuery<RecipeStatus>('status');
export const warmStatusQuery = defineQuery<{ phase: WarmPhase; abortReason: string | null }>('status');
/** Internal: a recipe workflow tells its sweep which phase it is in. */
export const progressSignal = defineSignal<[ProgressSignal]>('progress');
/** Internal: the sweep releases its lock when done. */
export const releaseSignal = defineSignal('release');

/** A warm deploy's status, `waiting` for another deploy of the app included (the same query as warmStatusQuery, wider type). */
export const warmDeployStatusQuery = defineQuery<import('./types').WarmDeployStatus>('status');

import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ProgressSignal, RecipeStatus, SweepStatus, WarmPhase } from './types';

/** Operator controls; the names are what `temporal workflow signal --name …` takes. */
export const abortSignal = defineSignal<[reason: string]>('abort');
export const skipSignal = defineSignal<[recipe: string]>('skip');
export const retrySignal = defineSignal<[recipe: string]>('retry');
export const sweepStatusQuery = defineQuery<SweepStatus>('status');
export const recipeStatusQuery = defineQuery<RecipeStatus>('status');
export const warmStatusQuery = defineQuery<{ phase: WarmPhase; abortReason: string | null }>('status');
/** Internal: a recipe workflow tells its sweep which phase it is in. */
export const progressSignal = defineSignal<[ProgressSignal]>('progress');
/** Internal: the sweep releases its lock when done. */
export const releaseSignal = defineSignal('release');

export const SWEEP_LOCK_ID = 'coopci-sweep-lock';

import { ActivityCancellationType, patched } from '@temporalio/workflow';

/** Patch id: an aborted step is waited for until its activity has stopped (see README "Changing workflows"). */
export const WAIT_FOR_CANCELLED_STEPS = 'wait-for-cancelled-steps';

/**
 * How a step that changes the Swarm ends when it is aborted. By default the
 * workflow moves on as soon as it asks for the cancel, while the activity
 * only hears of it at its next heartbeat: the teardown (or rollback) then ran
 * beside a deploy still in flight, which could recreate the app after it was
 * removed. Waiting for the activity to stop first keeps cleanup last.
 * Executions started before the patch keep the old behaviour, so they replay.
 */
export function sideEffectCancellation(): ActivityCancellationType {
  return patched(WAIT_FOR_CANCELLED_STEPS) ? ActivityCancellationType.WAIT_CANCELLATION_COMPLETED : ActivityCancellationType.TRY_CANCEL;
}

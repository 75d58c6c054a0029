import type { Client } from '@temporalio/client';
import { warmLockId } from '../contract/ids';
import { warmLockState, type WarmLockState } from '../domain/warm-lock';

/** Status of a workflow, or null when there is none by that id. */
async function statusOf(client: Client, workflowId: string): Promise<string | null> {
  return client.workflow
    .getHandle(workflowId)
    .describe()
    .then(
      (d) => d.status.name as string,
      () => null,
    );
}

/** A warm app's deploy lock as Temporal describes it: the lock workflow and the deploy that started it. */
export async function readWarmLock(client: Client, app: string): Promise<WarmLockState> {
  const lock = await client.workflow
    .getHandle(warmLockId(app))
    .describe()
    .catch(() => null);
  const holder = lock?.parentExecution?.workflowId ?? null;
  const running = lock?.status.name === 'RUNNING';
  return warmLockState(lock && { running, runId: lock.runId, holder }, running && holder ? await statusOf(client, holder) : null);
}

/** Terminates a stale lock by its run id: a lock taken meanwhile by a live deploy (another run) is never touched. */
export async function clearWarmLock(client: Client, app: string, runId: string, why: string): Promise<boolean> {
  return client.workflow
    .getHandle(warmLockId(app), runId)
    .terminate(why)
    .then(
      () => true,
      () => false,
    );
}

import type { Client } from '@temporalio/client';
import { lockState, type LockState } from '../domain/lock';

/**
 * A lock workflow as Temporal describes it: the lock, the workflow that holds
 * it, and (given `childrenQuery`) how many of the holder's workflows still
 * run, so a lock is never called stale while its dead holder's work goes on.
 */
export async function readLock(client: Client, lockId: string, childrenQuery?: (holder: string) => string): Promise<LockState> {
  const lock = await client.workflow
    .getHandle(lockId)
    .describe()
    .catch(() => null);
  const holder = lock?.parentExecution?.workflowId ?? null;
  if (lock?.status.name !== 'RUNNING' || !holder) {
    return lockState(lock && { running: lock.status.name === 'RUNNING', runId: lock.runId, holder }, { status: null, childrenRunning: 0 });
  }
  const status = await client.workflow
    .getHandle(holder)
    .describe()
    .then(
      (d) => d.status.name as string,
      () => null,
    );
  const childrenRunning = status !== 'RUNNING' && childrenQuery ? (await client.workflow.count(childrenQuery(holder))).count : 0;
  return lockState({ running: true, runId: lock.runId, holder }, { status, childrenRunning });
}

/** Ends a stale lock: this run only, so a lock another starter has taken meanwhile is never ended. */
export async function clearLock(client: Client, lockId: string, runId: string, reason: string): Promise<void> {
  await client.workflow
    .getHandle(lockId, runId)
    .terminate(reason)
    .catch(() => undefined); // already ended: someone else cleared it
}

/** The sweep lock's holder's own recipe workflows, by the search attribute every recipe of a sweep carries. */
export const sweepChildrenQuery = (sweepId: string) =>
  `CoopciSweepId = '${sweepId.replaceAll("'", '')}' AND ExecutionStatus = 'Running' AND WorkflowId != '${sweepId.replaceAll("'", '')}'`;

import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { recipeLockId } from '../contract/ids';
import { temporalSettings } from '../config/temporal';
import type { Config } from '../config/schema';
import type { lockWorkflow } from '../workflows/lock';

export class RecipeInUseError extends Error {}

/**
 * Runs an operator's change to a recipe's canonical (adopt, forget) under the
 * recipe's lock, the one every run of the recipe takes, so it never races a
 * promote or a restore. The lock is started here without a parent, which
 * every run treats as held; it is ended as soon as the change is done, and
 * times out by itself should this process die.
 */
export async function withRecipeLock<T>(client: Client, config: Config, recipe: string, by: string, change: () => Promise<T>): Promise<T> {
  const workflowId = recipeLockId(recipe);
  let lock;
  try {
    lock = await client.workflow.start<typeof lockWorkflow>('lockWorkflow', {
      workflowId,
      taskQueue: temporalSettings(config).taskQueue,
      workflowExecutionTimeout: '15 minutes',
      staticSummary: `${recipe} held by ${by}`,
    });
  } catch (e) {
    if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
    throw new RecipeInUseError(`${recipe} is in use: a run of it holds its lock (${workflowId}); try again once it has ended (coopci sweep status)`);
  }
  try {
    return await change();
  } finally {
    await lock.terminate(`released by ${by}`).catch(() => undefined);
  }
}

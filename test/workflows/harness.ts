/**
 * The middle layer of the tests: the real workflow code (the suite's bundle of
 * workflows/index.ts) on the real Temporal dev server, with the activities
 * replaced by small async functions that record every call. No Docker, git or
 * abra, so a whole sweep takes a second or two.
 */
import { Context } from '@temporalio/activity';
import { Client, Connection } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { TEST_NAMESPACE } from '../helpers/pool';
import { clearLock, readLock, sweepChildrenQuery } from '../../adapters/locks';
import { SWEEP_LOCK_ID } from '../../contract/ids';
import type { RunEnv } from '../../contract/types';
import type { Activities } from '../../workflows/activity-types';

const MOCK_FAILURE = 'MockFailure';

// Warnings and errors show, except the worker's report of each failure a mock throws on purpose.
const stderr = new DefaultLogger('WARN');
Runtime.install({
  logger: new DefaultLogger('WARN', (e) => {
    if ((e.meta?.error as ApplicationFailure | undefined)?.type !== MOCK_FAILURE) stderr.log(e.level, e.message, e.meta);
  }),
});

/** Mocks take the real activities' names and types: a renamed or reshaped activity breaks the test at compile time. */
export type Mocks = Partial<Activities>;
export type ActivityName = keyof Activities;
export type InputOf<N extends ActivityName> = Parameters<Activities[N]>[0];

export interface Call {
  activity: ActivityName;
  /** The workflow that scheduled the activity: tells a sweep's recipes (and their retries) apart. */
  workflowId: string;
  input: unknown;
}

/** Every mocked activity call, in the order they started. */
export class CallLog {
  readonly calls: Call[] = [];

  /** The inputs of one activity, in call order. */
  of<N extends ActivityName>(activity: N): InputOf<N>[] {
    return this.calls.filter((c) => c.activity === activity).map((c) => c.input as InputOf<N>);
  }

  /** The calls one workflow made, in order. */
  by(workflowId: string): Call[] {
    return this.calls.filter((c) => c.workflowId === workflowId);
  }

  /** Wraps mocks so each call is logged before it runs. */
  record(mocks: Mocks): Mocks {
    const wrapped: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const [activity, fn] of Object.entries(mocks) as [ActivityName, (input: unknown) => Promise<unknown>][]) {
      wrapped[activity] = (input) => {
        this.calls.push({ activity, workflowId: Context.current().info.workflowExecution?.workflowId ?? '', input });
        return fn(input);
      };
    }
    return wrapped;
  }
}

/** Where things would live; the mocks never touch these paths. */
export const env: RunEnv = {
  stateDir: '/nonexistent/state',
  configDir: '/nonexistent',
  abra: { bin: 'abra', dir: '/nonexistent/abra' },
  server: 'default',
  ciDomain: 'ci.test.local',
  liveWarmDomains: [],
  timeouts: { mirrorSyncSeconds: 30, deploySeconds: 60, convergeSeconds: 30, teardownSeconds: 30, backupSeconds: 30 },
  // No webhooks: the workflows post nothing and ask the worker nothing.
  notify: { alert: [], resolved: [], sweep: [] },
};

let counter = 0;
/** Ids and task queues of their own per test, so nothing from another test or run is picked up. */
export const uniqueId = (prefix: string) => `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter++}`;

const usedQueues = new Set<string>();
let client: Promise<Client> | undefined;
export const sharedClient = () =>
  (client ??= Connection.connect({ address: inject('temporalAddress') }).then((connection) => new Client({ connection, namespace: TEST_NAMESPACE })));

/**
 * Runs `body` with a worker polling a fresh task queue: the real workflows
 * and the given mock activities. The worker stops when `body` settles.
 */
export async function withWorker<T>(mocks: Mocks, body: (env: { client: Client; taskQueue: string }) => Promise<T>): Promise<T> {
  const taskQueue = uniqueId('wf');
  usedQueues.add(taskQueue);
  const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  try {
    const worker = await Worker.create({
      connection,
      namespace: TEST_NAMESPACE,
      taskQueue,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      // The locks are Temporal's own (real lock workflows on the real server), so they are never mocked.
      activities: { ...lockActivities(await sharedClient()), ...mocks },
      // A cancel reaches an activity only in a heartbeat's reply: let aborts arrive at once.
      maxHeartbeatThrottleInterval: '100ms',
      defaultHeartbeatThrottleInterval: '100ms',
    });
    const c = await sharedClient();
    return await worker.runUntil(body({ client: c, taskQueue }));
  } finally {
    await connection.close();
  }
}

/** The activities that read and clear lock workflows, real (they only talk to Temporal). */
function lockActivities(c: Client): Mocks {
  return {
    lockState: ({ lockId }) => readLock(c, lockId, lockId === SWEEP_LOCK_ID ? sweepChildrenQuery : undefined),
    clearStaleLock: ({ lockId, runId, reason }) => clearLock(c, lockId, runId, reason),
  };
}

/**
 * afterEach: terminates whatever a failed test left running on its task
 * queues, and the sweep lock (fixed id, one sweep at a time on the whole
 * server) when one of them holds it or its sweep is gone.
 */
export async function terminateLeftovers(): Promise<void> {
  const c = await sharedClient();
  const why = 'left running by a test in test/workflows';
  const lock = c.workflow.getHandle(SWEEP_LOCK_ID);
  const d = await lock.describe().catch(() => null);
  if (d?.status.name === 'RUNNING') {
    const parent = d.parentExecution?.workflowId;
    const holder = parent
      ? await c.workflow
          .getHandle(parent)
          .describe()
          .catch(() => null)
      : null;
    if (usedQueues.has(d.taskQueue) || holder?.status.name !== 'RUNNING') await lock.terminate(why).catch(() => undefined);
  }
  for (const taskQueue of usedQueues) {
    for await (const w of c.workflow.list({ query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'` })) {
      await c.workflow
        .getHandle(w.workflowId, w.runId ?? undefined)
        .terminate(why)
        .catch(() => undefined);
    }
  }
  usedQueues.clear();
}

/** A failure the workflow sees at once (a retry would only slow the test down). */
export const fail = (message: string) => ApplicationFailure.nonRetryable(message, MOCK_FAILURE);

export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
}
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * A point where a mock activity stops: `reached` resolves when it gets there,
 * and it goes on once the test calls `release()`, or throws the
 * cancellation when the workflow cancels it (heartbeating meanwhile, which
 * is how an activity hears of a cancel).
 */
export class Hold {
  private readonly arrived = deferred();
  private released = false;
  readonly reached = this.arrived.promise;
  cancelled = false;

  release(): void {
    this.released = true;
  }

  /** Like a step that cannot be stopped at once (an abra deploy finishing): no heartbeats, so no cancel reaches it until released. */
  async waitIgnoringCancel(): Promise<void> {
    this.arrived.resolve();
    while (!this.released) await pause(50);
  }

  async wait(): Promise<void> {
    const ctx = Context.current();
    this.arrived.resolve();
    try {
      while (!this.released) {
        ctx.heartbeat();
        await ctx.sleep(50);
      }
    } catch (e) {
      this.cancelled = true;
      throw e;
    }
  }
}

/** Resolves after `ms`, for mocks that must take a moment (so overlaps would show). */
export const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

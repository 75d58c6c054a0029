import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import type Docker from 'dockerode';
import { effectiveTimeouts, type StepTimeoutKey } from '../domain/timeouts';
import { stackName } from '../domain/stack-name';
import type { RecipeSpec, RunEnv } from '../contract/types';
import { Apps, heartbeat } from '../adapters/apps';
import { checkoutForAbra } from '../adapters/git';
import { readSnapshot, removeSnapshot, restoreVolumes, snapshotVolumes } from '../adapters/volumes';
import { canonicals } from '../state/canonicals';
import { paths } from '../state/paths';

interface Base {
  env: RunEnv;
  recipe: RecipeSpec;
}

interface CanonicalInput extends Base {
  domain: string;
}

/**
 * Putting a canonical back after a failed or aborted advance (a new release
 * deployed onto its retained volumes, which may have migrated its data):
 * snapshot before the advance, restore and redeploy the recorded version on
 * failure, drop the snapshot once the canonical is known good again.
 */
export function createCanonicalActivities(docker: Docker) {
  const setup = (b: Base) => {
    const env = { ...b.env, timeouts: effectiveTimeouts(b.env.timeouts, b.recipe.timeouts) };
    const s = (key: StepTimeoutKey) => env.timeouts[key] * 1000;
    const apps = new Apps(env, docker);
    const idle = (domain: string) => apps.undeploy(domain, s('teardownSeconds'));
    const volumeOpts = { timeoutMs: s('backupSeconds'), signal: Context.current().cancellationSignal };
    return { s, apps, idle, volumeOpts, dir: paths.snapshot(b.env.stateDir, b.recipe.name) };
  };

  return {
    /**
     * Before an advance: returns the canonical to idle and saves its volumes.
     * A snapshot another run left behind at the recorded version is the only
     * copy of data an advance may have changed since (its restore failed, or
     * the run was terminated): it is never overwritten. A retry of this
     * activity (same run) replaces its own snapshot whole.
     */
    async snapshotCanonical(b: CanonicalInput): Promise<string> {
      return withHeartbeat({ snapshot: b.domain }, async () => {
        const { idle, volumeOpts, dir } = setup(b);
        const record = await canonicals.read(b.env.stateDir, b.recipe.name);
        if (!record) throw ApplicationFailure.nonRetryable(`${b.recipe.name} has no canonical record: there is nothing to snapshot`, 'NoCanonical');
        const run = Context.current().info.workflowExecution;
        const owner = run ? `${run.workflowId}/${run.runId}` : 'no workflow';
        const left = await readSnapshot(dir);
        if (left && left.meta.version === record.version && left.meta.owner !== owner) {
          throw ApplicationFailure.nonRetryable(
            `${dir} holds a snapshot of ${left.meta.domain} at ${left.meta.version} taken on ${left.takenAt} by ${left.meta.owner} ` +
              `and never restored or dropped: the canonical may hold a failed advance's data, and that snapshot may be the only good copy. ` +
              `Nothing was changed; restore it, or remove ${dir} once the canonical is known good`,
            'CanonicalSnapshotPending',
          );
        }
        await idle(b.domain);
        const m = await snapshotVolumes(docker, stackName(b.domain), dir, {
          ...volumeOpts,
          meta: { recipe: b.recipe.name, domain: b.domain, version: record.version, owner },
        });
        const mib = m.volumes.reduce((n, v) => n + v.bytes, 0) / 2 ** 20;
        return `snapshot of ${b.domain} at ${record.version}: ${m.volumes.length} volume(s), ${mib.toFixed(1)} MiB`;
      });
    },

    /**
     * After a failed or aborted advance: stops whatever runs, puts the
     * volumes back from the snapshot byte for byte, deploys the recorded
     * version from its tag, gates it, and returns it to idle. Idempotent: a
     * retry starts again from the snapshot, which is kept until dropped.
     */
    async restoreCanonical(b: CanonicalInput & { version: string }): Promise<string> {
      return withHeartbeat({ restore: b.domain }, async () => {
        const { s, apps, idle, volumeOpts, dir } = setup(b);
        const snapshot = await readSnapshot(dir);
        if (!snapshot) throw ApplicationFailure.nonRetryable(`${dir} holds no whole snapshot of ${b.domain}: nothing was restored`, 'NoCanonicalSnapshot');
        if (snapshot.meta.version !== b.version) {
          throw ApplicationFailure.nonRetryable(
            `the snapshot in ${dir} holds ${b.domain} at ${snapshot.meta.version}, not ${b.version}: nothing was restored`,
            'CanonicalSnapshotMismatch',
          );
        }
        await idle(b.domain);
        await restoreVolumes(docker, stackName(b.domain), dir, volumeOpts);
        await checkoutForAbra(paths.mirror(b.env.stateDir, b.recipe.name), paths.abraRecipe(b.env.abra.dir, b.recipe.name), b.version, s('mirrorSyncSeconds'));
        try {
          await apps.rollOut(b.domain, b.version, b.recipe.health, 'deploy');
        } catch (e) {
          // Never leave it crash-looping on the restored data; the error says why it did not come up.
          await idle(b.domain).catch(() => undefined);
          throw e;
        }
        await idle(b.domain);
        return `restored ${b.domain} from the snapshot of ${snapshot.takenAt} (${snapshot.volumes.length} volume(s)); ${b.version} served healthy and is idle again`;
      });
    },

    /** Once the canonical is known good (advanced and recorded, or restored). Idempotent. */
    async dropCanonicalSnapshot(b: Base): Promise<void> {
      await removeSnapshot(paths.snapshot(b.env.stateDir, b.recipe.name));
    },
  };
}

/** Heartbeats on a timer with what is being done: a volume copy is one long call with no progress of its own. */
async function withHeartbeat<T>(details: unknown, f: () => Promise<T>): Promise<T> {
  const beat = setInterval(() => heartbeat(details), 2_000);
  try {
    return await f();
  } finally {
    clearInterval(beat);
  }
}

/**
 * A recipe whose upstream is not there at all (the seeds' vanished recipe)
 * fails its mirror-sync once, not after the retry backoff: the real activity
 * on real git marks the failure non-retryable; a recipe whose upstream is
 * there syncs as before.
 */
/* eslint-disable @typescript-eslint/unbound-method -- activities are plain closures, not methods */
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { snapshotOf } from '../../contract/snapshot';
import { makeFixture } from '../helpers/fixture';
import { testClient } from '../helpers/temporal';

describe('an upstream that is gone', () => {
  it('fails mirror-sync without retries (UpstreamGone); one that is there syncs', async () => {
    const f = await makeFixture('upstream-gone', [{ name: 'gone' }, { name: 'hello', from: 'hello', upTo: '1.0.0+1.0' }]);
    const acts = createActivities({ configFile: f.configFile, client: await testClient() });
    const { env, recipes } = snapshotOf(f.loaded.config, f.configFile, f.loaded.digest);
    const sync = (name: string) =>
      new MockActivityEnvironment(undefined, { logger: new DefaultLogger('WARN') }).run(acts.syncRecipe, {
        env,
        recipe: recipes.find((r) => r.name === name)!,
      });

    const failure = await sync('gone').then(
      () => null,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'UpstreamGone', nonRetryable: true, message: expect.stringMatching(/does not appear to be a git repository/) });
    expect(await sync('hello')).toEqual({ tags: ['1.0.0+1.0'] });
  });
});

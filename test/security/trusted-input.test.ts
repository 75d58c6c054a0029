/**
 * A workflow's input cannot make the worker run or write anything its own
 * configuration does not name: anyone who may start a workflow could
 * otherwise run code as the worker (which holds the Docker socket). The real
 * activities, as the worker registers them, with inputs a hostile client
 * could send.
 */
/* eslint-disable @typescript-eslint/unbound-method -- activities are plain closures, not methods */
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { snapshotOf } from '../../contract/snapshot';
import { makeFixture } from '../helpers/fixture';
import { testClient } from '../helpers/temporal';

describe('activities trust only the worker configuration', () => {
  it('take env, recipe and test command from the config, refuse unknown recipes and paths outside the state dir', async () => {
    const f = await makeFixture('trusted', [{ name: 'hello', from: 'hello', upTo: '1.0.0+1.0' }]);
    const acts = createActivities({ configFile: f.configFile, client: await testClient() });
    const { env, recipes } = snapshotOf(f.loaded.config, f.configFile, f.loaded.digest);
    const hello = recipes[0]!;
    const run = <I, O>(fn: (i: I) => Promise<O>, input: I): Promise<O> =>
      new MockActivityEnvironment(undefined, { logger: new DefaultLogger('WARN') }).run<[I], O, (i: I) => Promise<O>>(fn, input);
    const marker = path.join(f.dir, 'pwned');
    const evil = path.join(f.dir, 'evil.sh');
    await writeFile(evil, `#!/bin/sh\ntouch ${marker}\n`, { mode: 0o755 });
    const elsewhere = path.join(f.dir, 'elsewhere');

    // Another upstream, abra binary and state dir in the input: the worker's own are used.
    const hostileEnv = { ...env, abra: { bin: evil, dir: elsewhere }, stateDir: elsewhere };
    const synced = await run(acts.syncRecipe, { env: hostileEnv, recipe: { ...hello, upstream: path.join(f.dir, 'nowhere') } });
    expect(synced.tags).toEqual(['1.0.0+1.0']);
    expect(existsSync(path.join(f.stateDir, 'mirrors', 'hello.git'))).toBe(true);
    expect(existsSync(elsewhere)).toBe(false);

    // A test command in the input is never run: the config's recipe has none (n/a).
    const runDir = path.join(f.stateDir, 'runs', 'sweep-x', 'hello');
    const tier = await run(acts.runTier, {
      env: hostileEnv,
      recipe: { ...hello, test: { command: [evil], timeoutSeconds: 10 } },
      tier: 'custom' as const,
      version: '1.0.0+1.0',
      runDir,
      domain: 'cold-hello.ci.test.local',
      commit: 'a'.repeat(40),
      previous: null,
      backup: false,
    });
    expect(tier).toMatchObject({ status: 'n/a', reason: 'no test command configured' });
    expect(existsSync(marker)).toBe(false);

    await expect(run(acts.syncRecipe, { env, recipe: { ...hello, name: 'nosuch' } })).rejects.toThrow(/recipe "nosuch" is not in the config/);
    await expect(run(acts.syncRecipe, { env: { ...env, server: 'evil.example.org' }, recipe: hello })).rejects.toThrow(
      /server "evil\.example\.org" is not in the config/,
    );
    await expect(run(acts.writeRecipeResult, { runDir: '/tmp/outside', result: {} as never })).rejects.toThrow(/is not under the state directory/);
    await expect(run(acts.clearStaleLock, { lockId: 'deploy-traefik', runId: 'x', reason: 'r' })).rejects.toThrow(/is not one of coopci's locks/);
  });
});

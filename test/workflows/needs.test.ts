/**
 * coldRun with recipes[].needs, on the real dev server with mock activities:
 * the dependencies are deployed in plan order under their recipe locks and
 * torn down after the cold app whatever happens (a red tier, an abort during
 * a dependency's deploy), a failed dependency teardown is red, the locks are
 * taken all or none, and a recipe without needs runs no new step.
 */
import type { Client } from '@temporalio/client';
import { afterEach, describe, expect, it } from 'vitest';
import { abortSignal, recipeStatusQuery, releaseSignal } from '../../contract/messages';
import { recipeLockId } from '../../contract/ids';
import type { RecipeSpec } from '../../contract/types';
import type { recipeWorkflow } from '../../workflows/recipe';
import { env, fail, Hold, pause, terminateLeftovers, uniqueId, withWorker, type Mocks } from './harness';
import { spec, sweepWorld, type RecipeScript } from './sweep-world';

/** A dependent and its two dependencies (`a` deployed before `b`), named per test: the locks are the server's. */
function world(script: RecipeScript, opts: { deployHold?: Hold; teardownFails?: string; deployFails?: string } = {}) {
  const id = uniqueId('n').replace(/[^a-z0-9]/g, '');
  const [dependent, a, b] = [`board${id}`, `a${id}`, `b${id}`];
  const w = sweepWorld({ [dependent]: script });
  const domainOf = (dep: string) => `dep-${dep}-${dependent}.ci.test.local`;
  const depMocks: Mocks = {
    async planDependencies() {
      return { deps: [a, b].map((n) => ({ recipe: spec(n), domain: domainOf(n) })), env: { A_DOMAIN: domainOf(a), B_DOMAIN: domainOf(b) } };
    },
    async deployDependency({ recipe }) {
      if (recipe.name === b) {
        await opts.deployHold?.wait();
        if (opts.deployFails) throw fail(opts.deployFails);
      }
      return { domain: domainOf(recipe.name), version: '1.0.0+1.0', source: 'latest release', done: 'deployed' };
    },
    async teardownDependency({ recipe }) {
      if (opts.teardownFails && recipe.name === a) throw fail(opts.teardownFails);
    },
  };
  const mocks = { ...w.mocks, ...w.log.record(depMocks) };
  const recipe: RecipeSpec = {
    ...spec(dependent),
    needs: [
      { recipe: a, env: 'A_DOMAIN' },
      { recipe: b, env: 'B_DOMAIN' },
    ],
  };
  const start = (client: Client, taskQueue: string, r: RecipeSpec = recipe) =>
    client.workflow.start<typeof recipeWorkflow>('recipeWorkflow', {
      workflowId: uniqueId(`wf-${r.name}`),
      taskQueue,
      args: [{ sweepId: 'by-hand', env, recipe: r }],
    });
  /** Steps of one run, with the dependency for the dependency steps: `deployDependency:a…`. */
  const steps = (workflowId: string) =>
    w.log
      .by(workflowId)
      .map((c) =>
        c.activity === 'deployDependency' || c.activity === 'teardownDependency'
          ? `${c.activity}:${(c.input as { recipe: RecipeSpec }).recipe.name === a ? 'a' : 'b'}`
          : c.activity === 'runTier'
            ? `runTier:${(c.input as { tier: string }).tier}`
            : c.activity,
      );
  const lockRunning = async (client: Client, dep: string) =>
    (await client.workflow
      .getHandle(recipeLockId(dep))
      .describe()
      .then((d) => d.status.name)
      .catch(() => 'NONE')) === 'RUNNING';
  return { w, mocks, recipe, names: { dependent, a, b }, start, steps, lockRunning };
}

describe.sequential('cold-run dependencies (workflow)', { timeout: 60_000 }, () => {
  afterEach(terminateLeftovers);

  it('deploys them in order before the tiers, passes their env to every tier, tears them down last first after the cold app', async () => {
    const t = world({});
    const { result, id, held } = await withWorker(t.mocks, async ({ client, taskQueue }) => {
      const h = await t.start(client, taskQueue);
      const r = await h.result();
      return { result: r, id: h.workflowId, held: [await t.lockRunning(client, t.names.a), await t.lockRunning(client, t.names.b)] };
    });
    expect(result.label).toBe('PROMOTED');
    expect(t.steps(id)).toEqual([
      'lookAtRecipe',
      'syncRecipe',
      'readCanonical',
      'planDependencies',
      'deployDependency:a',
      'deployDependency:b',
      'prepareColdRun',
      'runTier:install',
      'runTier:upgrade',
      'runTier:backup',
      'runTier:restore',
      'runTier:custom',
      'teardownColdApp',
      'teardownDependency:b',
      'teardownDependency:a',
      'promoteDeploy',
      'promoteIdle',
      'recordCanonical',
      'readCanonical',
      'writeRecipeResult',
    ]);
    for (const tier of t.w.log.of('runTier'))
      expect(tier.needsEnv).toEqual({ A_DOMAIN: `dep-${t.names.a}-${t.names.dependent}.ci.test.local`, B_DOMAIN: expect.any(String) });
    expect(held).toEqual([false, false]); // released
  });

  it('a red tier still tears them down; a failed dependency teardown is red like a failed teardown', async () => {
    const t = world({ redTier: 'upgrade' }, { teardownFails: 'volume busy' });
    const { result, id } = await withWorker(t.mocks, async ({ client, taskQueue }) => {
      const h = await t.start(client, taskQueue);
      return { result: await h.result(), id: h.workflowId };
    });
    expect(result.label).toBe('FAILED');
    expect(result.reason).toMatch(new RegExp(`^upgrade: upgrade broke; teardown failed: dependency ${t.names.a}: volume busy`));
    expect(t.steps(id).slice(-5)).toEqual(['teardownColdApp', 'teardownDependency:b', 'teardownDependency:a', 'readCanonical', 'writeRecipeResult']);
  });

  it('a dependency that fails to deploy is named; it and the ones before it are torn down, no tier runs', async () => {
    const t = world({}, { deployFails: 'not healthy after 8s' });
    const { result, id } = await withWorker(t.mocks, async ({ client, taskQueue }) => {
      const h = await t.start(client, taskQueue);
      return { result: await h.result(), id: h.workflowId };
    });
    expect(result).toMatchObject({ label: 'FAILED', reason: `dependency ${t.names.b} failed: not healthy after 8s (canonical unchanged: none)`, tiers: [] });
    expect(t.steps(id)).not.toContain('prepareColdRun');
    expect(t.steps(id)).toContain('teardownDependency:a');
    expect(t.steps(id)).toContain('teardownDependency:b');
  });

  it('an abort during a dependency deploy tears down every dependency after the cold app and releases their locks', async () => {
    const deployHold = new Hold();
    const t = world({}, { deployHold });
    const { result, id, held } = await withWorker(t.mocks, async ({ client, taskQueue }) => {
      const h = await t.start(client, taskQueue);
      await deployHold.reached;
      expect([await t.lockRunning(client, t.names.a), await t.lockRunning(client, t.names.b)]).toEqual([true, true]);
      await h.signal(abortSignal, 'operator test');
      const r = await h.result();
      return { result: r, id: h.workflowId, held: [await t.lockRunning(client, t.names.a), await t.lockRunning(client, t.names.b)] };
    });
    expect(deployHold.cancelled).toBe(true);
    expect(result).toMatchObject({ label: 'FAILED', reason: expect.stringMatching(/^aborted: operator test/) });
    expect(t.steps(id).slice(-5)).toEqual(['teardownColdApp', 'teardownDependency:b', 'teardownDependency:a', 'readCanonical', 'writeRecipeResult']);
    expect(held).toEqual([false, false]);
  });

  it('takes the dependency locks all or none: it holds none while it waits for one', async () => {
    const t = world({});
    await withWorker(t.mocks, async ({ client, taskQueue }) => {
      // Another run holds b (a lock started by hand has no holder: held).
      const other = await client.workflow.start('lockWorkflow', { workflowId: recipeLockId(t.names.b), taskQueue });
      const h = await t.start(client, taskQueue);
      await pause(3_000);
      expect((await h.query(recipeStatusQuery)).phase).toBe('waiting');
      expect(await t.lockRunning(client, t.names.a)).toBe(false); // a was let go again
      await other.signal(releaseSignal);
      expect((await h.result()).label).toBe('PROMOTED');
      expect(t.steps(h.workflowId)).toContain('deployDependency:b');
    });
  });

  it('a recipe without needs runs no dependency step', async () => {
    const t = world({});
    const id = await withWorker(t.mocks, async ({ client, taskQueue }) => {
      const h = await t.start(client, taskQueue, spec(t.names.dependent));
      await h.result();
      return h.workflowId;
    });
    expect(t.steps(id).filter((s) => /Dependenc/.test(s))).toEqual([]);
  });
});

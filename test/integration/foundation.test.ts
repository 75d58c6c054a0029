/**
 * The foundation, end to end on real parts: a workflow with real activities
 * on the real dev server, and a real Swarm stack from a locally built image
 * read back through dockerode.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Apps } from '../../adapters/apps';
import { probeOnce } from '../../adapters/health';
import { docker, stackLeftovers, stackServices } from '../../adapters/swarm';
import { checkoutForAbra, syncMirror } from '../../adapters/git';
import { snapshotOf } from '../../contract/snapshot';
import { stackName } from '../../domain/stack-name';
import { SA } from '../../contract/search-attributes';
import type { RecipeResult } from '../../contract/types';
import { makeFixture, type Fixture } from '../helpers/fixture';
import { startWorker, testClient } from '../helpers/temporal';
import { CI, port } from '../helpers/pool';
import { NOTHING_LEFT } from '../helpers/remove-apps';

describe('a real workflow with real activities', () => {
  let f: Fixture;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  beforeAll(async () => {
    f = await makeFixture('foundation', [{ name: 'unreleased', from: 'unreleased' }]);
    worker = await startWorker(f);
  });
  afterAll(() => worker?.stop());

  it('syncs a real mirror and decides never-released, visible through search attributes', async () => {
    const client = await testClient();
    const snap = snapshotOf(f.loaded.config, f.loaded.file, f.loaded.digest);
    const id = `foundation-${Date.now()}/unreleased`;
    const result: RecipeResult = await client.workflow.execute('recipeWorkflow', {
      workflowId: id,
      taskQueue: f.taskQueue,
      args: [{ sweepId: 'foundation', env: snap.env, recipe: snap.recipes[0] }],
      typedSearchAttributes: [{ key: SA.recipe, value: 'unreleased' }],
    });
    expect(result).toMatchObject({ recipe: 'unreleased', label: 'SKIPPED', reason: 'never-released', version: null, tiers: [] });
    const d = await client.workflow.getHandle(id).describe();
    expect(d.typedSearchAttributes.get(SA.label)).toBe('SKIPPED');
    expect(d.typedSearchAttributes.get(SA.phase)).toBe('done');
  });
});

describe('a real Swarm stack from a locally built image', () => {
  it('deploys through abra, converges, answers HTTP, and tears down to nothing', async () => {
    const f = await makeFixture('swarm', [{ name: 'hello', from: 'hello' }]);
    const snap = snapshotOf(f.loaded.config, f.loaded.file, f.loaded.digest);
    const mirror = `${f.stateDir}/mirrors/hello.git`;
    await syncMirror(f.upstream('hello'), mirror, 30_000);
    await checkoutForAbra(mirror, `${f.abraDir}/recipes/hello`, '1.1.0+1.1', 30_000);
    const apps = new Apps(snap.env, docker());
    const domain = `swarm-hello.${CI}`;
    try {
      await apps.abra.appNew('hello', '1.1.0+1.1', domain, 30_000);
      await apps.rollOut(domain, '1.1.0+1.1', snap.recipes[0]!.health, 'deploy');
      const services = await stackServices(docker(), stackName(domain));
      expect(services).toEqual([expect.objectContaining({ name: `${stackName(domain)}_app`, desired: 1, running: 1 })]);
      const svc = await docker().getService(services[0]!.name).inspect();
      expect(svc.Spec.TaskTemplate.ContainerSpec.Image).toMatch(/^coopci\/busybox:1/);
      expect(await probeOnce({ url: `http://127.0.0.1:${port(18081)}/`, allowedStatus: [200], requestTimeoutMs: 2000 })).toEqual({ ok: true, status: 200 });
      expect((await stackLeftovers(docker(), stackName(domain))).secrets).toEqual([`${stackName(domain)}_admin_password_v1`]);
    } finally {
      await apps.destroy(domain);
    }
    const left = await stackLeftovers(docker(), stackName(domain));
    expect(left).toEqual(NOTHING_LEFT);
  });
});

/**
 * Clearing the Swarm of one CI domain, for the tests (fixture) and the
 * benchmarks (bench/real, bench/nodes) alike. No vitest import: the bench
 * runs outside vitest.
 */
import { docker } from '../../adapters/swarm';

/** What `stackLeftovers` finds of a stack that is wholly gone. */
export const NOTHING_LEFT = { services: [], secrets: [], volumes: [], networks: [], configs: [] };

/**
 * Removes every app of `ciDomain` from the Swarm (cold apps, canonicals with
 * their volumes): canonicals are kept with their data by design, so a
 * canonical an earlier test promoted would otherwise meet the next test's
 * seed of the same recipe (which then, rightly, refuses to touch data it has
 * no record of); and the bench leaves nothing behind.
 */
export async function removeAppsOfDomain(ciDomain: string): Promise<void> {
  const d = docker();
  const ours = (n: string | undefined) => Boolean(n?.includes(`_${ciDomain.replaceAll('.', '_')}`));
  const services = (await d.listServices()).filter((x) => ours(x.Spec?.Name));
  await Promise.all(services.map((x) => d.getService(x.ID).remove()));
  for (let i = 0; i < 60; i++) {
    const containers = (await d.listContainers({ all: true })).filter((c) => ours(c.Labels?.['com.docker.stack.namespace']));
    if (containers.length === 0) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const [secrets, volumes, networks, configs] = await Promise.all([d.listSecrets(), d.listVolumes(), d.listNetworks(), d.listConfigs()]);
  const quietly = (p: Promise<unknown>) => p.catch(() => undefined);
  await Promise.all(secrets.filter((x) => ours(x.Spec?.Name)).map((x) => quietly(d.getSecret(x.ID).remove())));
  await Promise.all((volumes.Volumes ?? []).filter((x) => ours(x.Name)).map((x) => quietly(d.getVolume(x.Name).remove({ force: true }))));
  await Promise.all(networks.filter((x) => ours(x.Name)).map((x) => quietly(d.getNetwork(x.Id).remove())));
  await Promise.all(configs.filter((x) => ours(x.Spec?.Name)).map((x) => quietly(d.getConfig(x.ID).remove())));
}

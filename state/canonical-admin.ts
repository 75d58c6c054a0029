/**
 * What an operator does to a canonical by name (`coopci canonical …`): adopt
 * one whose record was lost, forget one (its data only when asked). Nothing
 * here runs unless an operator typed the recipe's name.
 */
import { rm } from 'node:fs/promises';
import type Docker from 'dockerode';
import { Apps } from '../adapters/apps';
import { tagCommit } from '../adapters/git';
import type { RunEnv } from '../contract/types';
import { canonicalDomain } from '../domain/canonical-domain';
import type { CanonicalRecord } from '../domain/registry-record';
import { canonicals } from './canonicals';
import { paths } from './paths';

export class CanonicalAdminError extends Error {
  override name = 'CanonicalAdminError';
}

const GIT_TIMEOUT_MS = 30_000;

/** Where a recipe's canonical lives (the same rule the promote uses). */
export const canonicalDomainOf = (env: RunEnv, recipe: string) => canonicalDomain(recipe, env.ciDomain, env.liveWarmDomains);

/**
 * Writes the record of a canonical whose data exists without one, at the
 * version abra's env file gives it and the commit of that release tag in the
 * recipe's mirror.
 */
export async function adoptCanonical(env: RunEnv, docker: Docker, recipe: string): Promise<CanonicalRecord> {
  const existing = await canonicals.read(env.stateDir, recipe);
  if (existing) throw new CanonicalAdminError(`${recipe} already has a canonical record (${existing.version} at ${existing.domain}); nothing to adopt`);
  const domain = canonicalDomainOf(env, recipe);
  const apps = new Apps(env, docker);
  if ((await apps.holdings(domain)).length === 0) throw new CanonicalAdminError(`nothing of ${recipe} is at ${domain}: there is no canonical to adopt`);
  const version = await apps.appVersion(domain);
  if (!version) throw new CanonicalAdminError(`${domain} has no abra env file with TYPE=${recipe}:<version>, so its version is unknown; forget it instead`);
  let commit: string;
  try {
    commit = await tagCommit(paths.mirror(env.stateDir, recipe), version, GIT_TIMEOUT_MS);
  } catch (e) {
    throw new CanonicalAdminError(
      `the release tag ${version} of ${recipe} is not in its mirror (${(e as Error).message.split('\n')[0]}); run a sweep of it first`,
    );
  }
  return canonicals.write(env.stateDir, { recipe, version, commit, domain });
}

/**
 * Drops a canonical's record (and a seed's marker), so the next sweep seeds
 * it afresh; with `destroyData` also removes everything of it from Swarm and
 * abra: services, volumes, secrets, env file. Returns what it removed.
 */
export async function forgetCanonical(env: RunEnv, docker: Docker, recipe: string, destroyData: boolean): Promise<string[]> {
  const removed: string[] = [];
  const record = await canonicals.read(env.stateDir, recipe).catch(() => null); // a corrupt record is forgotten too
  const domain = record?.domain ?? canonicalDomainOf(env, recipe);
  for (const file of [paths.canonical(env.stateDir, recipe), paths.seedMarker(env.stateDir, recipe)]) {
    await rm(file, { force: true });
  }
  removed.push(`the record${record ? ` (${record.version})` : ''}`);
  if (destroyData) {
    const apps = new Apps(env, docker);
    const held = await apps.holdings(domain);
    await apps.destroy(domain);
    removed.push(...held.map((h) => `${domain} ${h}`));
  }
  return removed;
}

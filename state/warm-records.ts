import path from 'node:path';
import { RejectedReleases, type Rejection } from '../domain/warm-records';
import { readJson, writeJsonAtomic } from './json-store';
import { paths } from './paths';

/** stateDir/warm/<app>/rejected.json, beside the app's last-good record. */
const rejectedFile = (stateDir: string, app: string) => path.join(path.dirname(paths.lastGood(stateDir, app)), 'rejected.json');

/** The releases of an app that failed their gate (none when there is no record). */
export async function readRejected(stateDir: string, app: string): Promise<Rejection[]> {
  return (await readJson(rejectedFile(stateDir, app), RejectedReleases))?.rejected ?? [];
}

/**
 * Remembers a rejected release; idempotent (a retry, or the same release
 * rejected again, keeps one entry: the first rejection's). Deploys of one app
 * run one at a time (its lock), so there is one writer.
 */
export async function addRejected(stateDir: string, app: string, rejection: Rejection): Promise<void> {
  const rejected = await readRejected(stateDir, app);
  if (rejected.some((r) => r.version === rejection.version)) return;
  await writeJsonAtomic(rejectedFile(stateDir, app), RejectedReleases.parse({ app, rejected: [...rejected, rejection] }));
}

/** Forgets a rejection: the release has now passed its gate (an operator forced it). */
export async function dropRejected(stateDir: string, app: string, version: string): Promise<void> {
  const rejected = await readRejected(stateDir, app);
  if (!rejected.some((r) => r.version === version)) return;
  await writeJsonAtomic(rejectedFile(stateDir, app), RejectedReleases.parse({ app, rejected: rejected.filter((r) => r.version !== version) }));
}

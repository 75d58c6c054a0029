/**
 * Activities run as the worker, which holds the Docker socket: whatever they
 * execute or write must come from the worker's own configuration, never from
 * a workflow's input (anyone who may start a workflow could otherwise name
 * the abra binary, a test command, a state directory or a recipe's upstream).
 * So every input's `env`, `recipe` and warm `app` are replaced here by the
 * worker's config's own, looked up by name, and paths are checked to lie
 * inside the worker's state directory.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { LoadedConfig } from '../config/load';
import { SWEEP_LOCK_ID } from '../contract/ids';
import { snapshotOf } from '../contract/snapshot';
import type { RunEnv } from '../contract/types';
import { loadOrFail } from './config-snapshot';

/** The worker's config, read again only when the file changed. */
export function trustedConfig(file: string): () => Promise<LoadedConfig> {
  let cached: { mtimeMs: number; loaded: LoadedConfig } | null = null;
  return async () => {
    const { mtimeMs } = await stat(file);
    if (cached?.mtimeMs !== mtimeMs) cached = { mtimeMs, loaded: await loadOrFail(file) };
    return cached.loaded;
  };
}

type Activity = (input: never) => Promise<unknown>;

/** Wraps each activity so it sees its input with the trusted parts resolved from the worker's config. */
export function trusting<T extends Record<string, Activity>>(activities: T, config: () => Promise<LoadedConfig>): T {
  const wrapped: Record<string, Activity> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (input: unknown) => (fn as (i: unknown) => Promise<unknown>)(await resolveTrusted(input, await config()));
  }
  return wrapped as T;
}

function refuse(message: string): never {
  throw ApplicationFailure.nonRetryable(`${message}; the worker uses only what its own configuration says`, 'UntrustedInput');
}

export async function resolveTrusted(input: unknown, loaded: LoadedConfig): Promise<unknown> {
  if (!input || typeof input !== 'object') return input;
  const i = { ...(input as Record<string, unknown>) };
  const { config } = loaded;
  const own = snapshotOf(config, loaded.file, loaded.digest).env;
  if (i.env && typeof i.env === 'object') {
    const given = i.env as Partial<RunEnv>;
    // A scale-out node's server, or the config's.
    const servers = [config.server, ...config.nodes.map((n) => n.server)];
    if (given.server !== undefined && !servers.includes(given.server)) refuse(`server "${given.server}" is not in the config`);
    if (given.stateDir !== undefined && given.stateDir !== own.stateDir) logChanged('stateDir');
    i.env = { ...own, server: given.server ?? own.server };
  }
  if (i.recipe && typeof i.recipe === 'object') {
    const name = (i.recipe as { name?: unknown }).name;
    const recipe = config.recipes.find((r) => r.name === name);
    if (!recipe) refuse(`recipe "${String(name)}" is not in the config`);
    i.recipe = recipe;
  }
  if (i.app && typeof i.app === 'object') {
    const name = (i.app as { name?: unknown }).name;
    const app = config.warm.find((w) => w.name === name);
    if (!app) refuse(`warm app "${String(name)}" is not in the config`);
    i.app = app;
  }
  if (typeof i.runDir === 'string' && !isInside(i.runDir, path.join(own.stateDir, 'runs')))
    refuse(`run directory ${i.runDir} is not under the state directory`);
  if (typeof i.lockId === 'string' && i.lockId !== SWEEP_LOCK_ID && !i.lockId.startsWith('coopci-lock/')) refuse(`"${i.lockId}" is not one of coopci's locks`);
  return i;
}

const isInside = (p: string, dir: string) => {
  const rel = path.relative(dir, path.resolve(p));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
};

function logChanged(what: string): void {
  try {
    Context.current().log.warn(`the workflow's ${what} differs from the worker's config (changed during the run?): the worker's is used`);
  } catch {
    // not in an activity
  }
}

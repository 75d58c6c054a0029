/** What every command shares: its exit code, the config it reads, the Temporal client, usage errors. */
import { existsSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { connectClient } from '../client/connect';
import { loadConfig, type LoadedConfig } from '../config/load';

/** A command's work; it resolves to the exit code (0 ok, 1 failed). Usage errors go through usageError (2). */
export type Handler = (cmd: Command) => Promise<number>;

export const JSON_HELP = 'machine-readable output';

// Commander ignores what an action returns: the exit code is kept here, by program, for main().
const exitCodes = new WeakMap<Command, number>();

/** A commander action running handler (commander passes the command itself last). */
export function run(handler: Handler) {
  return async (...args: unknown[]): Promise<void> => {
    const cmd = args.at(-1) as Command;
    exitCodes.set(programOf(cmd), await handler(cmd));
  };
}

export function exitCodeOf(program: Command): number {
  return exitCodes.get(program) ?? 0;
}

function programOf(cmd: Command): Command {
  return cmd.parent ? programOf(cmd.parent) : cmd;
}

/** Stops with exit code 2, the message and where to find the command's usage. */
export function usageError(cmd: Command, message: string): never {
  return cmd.error(`error: ${message}`, { exitCode: 2, code: 'coopci.usage' });
}

/** The global --config, else $COOPCI_CONFIG, else ./coopci.yaml. */
export function configPath(cmd: Command): string {
  const file = cmd.optsWithGlobals<{ config?: string }>().config ?? process.env.COOPCI_CONFIG ?? (existsSync('coopci.yaml') ? 'coopci.yaml' : undefined);
  if (!file) usageError(cmd, 'no configuration: pass --config FILE or set COOPCI_CONFIG (example: config/local.yaml)');
  return file;
}

export function loadFor(cmd: Command): Promise<LoadedConfig> {
  return loadConfig(configPath(cmd));
}

export interface Session {
  loaded: LoadedConfig;
  client: Client;
}

/** The command's config and a client connected to its Temporal server. */
export async function session(cmd: Command): Promise<Session> {
  const loaded = await loadFor(cmd);
  return { loaded, client: await connectClient(loaded.config) };
}

/** What every part of abra-local shares: abra's way of failing, ABRA_DIR, and running a program. */
import { stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

/** A refusal or failure; main prints it as abra does (`FATA <message>` on stderr) and exits 1. */
export class Fatal extends Error {}

export const ABRA_DIR = process.env.ABRA_DIR ?? path.join(os.homedir(), '.abra');
export const serverDir = (server: string) => path.join(ABRA_DIR, 'servers', server);
export const recipeDir = (recipe: string) => path.join(ABRA_DIR, 'recipes', recipe);

/** Domains, server and recipe names become paths under ABRA_DIR: nothing that could climb out of it. */
export function assertName(name: string, what: string): string {
  if (!/^[A-Za-z0-9]([A-Za-z0-9._-]{0,251}[A-Za-z0-9])?$/.test(name) || name.includes('..')) throw new Fatal(`"${name}" is not a valid ${what}`);
  return name;
}

export const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

/** Runs a program; a failure becomes a Fatal naming it with its own output. */
export async function sh(file: string, args: string[], opts: { input?: string; env?: Record<string, string>; extendEnv?: boolean } = {}) {
  const r = await execa(file, args, { input: opts.input, env: opts.env, extendEnv: opts.extendEnv ?? true, reject: false });
  if (r.failed) throw new Fatal(`${file} ${args.slice(0, 2).join(' ')} failed: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

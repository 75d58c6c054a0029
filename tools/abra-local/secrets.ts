/**
 * An app's secrets as abra finds them: a secret of the active compose files
 * that a service uses, named by its `name:` (by convention
 * `${STACK_NAME}_<name>_${SECRET_<NAME>_VERSION}`), its version being what
 * follows the last `_`. The `SECRET_<NAME>_VERSION` line's comment may say
 * `length=N` (a password of N characters) or `generate=false` (abra leaves it
 * to the operator). A commented-out version line leaves the name without a
 * version, which abra refuses; a secret only an inactive compose file
 * declares is not the app's.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type Docker from 'dockerode';
import { interpolate, type ComposeModel } from './compose';
import { Fatal, sh } from './common';
import { envValues, type Env } from './env';

export interface AppSecret {
  id: string;
  /** The Docker secret's name. */
  name: string;
  length: number | null;
  generate: boolean;
}

export function appSecrets(model: ComposeModel, env: Env, stack: string): AppSecret[] {
  const values = { ...envValues(env), STACK_NAME: stack };
  const used = new Set([...model.services.values()].flatMap((s) => [...s.secrets]));
  return [...model.secrets].flatMap(([id, { rawName }]) => {
    if (!used.has(id)) return [];
    const name = rawName ? interpolate(rawName, values) : '';
    if (!name || name.endsWith('_')) throw new Fatal(`missing version for secret? (${id}): is its SECRET_<NAME>_VERSION line commented out?`);
    const line = [...env].find(([key]) => /^SECRET_\w+_VERSION$/.test(key) && new RegExp(`\\$\\{?${key}\\b`).test(rawName!))?.[1];
    const lengthRaw = line?.modifiers.get('length');
    const length = lengthRaw === undefined ? null : Number(lengthRaw);
    if (length !== null && !(Number.isInteger(length) && length > 0)) throw new Fatal(`secret ${id}: length=${lengthRaw} is not a positive whole number`);
    return [{ id, name, length, generate: line?.modifiers.get('generate') !== 'false' }];
  });
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Creates the secrets abra generates; returns [id, value] of each, in order. */
export async function generateSecrets(secrets: AppSecret[]): Promise<[string, string][]> {
  const generated: [string, string][] = [];
  for (const s of secrets.filter((x) => x.generate)) {
    const value = s.length === null ? randomBytes(24).toString('hex') : Array.from({ length: s.length }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    await sh('docker', ['secret', 'create', s.name, '-'], { input: value });
    generated.push([s.id, value]);
  }
  return generated;
}

/** abra checks every secret of the app exists before it deploys. */
export async function assertSecretsExist(d: Docker, secrets: AppSecret[], domain: string): Promise<void> {
  const present = new Set((await d.listSecrets()).map((s) => s.Spec?.Name));
  const missing = secrets.filter((s) => !present.has(s.name)).map((s) => s.name);
  if (missing.length) {
    throw new Fatal(`secret not found: ${missing.join(', ')} (generate or insert it: "abra app secret generate ${domain} --all" / "abra app secret insert")`);
  }
}

/**
 * The parts of a recipe's compose files abra itself reads (Docker reads the
 * rest at deploy): the services with their images and secrets, and the
 * top-level secrets with their names. Several files merge as compose merges
 * them (later files add to and override earlier ones).
 */
import { readdir } from 'node:fs/promises';
import YAML from 'yaml';
import { Fatal } from './common';
import { readRecipeFile, type Checkout } from './recipe';

export interface ComposeModel {
  /** The first file's `version:` (an overlay file must carry one too). */
  version: string | undefined;
  services: Map<string, { image?: string; secrets: Set<string> }>;
  /** Secret id → its `name:` as written (e.g. `${STACK_NAME}_db_password_${SECRET_DB_PASSWORD_VERSION}`). */
  secrets: Map<string, { rawName?: string }>;
}

interface ComposeFile {
  version?: unknown;
  services?: Record<string, { image?: unknown; secrets?: unknown[] } | null>;
  secrets?: Record<string, { name?: unknown } | null>;
}

/** The compose files of an app: its COMPOSE_FILE chain, compose.yml when it has none. */
export const composeFilesOf = (env: Record<string, string>) => (env.COMPOSE_FILE || 'compose.yml').split(':').filter(Boolean);

/** Every compose file at the top of the recipe, as abra's lint reads it (`compose**yml`). */
export async function allComposeFiles(c: Checkout): Promise<string[]> {
  return (await readdir(c.dir)).filter((f) => /^compose.*yml$/.test(f)).sort();
}

export async function loadCompose(c: Checkout, files: string[]): Promise<ComposeModel> {
  const model: ComposeModel = { version: undefined, services: new Map(), secrets: new Map() };
  for (const file of files) {
    const text = await readRecipeFile(c, file);
    if (text === null) throw new Fatal(`${c.recipe}: compose file ${file} does not exist (COMPOSE_FILE names it)`);
    let doc: ComposeFile;
    try {
      doc = (YAML.parse(text) ?? {}) as ComposeFile;
    } catch (e) {
      throw new Fatal(`${c.recipe}: ${file} is not valid YAML: ${(e as Error).message}`);
    }
    model.version ??= typeof doc.version === 'string' ? doc.version : undefined;
    for (const [name, svc] of Object.entries(doc.services ?? {})) {
      const merged = model.services.get(name) ?? { secrets: new Set<string>() };
      if (typeof svc?.image === 'string') merged.image = svc.image;
      for (const s of svc?.secrets ?? []) merged.secrets.add(typeof s === 'string' ? s : String((s as { source?: unknown }).source));
      model.services.set(name, merged);
    }
    for (const [id, sec] of Object.entries(doc.secrets ?? {})) {
      model.secrets.set(id, { rawName: typeof sec?.name === 'string' ? sec.name : model.secrets.get(id)?.rawName });
    }
  }
  return model;
}

/** Compose's variable substitution: `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`. */
export function interpolate(s: string, env: Record<string, string>): string {
  return s.replace(
    /\$(\$|[A-Za-z_][A-Za-z0-9_]*|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\})/g,
    (_all: string, body: string, name?: string, colon?: string, op?: string, arg?: string) => {
      if (body === '$') return '$';
      if (!name) return env[body] ?? '';
      const v = env[name];
      const unset = v === undefined || (colon === ':' && v === '');
      if (op === '-') return unset ? (arg ?? '') : (v ?? '');
      if (op === '?' && unset) throw new Fatal(`required variable ${name} is missing a value: ${arg}`);
      return v ?? '';
    },
  );
}

import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import YAML from 'yaml';
import { Config, formatIssues } from './schema';

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: invalid configuration\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export interface LoadedConfig {
  config: Config;
  file: string;
  /** sha256 of the file's bytes: which configuration a run used, without its content. */
  digest: string;
}

/** Reads, validates and resolves a config file; paths inside it are relative to the file. */
export async function loadConfig(file: string): Promise<LoadedConfig> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (e) {
    throw new ConfigError(abs, [`cannot read the file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`]);
  }
  return { ...parseConfigText(text, abs), file: abs };
}

export function parseConfigText(text: string, file: string): { config: Config; digest: string } {
  let raw: unknown;
  try {
    raw = YAML.parse(text, { prettyErrors: true });
  } catch (e) {
    throw new ConfigError(file, [`not valid YAML: ${(e as Error).message.split('\n')[0]}`]);
  }
  const r = Config.safeParse(raw ?? {});
  if (!r.success) throw new ConfigError(file, formatIssues(r.error));
  return { config: resolvePaths(r.data, path.dirname(file)), digest: createHash('sha256').update(text).digest('hex') };
}

function resolvePaths(c: Config, base: string): Config {
  const abs = (p: string) => (path.isAbsolute(p) ? p : path.resolve(base, p));
  const isPath = (u: string) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(u) && !/^[^/]+@[^/]+:/.test(u);
  return {
    ...c,
    stateDir: abs(c.stateDir),
    abra: { ...c.abra, dir: abs(c.abra.dir), bin: c.abra.bin.includes('/') ? abs(c.abra.bin) : c.abra.bin },
    recipes: c.recipes.map((r) => ({
      ...r,
      upstream: isPath(r.upstream) ? abs(r.upstream) : r.upstream,
      health: { ...r.health, caFile: r.health.caFile && abs(r.health.caFile) },
    })),
    warm: c.warm.map((w) => ({
      ...w,
      upstream: isPath(w.upstream) ? abs(w.upstream) : w.upstream,
      health: { ...w.health, caFile: w.health.caFile && abs(w.health.caFile) },
    })),
  };
}

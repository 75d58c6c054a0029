/**
 * Env files (`.env.sample`, `servers/<server>/<domain>.env`) read the way abra
 * reads them (its fork of godotenv): `export` allowed, `#` lines skipped,
 * single quotes literal, double quotes with escapes, unquoted values cut at
 * ` #`; `$VAR` / `${VAR}` expand from the lines above (so a
 * `COMPOSE_FILE="$COMPOSE_FILE:compose.x.yml"` chain builds up); and the
 * comment after a value carries modifiers such as `# length=128` or
 * `# generate=false`. A line it cannot read fails, as abra fails on it.
 */
import { Fatal } from './common';

export interface EnvEntry {
  value: string;
  modifiers: Map<string, string>;
}

export type Env = Map<string, EnvEntry>;

const LINE = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*[=:]\s*(.*)$/;
// godotenv expands upper-case names only; `\$` is a literal dollar.
const EXPAND = /(\\)?\$(\()?\{?([A-Z0-9_]+)?\}?/g;

export function parseEnv(text: string, where: string): Env {
  const env: Env = new Map();
  text.split(/\r?\n/).forEach((raw, n) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = LINE.exec(line);
    if (!m) throw new Fatal(`${where}: line ${n + 1}: cannot parse "${line}"`);
    const [value, comment] = readValue(m[2]!, env, `${where}: line ${n + 1}`);
    env.set(m[1]!, { value, modifiers: parseModifiers(comment) });
  });
  return env;
}

export const envValues = (env: Env): Record<string, string> => Object.fromEntries([...env].map(([k, e]) => [k, e.value]));

/** The value and whatever comment follows it. */
function readValue(rest: string, env: Env, where: string): [string, string] {
  const quote = rest[0];
  if (quote === "'" || quote === '"') {
    let end = 1;
    while (end < rest.length && (rest[end] !== quote || (quote === '"' && rest[end - 1] === '\\'))) end++;
    if (end >= rest.length) throw new Fatal(`${where}: unterminated quoted value`);
    const inner = rest.slice(1, end);
    const value = quote === "'" ? inner : expand(unescape(inner), env);
    return [value, rest.slice(end + 1)];
  }
  const hash = /\s#/.exec(rest);
  const bare = hash ? rest.slice(0, hash.index) : rest;
  return [expand(bare.trim(), env), hash ? rest.slice(hash.index) : ''];
}

function unescape(s: string): string {
  return s.replace(/\\([\\"nrt$])/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? (c === '$' ? '\\$' : c));
}

function expand(s: string, env: Env): string {
  return s.replace(EXPAND, (all: string, escaped?: string, paren?: string, name?: string) => {
    if (escaped || paren) return all.slice(1);
    return name === undefined ? all : (env.get(name)?.value ?? '');
  });
}

/** `# length=128 generate=false` → {length: '128', generate: 'false'}; other comment words are ignored. */
function parseModifiers(comment: string): Map<string, string> {
  const body = /#(.*)$/.exec(comment)?.[1] ?? '';
  return new Map(body.split(/\s+/).flatMap((w) => (/^[a-z]+=\S+$/.test(w) ? [w.split('=', 2) as [string, string]] : [])));
}

/**
 * A new app's env file from the recipe's `.env.sample`: every line kept
 * (comments too), the sample's TYPE and DOMAIN lines replaced by the app's,
 * `TYPE=<recipe>:<version>` as abra 0.10+ records it.
 */
export function newAppEnv(sample: string, recipe: string, version: string, domain: string): string {
  return setKeys(sample, [
    ['TYPE', `${recipe}:${version}`],
    ['DOMAIN', domain],
  ]);
}

/** Sets each key's uncommented line(s) to the value; a key with no line gets one at the top. */
export function setKeys(text: string, pairs: [string, string][]): string {
  let lines = text.replace(/\n$/, '').split('\n');
  const missing: string[] = [];
  for (const [key, value] of pairs) {
    const re = new RegExp(`^\\s*(export\\s+)?${key}\\s*[=:]`);
    if (lines.some((l) => re.test(l))) lines = lines.map((l) => (re.test(l) ? `${key}=${value}` : l));
    else missing.push(`${key}=${value}`);
  }
  return [...missing, ...lines].join('\n') + '\n';
}

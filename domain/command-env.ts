/**
 * The environment a command (abra, git, a recipe's test command) runs with:
 * only what such programs need from the worker's, never the rest (the
 * worker's TEMPORAL_API_KEY, database passwords, …), plus what the caller
 * sets. abra's own settings (ABRA_*) pass; so do locale, proxies, Docker's
 * and SSH's (abra reaches remote servers over SSH).
 */
const PASS = new Set([
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TMPDIR',
  'TERM',
  'NO_COLOR',
  'SSH_AUTH_SOCK',
  'DOCKER_HOST',
  'DOCKER_CONFIG',
  'DOCKER_CONTEXT',
  'DOCKER_CERT_PATH',
  'DOCKER_TLS_VERIFY',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
]);
const PASS_PREFIXES = ['LC_', 'XDG_', 'ABRA_'];

export function commandEnv(parent: Readonly<Record<string, string | undefined>>, own: Readonly<Record<string, string>> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(parent)) {
    if (v !== undefined && (PASS.has(k) || PASS_PREFIXES.some((p) => k.startsWith(p)))) env[k] = v;
  }
  return { ...env, ...own };
}

/**
 * Scrubs secret-looking values from text that may end up in workflow history,
 * logs, alerts or reports (abra and git print env files, URLs with
 * credentials and generated secrets when things go wrong).
 */
const PATTERNS: [RegExp, string][] = [
  // KEY=value where the key names a secret
  [/\b([A-Z0-9_]*(?:SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|APIKEY|PRIVATE_KEY|CREDENTIALS?)[A-Z0-9_]*)\s*[=:]\s*("[^"]*"|'[^']*'|\S+)/gi, '$1=[redacted]'],
  // credentials in URLs
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+(?::[^\s/@]*)?@/gi, '$1[redacted]@'],
  // bearer / basic auth headers
  [/\b(authorization|bearer|basic)(\s*[:=]?\s*)[A-Za-z0-9._~+/=-]{8,}/gi, '$1$2[redacted]'],
];

export function redact(text: string, extraSecrets: readonly string[] = []): string {
  let out = text;
  for (const s of extraSecrets) if (s.length >= 4) out = out.split(s).join('[redacted]');
  for (const [re, rep] of PATTERNS) out = out.replace(re, rep);
  return out;
}

/** The last lines of a command's output, redacted (also of the given secret values), for an error message. */
export function tail(text: string, o: { lines?: number; maxChars?: number; secrets?: readonly string[] } = {}): string {
  const { lines = 8, maxChars = 1500, secrets = [] } = o;
  const t = printable(redact(text, secrets)).trimEnd().split('\n').slice(-lines).join('\n');
  return t.length > maxChars ? `…${t.slice(-maxChars)}` : t;
}

const SECRET_NAME = /SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|PRIVATE_KEY|CREDENTIAL/i;

/**
 * The values of environment variables whose names say they are secret
 * (TEMPORAL_API_KEY, SMTP_PASSWORD, …): a program may print them bare,
 * where no KEY=value pattern would catch them.
 */
export function secretValuesOf(env: Record<string, string | undefined>): string[] {
  return Object.entries(env)
    .filter(([k, v]) => SECRET_NAME.test(k) && v !== undefined && v.length >= 6)
    .map(([, v]) => v!);
}

/** Terminal escapes and control characters (a program printing garbage) made harmless for histories, reports and terminals. */
export function printable(text: string): string {
  return (
    text
      .replace(/\r\n?/g, '\n') // CRLF, and progress bars redrawn with \r, become lines
      // eslint-disable-next-line no-control-regex -- terminal escapes are exactly what is removed
      .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
      // eslint-disable-next-line no-control-regex -- control characters are exactly what is replaced
      .replace(/[\x00-\x08\x0b-\x1f\x7f\ufffd]+/g, '\u2400')
  );
}

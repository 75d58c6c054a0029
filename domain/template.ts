/**
 * `{name}` placeholders in config strings (a health URL's `{domain}`, a test
 * command's `{url}`, `{junit}`, …), filled in one pass: a value that itself
 * contains `{…}` is never expanded again, and unknown names stay as written.
 */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{([a-z]+)\}/g, (whole, name: string) => (Object.hasOwn(values, name) ? values[name]! : whole));
}

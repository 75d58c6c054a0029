import { z } from 'zod';
import { parseVersion } from './version';

/**
 * Names that end up as argv entries, stack names or path segments. They are
 * validated here, before any process starts, so nothing hostile (option
 * injection, path traversal, shell metacharacters) reaches a command line.
 */
export const RECIPE_NAME_RE = /^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$/;
const LABEL_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export const recipeName = z.string().regex(RECIPE_NAME_RE, 'must be lowercase letters, digits and inner hyphens (1-50 characters), e.g. "custom-html"');

export const recipeVersion = z.string().superRefine((v, ctx) => {
  try {
    parseVersion(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});

export const domainName = z
  .string()
  .max(253, 'must be at most 253 characters')
  .refine((d) => d.split('.').length >= 2 && d.split('.').every((l) => LABEL_RE.test(l)), {
    message: 'must be a lowercase DNS name like "ci.example.org"',
  });

/** Throws a readable error; used at every boundary where a name becomes an argument. */
export function assertRecipeName(name: string): string {
  return parse(recipeName, name, 'recipe name');
}

export function assertVersion(version: string): string {
  return parse(recipeVersion, version, 'recipe version');
}

export function assertDomain(domain: string): string {
  return parse(domainName, domain, 'domain');
}

function parse(schema: z.ZodType<string>, value: unknown, what: string): string {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 60)) : typeof value;
  throw new Error(`invalid ${what} ${shown}: ${r.error.issues.map((i) => i.message).join('; ')}`);
}

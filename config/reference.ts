import { z } from 'zod';
import { Config } from './schema';

/** A JSON Schema node, as far as the reference reads it. */
interface Node {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  properties?: Record<string, Node>;
  required?: string[];
  items?: Node;
}

export interface ReferenceRow {
  field: string;
  type: string;
  required: boolean;
  default?: unknown;
  description?: string;
}

/** The schema's JSON Schema, as input (defaults make fields optional). */
export function configJsonSchema(): Node {
  return z.toJSONSchema(Config, { io: 'input', unrepresentable: 'any' }) as Node;
}

/** One row per field, depth first; `[]` marks the items of a list. */
export function referenceRows(node: Node = configJsonSchema(), prefix = ''): ReferenceRow[] {
  const rows: ReferenceRow[] = [];
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const field = prefix ? `${prefix}.${name}` : name;
    rows.push({
      field,
      type: typeOf(child),
      required: (node.required ?? []).includes(name),
      // An object's default is its fields' defaults, listed on their own rows.
      ...(child.default !== undefined && !child.properties ? { default: child.default } : {}),
      ...(child.description ? { description: child.description } : {}),
    });
    if (child.properties) rows.push(...referenceRows(child, field));
    if (child.items?.properties) rows.push(...referenceRows(child.items, `${field}[]`));
  }
  return rows;
}

function typeOf(n: Node): string {
  if (n.enum) return n.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  if (n.type === 'array') return `list of ${n.items ? typeOf(n.items) : 'any'}`;
  const bounds =
    n.type === 'integer' && n.maximum !== undefined ? ` (${n.minimum ?? (n.exclusiveMinimum !== undefined ? n.exclusiveMinimum + 1 : '')}–${n.maximum})` : '';
  return `${Array.isArray(n.type) ? n.type.join(' \\| ') : (n.type ?? 'any')}${bounds}`;
}

/** docs/configuration.md, generated so it can never drift from the schema (a test compares them). */
export function renderConfigReference(): string {
  const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');
  const rows = referenceRows().map(
    (r) =>
      `| \`${r.field}\` | ${r.type} | ${r.required ? 'yes' : ''} | ${r.default !== undefined ? `\`${cell(JSON.stringify(r.default))}\`` : ''} | ${cell(r.description ?? '')} |`,
  );
  return [
    '# Configuration reference',
    '',
    '<!-- Generated from config/schema.ts by `npm run docs:config`; do not edit by hand. -->',
    '',
    'A YAML file (`--config FILE`, `$COOPCI_CONFIG`, else `./coopci.yaml`), checked with',
    '`coopci config check FILE`: every problem is reported with its field path. Durations',
    'are whole seconds. Relative paths are relative to the config file. Unknown fields are',
    'errors, so a typo never silently falls back to a default. `config/local.yaml` is a',
    'complete example.',
    '',
    '| field | type | required | default | meaning |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

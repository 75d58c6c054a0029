/**
 * The error-level lint rules abra runs before deploy, upgrade and rollback
 * (--chaos skips them), on the checked-out recipe and all its compose files.
 * Real abra has more error-level rules than these; docs/abra.md lists which
 * are modelled here and which are still to confirm on a real install.
 */
import path from 'node:path';
import { allComposeFiles, loadCompose, type ComposeModel } from './compose';
import { exists, Fatal } from './common';
import { tags, type Checkout } from './recipe';

interface Rule {
  ref: string;
  description: string;
  /** Why the recipe fails the rule, or null when it passes. */
  check(c: Checkout, compose: ComposeModel): Promise<string | null>;
}

const RULES: Rule[] = [
  {
    ref: 'R008',
    description: '.env.sample provided',
    check: async (c) => ((await exists(path.join(c.dir, '.env.sample'))) ? null : 'no .env.sample'),
  },
  {
    ref: 'R009',
    description: "one service named 'app'",
    check: async (_c, compose) => (compose.services.has('app') ? null : `services: ${[...compose.services.keys()].join(', ') || 'none'}`),
  },
  {
    ref: 'R011',
    description: 'all services have images',
    check: async (_c, compose) => {
      const without = [...compose.services].filter(([, s]) => !s.image).map(([name]) => name);
      return without.length ? `no image: ${without.join(', ')}` : null;
    },
  },
  {
    ref: 'R014',
    description: 'only annotated tags used for recipe version',
    check: async (c) => {
      const lightweight = (await tags(c)).filter((t) => !t.annotated).map((t) => t.name);
      return lightweight.length ? `lightweight tag(s): ${lightweight.join(', ')} (re-tag with "git tag -a")` : null;
    },
  },
];

export async function lintForErrors(c: Checkout): Promise<void> {
  const files = await allComposeFiles(c);
  if (files.length === 0) throw new Fatal(`${c.recipe} is missing a compose.yml or compose.*.yml file?`);
  const compose = await loadCompose(c, files);
  for (const rule of RULES) {
    const why = await rule.check(c, compose);
    if (why !== null) throw new Fatal(`lint error in ${c.recipe} configs: "${rule.description}" failed lint checks (${rule.ref}): ${why}`);
  }
}

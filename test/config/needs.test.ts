/** recipes[].needs in the config: the field, and the checks across recipes (unknown recipe, cycles named). */
import { describe, expect, it } from 'vitest';
import { configProblems as problems, parseConfig } from '../helpers/config';

const recipe = (name: string, needs?: unknown) => ({
  name,
  upstream: `https://git.example.org/recipes/${name}.git`,
  health: { url: 'https://{domain}/' },
  ...(needs !== undefined ? { needs } : {}),
});
const config = (...recipes: unknown[]) => ({ ciDomain: 'ci.example.org', server: 'default', stateDir: '/s', abra: { dir: '/a' }, recipes });
const need = (r: string, env = `${r.toUpperCase()}_DOMAIN`) => ({ recipe: r, env });

describe('recipes[].needs', () => {
  it('takes needs on any recipe of the config, enrolled or not, and leaves them absent when not given', () => {
    const gitea = { ...recipe('gitea'), enrolled: false, exception: 'only a dependency' };
    const { config: c } = parseConfig(config(recipe('drone', [need('gitea')]), gitea));
    expect(c.recipes[0]!.needs).toEqual([{ recipe: 'gitea', env: 'GITEA_DOMAIN' }]);
    expect(c.recipes[1]!.needs).toBeUndefined();
    expect(problems(config(recipe('a', [need('b')]), recipe('b', [need('c')]), recipe('c')))).toEqual([]);
  });

  it.each<[string, unknown, string[]]>([
    ['an unknown recipe', config(recipe('drone', [need('gitea')])), ['recipes.0.needs.0.recipe: "gitea" is not a recipe in recipes']],
    ['itself', config(recipe('a', [need('a')])), ['recipes.0.needs.0: cycle a → a']],
    ['a cycle of two', config(recipe('a', [need('b')]), recipe('b', [need('a')])), ['recipes.0.needs.0: cycle a → b → a']],
    [
      'a cycle named at its first recipe, past other needs',
      config(recipe('x'), recipe('y'), recipe('a', [need('x'), need('b')]), recipe('b', [need('c')]), recipe('c', [need('a')])),
      ['recipes.2.needs.1: cycle a → b → c → a'],
    ],
    ['a lower-case variable', config(recipe('a', [need('b', 'b_domain')]), recipe('b')), ['recipes.0.needs.0.env: must be an upper-case env variable name']],
    ['a variable with a newline', config(recipe('a', [need('b', 'B\nX')]), recipe('b')), ['recipes.0.needs.0.env: must be an upper-case env variable name']],
    ["abra's own variable", config(recipe('a', [need('b', 'DOMAIN')]), recipe('b')), ['recipes.0.needs.0.env: "DOMAIN" is set by abra itself']],
    ['a variable set twice', config(recipe('a', [need('b', 'X'), need('c', 'X')]), recipe('b'), recipe('c')), ['recipes.0.needs.1.env: "X" is already set']],
    ['a recipe needed twice', config(recipe('a', [need('b', 'X'), need('b', 'Y')]), recipe('b')), ['recipes.0.needs.1.recipe: "b" is already needed']],
    ['an unknown field', config(recipe('a', [{ ...need('b'), version: '1.0.0' }]), recipe('b')), ['recipes.0.needs.0: Unrecognized key']],
    ['an option-injection recipe name', config(recipe('a', [need('--exec=sh', 'X')])), ['recipes.0.needs.0.recipe: must be lowercase']],
  ])('refuses %s, naming the field', (_, c, expected) => {
    const p = problems(c);
    for (const e of expected)
      expect(
        p.some((x) => x.startsWith(e)),
        `${e} in ${JSON.stringify(p)}`,
      ).toBe(true);
  });
});

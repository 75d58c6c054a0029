import { describe, expect, it } from 'vitest';
import { assertDomain } from '../../domain/names';
import { dependencyDomain, dependencyOrder, dependencyPlan, findNeedsCycle, needEnvProblem, stackNameWhole, type NeedsNode } from '../../domain/needs';
import { coldDomain, stackName } from '../../domain/stack-name';

const n = (name: string, ...needs: string[]): NeedsNode => ({
  name,
  needs: needs.map((r) => ({ recipe: r, env: `${r.toUpperCase().replaceAll('-', '_')}_DOMAIN` })),
});

describe('dependency order', () => {
  it.each<[string, NeedsNode[], string, string[]]>([
    ['no needs', [n('a')], 'a', []],
    ['one', [n('drone', 'gitea'), n('gitea')], 'drone', ['gitea']],
    ['transitive: a dependency of a dependency first', [n('a', 'b'), n('b', 'c'), n('c')], 'a', ['c', 'b']],
    ['listed order among independent ones', [n('a', 'x', 'y'), n('x'), n('y')], 'a', ['x', 'y']],
    ['a diamond deploys the shared one once, first', [n('a', 'b', 'c'), n('b', 'd'), n('c', 'd'), n('d')], 'a', ['d', 'b', 'c']],
    ['only what the root needs', [n('a', 'b'), n('b'), n('other', 'a')], 'a', ['b']],
  ])('%s', (_, nodes, root, order) => {
    expect(dependencyOrder(root, nodes)).toEqual(order);
  });

  it('refuses a cycle, naming it, and an unknown recipe', () => {
    expect(() => dependencyOrder('a', [n('a', 'b'), n('b', 'a')])).toThrow('cycle a → b → a');
    expect(() => dependencyOrder('a', [n('a', 'b'), n('b', 'c'), n('c', 'b')])).toThrow('cycle b → c → b');
    expect(() => dependencyOrder('a', [n('a', 'b'), n('b', 'zz')])).toThrow('"zz" (needed by b) is not a recipe in the config');
  });
});

describe('cycles', () => {
  it.each<[string, NeedsNode[], string[] | null]>([
    ['none', [n('a', 'b'), n('b')], null],
    ['a diamond is no cycle', [n('a', 'b', 'c'), n('b', 'd'), n('c', 'd'), n('d')], null],
    ['itself', [n('a', 'a')], ['a', 'a']],
    ['two', [n('a', 'b'), n('b', 'a')], ['a', 'b', 'a']],
    ['three, found from outside', [n('x', 'a'), n('a', 'b'), n('b', 'c'), n('c', 'a')], ['a', 'b', 'c', 'a']],
    ['unknown recipes are not a cycle', [n('a', 'nope')], null],
  ])('%s', (_, nodes, cycle) => {
    expect(findNeedsCycle(nodes)).toEqual(cycle);
  });
});

describe('dependency domain', () => {
  const ci = 'ci.example.org';

  it('is readable, a valid domain, and never the cold or warm domain of anyone', () => {
    const d = dependencyDomain('gitea', 'drone', ci);
    expect(d).toMatch(/^dep-gitea-drone-[0-9a-f]{8}\.ci\.example\.org$/);
    expect(assertDomain(d)).toBe(d);
    expect(d).not.toBe(coldDomain('gitea', ci));
    expect(d.startsWith('cold-') || d.startsWith('warm-')).toBe(false);
    expect(dependencyDomain('gitea', 'drone', ci)).toBe(d); // stable
  });

  it('tells apart pairs whose names read alike, and the same dependency of two recipes', () => {
    expect(dependencyDomain('a-b', 'c', ci)).not.toBe(dependencyDomain('a', 'b-c', ci));
    expect(stackName(dependencyDomain('a-b', 'c', ci))).not.toBe(stackName(dependencyDomain('a', 'b-c', ci)));
    expect(dependencyDomain('gitea', 'drone', ci)).not.toBe(dependencyDomain('gitea', 'woodpecker', ci));
  });

  it('keeps the stack name whole (abra cuts at 45) and distinct for long names', () => {
    const long = 'a-very-long-recipe-name-that-goes-on-and-on-x';
    const a = dependencyDomain(long, `${long}1`, ci);
    const b = dependencyDomain(long, `${long}2`, ci);
    for (const d of [a, b]) {
      expect(assertDomain(d)).toBe(d);
      expect(stackNameWhole(d)).toBe(true);
    }
    expect(stackName(a)).not.toBe(stackName(b));
    // A ciDomain leaving no room: the hash alone, still a valid, distinct domain.
    const longCi = 'a-ci-domain-so-long-that-nothing-fits.example.org';
    const c = dependencyDomain('gitea', 'drone', longCi);
    expect(c).toMatch(/^dep-[0-9a-f]{8}\./);
    expect(assertDomain(c)).toBe(c);
    expect(stackName(c)).not.toBe(stackName(dependencyDomain('gitea', 'woodpecker', longCi)));
  });
});

describe('dependency plan', () => {
  it('tells every app the domains of what it needs, within this root', () => {
    const nodes = [n('drone', 'gitea', 'runner'), n('runner', 'gitea'), n('gitea')];
    const p = dependencyPlan('drone', nodes, 'ci.x.org');
    const at = (r: string) => dependencyDomain(r, 'drone', 'ci.x.org');
    expect(p.deps).toEqual([
      { recipe: 'gitea', domain: at('gitea'), env: {} },
      { recipe: 'runner', domain: at('runner'), env: { GITEA_DOMAIN: at('gitea') } },
    ]);
    expect(p.env).toEqual({ GITEA_DOMAIN: at('gitea'), RUNNER_DOMAIN: at('runner') });
  });

  it('is empty without needs', () => {
    expect(dependencyPlan('a', [{ name: 'a' }], 'ci.x.org')).toEqual({ deps: [], env: {} });
  });
});

describe('need variable names', () => {
  it.each<[string, string | null]>([
    ['GITEA_DOMAIN', null],
    ['A', null],
    ['gitea_domain', 'upper-case'],
    ['1A', 'upper-case'],
    ['A-B', 'upper-case'],
    ['DOMAIN', 'set by abra'],
    ['TYPE', 'set by abra'],
    ['COMPOSE_FILE', 'set by abra'],
    ['SECRET_X_VERSION', 'set by abra'],
  ])('%s', (name, problem) => {
    const p = needEnvProblem(name);
    if (problem === null) expect(p).toBeNull();
    else expect(p).toContain(problem);
  });
});

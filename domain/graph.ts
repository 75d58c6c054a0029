/**
 * Graph walks shared by the rules on named apps and their edges (the warm
 * apps' `after`, the recipes' `needs`). Pure: names in, names out.
 */

/**
 * One cycle of a directed graph as a closed path (first name repeated at the
 * end: `a → b → a`; a node pointing at itself is `a → a`), or null. A
 * depth-first walk from each node in the map's order, edges in their order,
 * so the cycle named is the first one met. Edges to names not in the map are
 * ignored (callers report those on their own).
 */
export function findCycle(edges: ReadonlyMap<string, readonly string[]>): string[] | null {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string[] | null => {
    if (state.get(name) === 'done' || !edges.has(name)) return null;
    if (state.get(name) === 'visiting') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'visiting');
    path.push(name);
    for (const next of edges.get(name)!) {
      const c = visit(next);
      if (c) return c;
    }
    path.pop();
    state.set(name, 'done');
    return null;
  };
  for (const name of edges.keys()) {
    const c = visit(name);
    if (c) return c;
  }
  return null;
}

import { describe, expect, it } from 'vitest';
import { findCycle } from '../../domain/graph';

/** A graph from `name: edge edge …` lines, in the given order. */
const g = (...lines: string[]) => new Map(lines.map((l) => [l.split(':')[0]!.trim(), l.split(':')[1]!.trim().split(/\s+/).filter(Boolean)]));

describe('findCycle', () => {
  it.each<[string, Map<string, string[]>, string[] | null]>([
    ['an empty graph', g(), null],
    ['no edges', g('a:', 'b:'), null],
    ['a chain', g('a: b', 'b: c', 'c:'), null],
    ['a diamond is no cycle', g('a: b c', 'b: d', 'c: d', 'd:'), null],
    ['a node pointing at itself', g('a: a'), ['a', 'a']],
    ['two', g('a: b', 'b: a'), ['a', 'b', 'a']],
    ['three, found from outside, named from where the walk enters it', g('x: a', 'a: b', 'b: c', 'c: a'), ['a', 'b', 'c', 'a']],
    ['the first of two cycles met, edges in their order', g('a: b c', 'b: a', 'c: c'), ['a', 'b', 'a']],
    ['walked from each node in the map order', g('p:', 'q: r', 'r: q'), ['q', 'r', 'q']],
    ['edges to unknown names are ignored', g('a: nope', 'b: a'), null],
  ])('%s', (_, edges, cycle) => {
    expect(findCycle(edges)).toEqual(cycle);
  });
});

import { describe, expect, it } from 'vitest';
import { checkWarmGraph, deployOrder, inferServedBy, type WarmNode } from '../../domain/warm-graph';

const n = (name: string, after: string[] = [], servedBy?: string): WarmNode => ({ name, after, ...(servedBy ? { servedBy } : {}) });

describe('warm graph', () => {
  it.each<[string, WarmNode[]]>([
    ['proxy gated on itself', [n('traefik', [], 'traefik'), n('dashboard', ['traefik'], 'traefik')]],
    ['no explicit server', [n('traefik'), n('dashboard', ['traefik'])]],
    ['gate served by a transitive dependency', [n('traefik'), n('keycloak', ['traefik']), n('drone', ['keycloak'], 'traefik')]],
    ['independent branches', [n('traefik'), n('a', ['traefik']), n('b', ['traefik'])]],
  ])('accepts %s', (_name, nodes) => {
    expect(checkWarmGraph(nodes)).toEqual([]);
  });

  it.each<[string, WarmNode[], number, RegExp]>([
    ['a two-app cycle', [n('traefik', ['dashboard']), n('dashboard', ['traefik'])], 0, /^warm apps form a cycle: traefik → dashboard → traefik$/],
    ['a self loop', [n('traefik', ['traefik'])], 0, /cycle: traefik → traefik$/],
    ['a longer cycle', [n('a', ['c']), n('b', ['a']), n('c', ['b'])], 0, /cycle: a → c → b → a$/],
    [
      "the seed's deadlock: proxy gated on the dashboard that comes after it",
      [n('traefik', [], 'dashboard'), n('dashboard', ['traefik'])],
      0,
      /^the health gate of "traefik" is served by "dashboard", which is not deployed before "traefik"/,
    ],
    ['a gate served by an unrelated branch', [n('traefik'), n('a', ['traefik'], 'b'), n('b', ['traefik'])], 1, /gate of "a" is served by "b"/],
  ])('rejects %s, naming the apps', (_name, nodes, index, message) => {
    const problems = checkWarmGraph(nodes);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ index, message: expect.stringMatching(message) });
  });

  it('orders dependencies first and keeps config order otherwise', () => {
    expect(deployOrder([n('dashboard', ['traefik']), n('traefik'), n('drone', ['keycloak']), n('keycloak', ['traefik'])])).toEqual([
      'traefik',
      'dashboard',
      'keycloak',
      'drone',
    ]);
    expect(() => deployOrder([n('a', ['b']), n('b', ['a'])])).toThrow(/cycle: a → b → a/);
  });
});

describe('who serves a gate URL, when the config does not say', () => {
  const apps = [
    { name: 'traefik', domain: 'traefik.example.org' },
    { name: 'dash', domain: 'Dash.example.org' },
  ];
  it.each<[string, string, string | undefined]>([
    ['its own domain through {domain}', 'https://{domain}/api/version', 'traefik'],
    ["another app's domain (any case)", 'https://DASH.example.org:8443/health', 'dash'],
    ['a host no warm app has', 'https://status.example.net/', undefined],
    ['not a URL', 'https://', undefined],
  ])('%s', (_n, url, servedBy) => {
    expect(inferServedBy(url, 'traefik.example.org', apps)).toBe(servedBy);
  });
});

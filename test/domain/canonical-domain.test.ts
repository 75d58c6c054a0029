import { describe, expect, it } from 'vitest';
import { canonicalDomain } from '../../domain/canonical-domain';

describe('canonical domain', () => {
  it.each([
    ['gitea', [], 'warm-gitea.ci.example.org'],
    ['gitea', ['traefik.ci.example.org', 'warm-keycloak.ci.example.org'], 'warm-gitea.ci.example.org'],
    ['keycloak', ['warm-keycloak.ci.example.org'], 'warm-canon-keycloak.ci.example.org'],
    ['keycloak', ['WARM-KEYCLOAK.ci.example.org'], 'warm-canon-keycloak.ci.example.org'],
    ['keycloak', ['warm-keycloak.ci.example.org', 'warm-canon-keycloak.ci.example.org'], 'warm-canon2-keycloak.ci.example.org'],
    [
      'keycloak',
      ['warm-keycloak.ci.example.org', 'warm-canon-keycloak.ci.example.org', 'warm-canon2-keycloak.ci.example.org'],
      'warm-canon3-keycloak.ci.example.org',
    ],
  ])('%s with live warm %j → %s', (recipe, live, expected) => {
    const d = canonicalDomain(recipe, 'ci.example.org', live);
    expect(d).toBe(expected);
    expect(live.map((l) => l.toLowerCase())).not.toContain(d);
  });
});

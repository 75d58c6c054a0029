/** notifications.webhooks in the config: defaults, the URL rules (http(s) only, no user:password@), url xor urlEnv, names. */
import { describe, expect, it } from 'vitest';
import { notifyTargetsOf } from '../../config/notifications';
import { configProblems as problems, parseConfig } from '../helpers/config';

const base = {
  ciDomain: 'ci.example.org',
  server: 'default',
  stateDir: '/s',
  abra: { dir: '/a' },
  recipes: [{ name: 'hello', upstream: 'https://git.example.org/hello.git', health: { url: 'https://{domain}/' } }],
};
const withHooks = (...webhooks: unknown[]) => ({ ...base, notifications: { webhooks } });

describe('notifications', () => {
  it('has no webhooks by default; a webhook gets every event, the generic format and a 10 s timeout unless told', () => {
    expect(parseConfig(base, '/c.yaml').config.notifications).toEqual({ webhooks: [] });
    const { config } = parseConfig(
      withHooks(
        { name: 'ops', url: 'https://hooks.example.org/T0/B0/xyz' },
        { name: 'room', urlEnv: 'COOPCI_MATRIX_HOOK', format: 'matrix', events: ['alert'] },
      ),
      '/c.yaml',
    );
    expect(config.notifications.webhooks).toEqual([
      { name: 'ops', url: 'https://hooks.example.org/T0/B0/xyz', format: 'generic', events: ['alert', 'resolved', 'sweep'], timeoutSeconds: 10 },
      { name: 'room', urlEnv: 'COOPCI_MATRIX_HOOK', format: 'matrix', events: ['alert'], timeoutSeconds: 10 },
    ]);
    // What a workflow may know: names per event, never a URL.
    expect(notifyTargetsOf(config.notifications)).toEqual({ alert: ['ops', 'room'], resolved: ['ops'], sweep: ['ops'] });
  });

  it.each<[string, unknown, string[]]>([
    [
      'a URL that is not http(s)',
      { name: 'a', url: 'ftp://x.example.org/hook' },
      ['notifications.webhooks.0.url: must be an http:// or https:// URL, not ftp:'],
    ],
    ['no URL at all', { name: 'a', url: 'hooks.example.org/x' }, ['notifications.webhooks.0.url: must be an http:// or https:// URL']],
    [
      'credentials in the URL',
      { name: 'a', url: 'https://user:pw@hooks.example.org/x' },
      ['notifications.webhooks.0.url: must not carry user:password@ (HTTP clients refuse it); use the token URL the service gives you'],
    ],
    ['neither url nor urlEnv', { name: 'a' }, ['notifications.webhooks.0.url: give exactly one of url or urlEnv']],
    ['both url and urlEnv', { name: 'a', url: 'https://h.example.org/x', urlEnv: 'HOOK' }, ['notifications.webhooks.0.url: give exactly one of url or urlEnv']],
    [
      'a bad env name',
      { name: 'a', urlEnv: 'my-hook' },
      ['notifications.webhooks.0.urlEnv: must be an environment variable name such as COOPCI_SLACK_WEBHOOK'],
    ],
    ['an unknown format', { name: 'a', url: 'https://h.example.org/x', format: 'teams' }, [expect.stringMatching(/^notifications\.webhooks\.0\.format: /)]],
    [
      'an unknown event',
      { name: 'a', url: 'https://h.example.org/x', events: ['deploy'] },
      [expect.stringMatching(/^notifications\.webhooks\.0\.events\.0: /)],
    ],
    [
      'no events',
      { name: 'a', url: 'https://h.example.org/x', events: [] },
      ['notifications.webhooks.0.events: list at least one of alert, resolved, sweep (or leave events out for all three)'],
    ],
    [
      'a timeout over a minute',
      { name: 'a', url: 'https://h.example.org/x', timeoutSeconds: 120 },
      [expect.stringMatching(/^notifications\.webhooks\.0\.timeoutSeconds: /)],
    ],
    [
      'a bad name',
      { name: 'Ops Room', url: 'https://h.example.org/x' },
      ['notifications.webhooks.0.name: must be lowercase letters, digits and dashes (at most 63), e.g. "ops-matrix"'],
    ],
    ['an unknown field', { name: 'a', url: 'https://h.example.org/x', secret: 'x' }, [expect.stringMatching(/^notifications\.webhooks\.0: .*secret/)]],
  ])('refuses %s, naming the field', (_what, hook, expected) => {
    expect(problems(withHooks(hook))).toEqual(expected);
  });

  it('refuses two webhooks of one name', () => {
    expect(problems(withHooks({ name: 'a', url: 'https://h.example.org/x' }, { name: 'a', urlEnv: 'HOOK' }))).toEqual([
      'notifications.webhooks.1.name: duplicate webhook "a" (first at index 0)',
    ]);
  });
});

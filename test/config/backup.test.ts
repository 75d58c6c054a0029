/**
 * recipes[].backup: the round-trip commands of the backup and restore tiers.
 * Both commands are needed, each an argv; every refusal names its field.
 */
import { describe, expect, it } from 'vitest';
import { configProblems, parseConfig } from '../helpers/config';

const withBackup = (backup: unknown) => ({
  ciDomain: 'ci.example.org',
  server: 'default',
  stateDir: '/var/lib/coopci',
  abra: { dir: '/var/lib/coopci/abra' },
  recipes: [{ name: 'notes', upstream: 'https://git.example.org/recipes/notes.git', health: { url: 'https://{domain}/' }, backup }],
});

const problems = (backup: unknown) => configProblems(withBackup(backup));

const SEED = ['{abra}', 'app', 'run', '--no-tty', '{domain}', 'app', '--', 'sh', '-c', 'echo {marker} > /data/note.txt'];
const VERIFY = ['node', 'recipes/tests/http-contains.mjs', '{url}', '{marker}'];

describe('recipes[].backup', () => {
  it('takes seed and verify argv and defaults the timeout', () => {
    const { config } = parseConfig(withBackup({ seed: SEED, verify: VERIFY }));
    expect(config.recipes[0]!.backup).toEqual({ seed: SEED, verify: VERIFY, timeoutSeconds: 120 });
  });

  it('is optional (the default marker is used)', () => {
    const { config } = parseConfig({ ...withBackup(undefined) });
    expect(config.recipes[0]!.backup).toBeUndefined();
  });

  it.each<[string, unknown, RegExp]>([
    ['seed without verify', { seed: SEED }, /^recipes\.0\.backup\.verify: backup needs both seed and verify: backup\.verify is missing$/],
    ['verify without seed', { verify: VERIFY }, /^recipes\.0\.backup\.seed: backup needs both seed and verify: backup\.seed is missing$/],
    ['a command given as one string', { seed: 'echo x', verify: VERIFY }, /^recipes\.0\.backup\.seed: backup\.seed must be an argv: a list of strings/],
    ['an empty argv', { seed: SEED, verify: [] }, /^recipes\.0\.backup\.verify: backup\.verify needs a command: an empty argv runs nothing$/],
    ['an empty argument', { seed: ['sh', ''], verify: VERIFY }, /^recipes\.0\.backup\.seed\.1: an empty argument in backup\.seed$/],
    ['an unknown key', { seed: SEED, verify: VERIFY, restore: ['x'] }, /^recipes\.0\.backup: Unrecognized key.*restore/],
    ['a zero timeout', { seed: SEED, verify: VERIFY, timeoutSeconds: 0 }, /^recipes\.0\.backup\.timeoutSeconds: /],
    ['a timeout over an hour', { seed: SEED, verify: VERIFY, timeoutSeconds: 7200 }, /^recipes\.0\.backup\.timeoutSeconds: /],
  ])('refuses %s, naming the field', (_what, backup, message) => {
    const found = problems(backup);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
  });
});

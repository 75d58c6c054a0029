/**
 * Cold-run dependencies (recipes[].needs) on real Temporal, a real Swarm,
 * real git and the strict abra double: `board` needs a `store`; the store is
 * deployed first at its canonical's version on a domain of its own, the
 * board's env file gets that domain (its page shows it, checked by its own
 * test command while both run), both are torn down afterwards and the board
 * is promoted. A dependency that cannot come up (`broken`'s latest release)
 * makes its dependent red, naming it, with nothing left of either.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envLine } from '../../adapters/abra';
import { docker, stackLeftovers } from '../../adapters/swarm';
import { startSweep } from '../../client/sweep';
import { recipeLockId } from '../../contract/ids';
import { dependencyDomain } from '../../domain/needs';
import { coldDomain, stackName } from '../../domain/stack-name';
import { canonicals } from '../../state/canonicals';
import { paths } from '../../state/paths';
import { makeFixture, REPO, type Fixture } from '../helpers/fixture';
import { endRunningSweep, startWorker, testClient } from '../helpers/temporal';
import { CI, literally, port } from '../helpers/pool';
import { NOTHING_LEFT } from '../helpers/remove-apps';

// Tiers these examples do not need (one release each, no backups): kept short.
const ONLY_INSTALL = {
  upgrade: { expected: 'n/a', reason: 'one release' },
  backup: { expected: 'n/a', reason: 'no data worth a backup' },
  restore: { expected: 'n/a', reason: 'no data worth a backup' },
};
const HTTP_BODY = path.join(REPO, 'recipes/tests/http-body.mjs');
const dependencyOnly = { enrolled: false, exception: 'deployed only as a dependency' };

describe('cold-run dependencies', () => {
  let f: Fixture;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  const storeAt = dependencyDomain('store', 'board', CI);
  const brokenAt = dependencyDomain('brokendep', 'board-b', CI);
  const boardEnvFile = () => paths.abraEnvFile(f.abraDir, 'default', coldDomain('board', CI));

  beforeAll(async () => {
    f = await makeFixture('needs', [
      { name: 'store', from: 'store', port: 18091, extra: dependencyOnly },
      {
        name: 'board',
        from: 'board',
        port: 18092,
        extra: {
          needs: [{ recipe: 'store', env: 'STORE_DOMAIN' }],
          tiers: ONLY_INSTALL,
          // While both run: the board's page names the store's domain, the store answers there at its
          // canonical's version, and the board's env file (abra's) holds the domain.
          test: {
            command: [
              'sh',
              '-c',
              `node "$0" http://127.0.0.1:${port(18092)}/ "store at $1" "$3" && node "$0" http://127.0.0.1:${port(18091)}/ "store 1.0.0+1.0 at $1" /dev/null && grep -qx "STORE_DOMAIN=$1" "$2"`,
              HTTP_BODY,
              storeAt,
              path.join('abra', 'servers', 'default', `${coldDomain('board', CI)}.env`),
              '{junit}',
            ],
            timeoutSeconds: 60,
          },
        },
      },
      { name: 'brokendep', from: 'broken', port: 18082, extra: dependencyOnly },
      { name: 'board-b', from: 'board', port: 18092, extra: { needs: [{ recipe: 'brokendep', env: 'STORE_DOMAIN' }], tiers: ONLY_INSTALL } },
    ]);
    // store's canonical is at its older release: a dependency runs at its canonical's version, not its latest.
    const { stdout: commit } = await execa('git', ['-C', f.upstream('store'), 'rev-parse', '1.0.0+1.0^{commit}']);
    await canonicals.write(f.stateDir, { recipe: 'store', version: '1.0.0+1.0', commit, domain: `warm-store.${CI}` });
    worker = await startWorker(f);
  });
  afterAll(async () => {
    await endRunningSweep();
    await worker?.stop();
  });

  it('deploys the dependency first, passes its domain, tears both down; a dependency that cannot come up is named', async () => {
    const client = await testClient();
    const handle = await startSweep(client, f.loaded.config);
    const { results } = await handle.result();
    const [board, boardB] = results;

    // The board's own test saw the store running at its domain and the domain in the board's env file and page.
    expect(board).toMatchObject({ recipe: 'board', label: 'PROMOTED', version: '1.0.0+1.0' });
    expect(board!.tiers.find((t) => t.tier === 'custom')).toMatchObject({ status: 'pass', reason: '1 tests passed' });

    const calls = (await f.abraCalls()).map((a) => a.join(' '));
    const at = (re: RegExp) => calls.findIndex((c) => re.test(c));
    const storeNew = at(new RegExp(`^app new store 1\\.0\\.0\\+1\\.0 --server default --domain ${storeAt} `));
    const boardNew = at(/^app new board 1\.0\.0\+1\.0 .*--domain cold-board\./);
    const boardRemoved = at(new RegExp(`^app remove cold-board\\.${literally(CI)} `));
    const storeRemoved = at(new RegExp(`^app remove ${storeAt} `));
    expect(storeNew).toBeGreaterThanOrEqual(0);
    expect(boardNew).toBeGreaterThan(storeNew);
    expect(boardRemoved).toBeGreaterThan(boardNew);
    expect(storeRemoved).toBeGreaterThan(boardRemoved); // after the cold app
    // The dependency ran on its own domain, never on its own cold (or warm) domain.
    expect(calls.some((c) => c.includes(coldDomain('store', CI)) || c.includes(`warm-store.${CI}`))).toBe(false);

    // A dependency that cannot come up: its dependent is red naming it, and never deployed.
    expect(boardB).toMatchObject({ recipe: 'board-b', label: 'FAILED' });
    expect(boardB!.reason).toMatch(
      new RegExp(`^dependency brokendep failed: 1\\.1\\.0\\+2\\.1: dep-brokendep-board-b-[0-9a-f]{8}\\.${literally(CI)} not healthy`),
    );
    expect(boardB!.reason).not.toMatch(/teardown failed/);
    // No canonical: its latest release (the broken one) was the one deployed.
    expect(at(new RegExp(`^app new brokendep 1\\.1\\.0\\+2\\.1 --server default --domain ${brokenAt} `))).toBeGreaterThanOrEqual(0);
    expect(calls.some((c) => /^app new board-b /.test(c))).toBe(false);

    // Nothing left of any cold or dependency app: no stack, secret, volume, network; no env file.
    for (const domain of [storeAt, brokenAt, coldDomain('board', CI), coldDomain('board-b', CI)]) {
      expect(await stackLeftovers(docker(), stackName(domain)), domain).toEqual(NOTHING_LEFT);
      await expect(access(paths.abraEnvFile(f.abraDir, 'default', domain)), domain).rejects.toThrow();
    }
    await expect(access(boardEnvFile())).rejects.toThrow();

    // The dependencies' recipe locks were released.
    for (const dep of ['store', 'brokendep']) {
      const d = await client.workflow.getHandle(recipeLockId(dep)).describe();
      expect(d.status.name, dep).not.toBe('RUNNING');
    }
  }, 600_000);

  it('writes env values abra reads literally, and refuses what could add a line or break out', () => {
    expect(envLine('STORE_DOMAIN', `dep-store-board-1234abcd.${CI}`)).toBe(`STORE_DOMAIN=dep-store-board-1234abcd.${CI}`);
    expect(envLine('X', 'a $HOME # not a comment')).toBe("X='a $HOME # not a comment'");
    expect(() => envLine('X', 'a\nDOMAIN=evil')).toThrow('one line');
    expect(() => envLine('X', "it's")).toThrow('single quotes');
    expect(() => envLine('DOMAIN', 'x.org')).toThrow('set by abra itself');
    expect(() => envLine('lower', 'x')).toThrow('upper-case');
  });
});

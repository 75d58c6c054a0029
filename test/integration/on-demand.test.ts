/**
 * On-demand runs (`coopci run`) on real Temporal, a real Swarm, real git and
 * the strict abra double: a branch run and a release-tag run are TESTED and
 * write no canonical; a quick run upgrades a copy of the canonical's data
 * (the app serves the canonical's data at the new commit) while the
 * canonical's own volumes stay byte-identical; bad input is refused before
 * anything starts; a tier's own timeout turns it red.
 */
import { execa } from 'execa';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSweep } from '../../client/sweep';
import { docker } from '../../adapters/swarm';
import { stackVolumes } from '../../adapters/volumes';
import { makeFixture, REPO, type Fixture } from '../helpers/fixture';
import { cli, endRunningSweep, startWorker, testClient, waitFor } from '../helpers/temporal';
import { CI, CI_STACK, exampleCompose, literally, TEST_NAMESPACE } from '../helpers/pool';

const NO_BACKUPS = { backup: { expected: 'n/a', reason: 'tested elsewhere' }, restore: { expected: 'n/a', reason: 'tested elsewhere' } };
const CANONICAL_STACK = `warm-hello_${CI_STACK}`;
const COLD_STACK = `cold-hello_${CI_STACK}`;

// The custom tier: hangs when told to (a tier timeout), checks the page when told what to expect, else passes.
const CHECK = `#!/bin/sh
[ -e hang ] && exec sleep 120
[ -e expect ] || exit 0
exec node ${path.join(REPO, 'recipes/tests/http-body.mjs')} "$1" "$(cat expect)" "$2"
`;

/** Every file of the canonical's volumes with its hash, owner, mode and mtime: equal before and after means untouched. */
async function fingerprint(stack: string): Promise<string> {
  const volumes = await stackVolumes(docker(), stack);
  const out: string[] = [];
  for (const v of volumes) {
    const { stdout } = await execa('docker', [
      'run',
      '--rm',
      '--network',
      'none',
      '-v',
      `${v}:/v:ro`,
      'coopci/busybox:1',
      'sh',
      '-c',
      'cd /v && find . | sort | while read f; do stat -c "%n %u %g %a %s %Y" "$f"; [ -f "$f" ] && sha256sum "$f"; done',
    ]);
    out.push(`${v}\n${stdout}`);
  }
  return out.join('\n');
}

type RunJson = {
  workflowId: string;
  result: {
    recipe: string;
    label: string;
    reason: string;
    version: string;
    ref: { name: string; commit: string; quick: boolean } | null;
    tiers: { tier: string; status: string; reason?: string }[];
  };
};

describe('on-demand runs', () => {
  let f: Fixture;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  const run = async (...args: string[]) => {
    const r = await cli(f, ['run', 'hello', ...args, '--wait', '--json']);
    if (!r.stdout.trim().startsWith('{')) throw new Error(`coopci run ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
    return { code: r.code, out: JSON.parse(r.stdout) as RunJson };
  };
  const tier = (o: RunJson, name: string) => o.result.tiers.find((t) => t.tier === name);
  const canonicalRecord = () => readFile(path.join(f.stateDir, 'registry', 'hello', 'canonical.json'), 'utf8').catch(() => null);

  beforeAll(async () => {
    f = await makeFixture('on-demand', [
      {
        name: 'hello',
        from: 'hello',
        upTo: '1.0.0+1.0',
        extra: { tiers: { ...NO_BACKUPS, custom: { timeoutSeconds: 8 } }, test: { command: ['sh', 'check.sh', '{url}', '{junit}'], timeoutSeconds: 180 } },
      },
    ]);
    await writeFile(path.join(f.dir, 'check.sh'), CHECK);
    await chmod(path.join(f.dir, 'check.sh'), 0o755);
    worker = await startWorker(f);
  });
  afterAll(async () => {
    await endRunningSweep();
    await worker?.stop();
  });

  it('refuses a bad ref or tier selection before anything starts', async () => {
    const bad = await cli(f, ['run', 'hello', '--ref', '../etc', '--wait']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/not a valid git ref name|not a usable ref/);
    const restoreAlone = await cli(f, ['run', 'hello', '--tiers', 'restore']);
    expect(restoreAlone.code).not.toBe(0);
    expect(restoreAlone.stderr).toMatch(/restore tier restores the backup tier/);
    const unknown = await cli(f, ['run', 'nosuch']);
    expect(unknown.stderr).toMatch(/unknown recipe "nosuch"/);
    // The worker's own start-up checks only (abra --version, server add): no app was touched.
    expect((await f.abraCalls()).filter((argv) => argv[0] === 'app')).toEqual([]);
  });

  it('a branch run and a release-tag run are TESTED and write no canonical', async () => {
    const branch = await run('--ref', 'main');
    expect(branch.code).toBe(0);
    expect(branch.out.result).toMatchObject({ recipe: 'hello', label: 'TESTED', version: 'main', ref: { name: 'main', quick: false } });
    expect(branch.out.result.ref!.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(branch.out.result.reason).toMatch(/never promote/);
    expect(tier(branch.out, 'install')).toMatchObject({ status: 'pass' });
    // From the latest release to the branch's commit, deployed as it is (abra's --chaos).
    expect(tier(branch.out, 'upgrade')).toMatchObject({ status: 'pass' });
    const calls = await f.abraCalls();
    expect(calls).toContainEqual(expect.arrayContaining(['app', 'new', 'hello', '--chaos']));
    expect(calls).toContainEqual(expect.arrayContaining(['app', 'deploy', '--chaos']));

    // A release tag named explicitly still does not promote; only install runs when asked.
    const tag = await run('--ref', '1.0.0+1.0', '--tiers', 'install');
    expect(tag.out.result).toMatchObject({ label: 'TESTED', version: '1.0.0+1.0' });
    expect(tag.out.result.reason).toMatch(/an explicit ref override never promotes; on-demand runs never promote/);
    expect(tier(tag.out, 'custom')).toMatchObject({ status: 'n/a', reason: 'not selected in this run (--tiers install)' });

    expect(await canonicalRecord()).toBeNull();
    expect(await stackVolumes(docker(), CANONICAL_STACK)).toEqual([]);
    expect(await stackVolumes(docker(), COLD_STACK)).toEqual([]);
    const report = await readFile(path.join(f.stateDir, 'runs', tag.out.workflowId, 'report.md'), 'utf8');
    expect(report).toContain('| TESTED | 1.0.0+1.0@');
  }, 300_000);

  it('--quick upgrades a copy of the canonical’s data; the canonical stays byte-identical', async () => {
    const client = await testClient();
    const sweep = await (await startSweep(client, f.loaded.config)).result();
    expect(sweep.results[0]).toMatchObject({ label: 'PROMOTED', version: '1.0.0+1.0' });
    // The canonical's data: what the app serves next to its release name.
    const [volume] = await stackVolumes(docker(), CANONICAL_STACK);
    await execa('docker', ['run', '--rm', '--network', 'none', '-v', `${volume}:/data`, 'coopci/busybox:1', 'sh', '-c', 'echo canonical-data > /data/marker']);
    const before = await fingerprint(CANONICAL_STACK);
    const recordBefore = await canonicalRecord();

    // A commit on main, not released: hello 1.1's compose.
    const repo = f.upstream('hello');
    await writeFile(path.join(repo, 'compose.yml'), await exampleCompose('hello', '1.1.0+1.1'));
    await execa('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '--quiet', '--all', '-m', 'next']);
    await writeFile(path.join(f.dir, 'expect'), 'hello 1.1.0+1.1 canonical-data');

    const quick = await run('--quick', '--ref', 'main', '--tiers', 'custom');
    expect(quick.out.result).toMatchObject({ label: 'TESTED', ref: { name: 'main', quick: true } });
    expect(tier(quick.out, 'install')).toMatchObject({
      status: 'pass',
      reason: expect.stringMatching(
        new RegExp(`^quick: a copy of warm-hello\\.${literally(CI)}'s 1 volume\\(s\\) .* at 1\\.0\\.0\\+1\\.0, then the commit [0-9a-f]{8}$`),
      ),
    });
    expect(tier(quick.out, 'upgrade')).toMatchObject({ status: 'n/a' });
    // The custom tier saw the new code serving the canonical's data: the copy was upgraded.
    expect(tier(quick.out, 'custom')).toMatchObject({ status: 'pass' });

    expect(await fingerprint(CANONICAL_STACK)).toBe(before);
    expect(await canonicalRecord()).toBe(recordBefore);
    expect(await stackVolumes(docker(), COLD_STACK)).toEqual([]);
  }, 400_000);

  it('a tier over its own timeout is red, and the cold app is torn down', async () => {
    await rm(path.join(f.dir, 'expect'), { force: true });
    await writeFile(path.join(f.dir, 'hang'), '');
    const slow = await run('--ref', 'main', '--tiers', 'custom');
    expect(slow.code).toBe(1);
    expect(slow.out.result.label).toBe('FAILED');
    expect(tier(slow.out, 'custom')).toMatchObject({ status: 'fail', reason: 'timed out after 8s (tiers.custom.timeoutSeconds)' });
    expect(await stackVolumes(docker(), COLD_STACK)).toEqual([]);
  }, 300_000);

  it('coopci history lists the recipe’s runs, newest first, with labels, versions and links', async () => {
    const entries = await waitFor(
      'five runs in visibility',
      async () => {
        const r = await cli(f, ['history', 'hello', '--json']);
        const list = JSON.parse(r.stdout) as { label: string; version: string; workflowId: string; ui: string; reason: string | null; tiers: unknown[] }[];
        return list.length === 5 && list.every((e) => e.label) ? list : null;
      },
      30_000,
    );
    expect(entries.map((e) => e.label)).toEqual(['FAILED', 'TESTED', 'PROMOTED', 'TESTED', 'TESTED']);
    expect(entries.map((e) => e.version)).toEqual(['main', 'main', '1.0.0+1.0', '1.0.0+1.0', 'main']);
    expect(entries[0]!.reason).toMatch(/custom: timed out after 8s/);
    expect(entries[0]!.tiers).toHaveLength(5);
    expect(entries[0]!.ui).toBe(`${f.loaded.config.temporal.uiUrl}/namespaces/${TEST_NAMESPACE}/workflows/${encodeURIComponent(entries[0]!.workflowId)}`);
    const two = await cli(f, ['history', 'hello', '--last', '2']);
    expect(two.stdout).toMatch(/FAILED[\s\S]*TESTED/);
    expect(two.stdout).not.toMatch(/PROMOTED/);
  }, 60_000);
});

/**
 * The canonicals' disk budget on real Temporal, a real Swarm and the strict
 * abra double: each promote measures the canonical's volumes (report,
 * usage.json); a seed whose cold app held more than the budget leaves is
 * SKIPPED disk-budget with the figures, and nothing of it is deployed.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSweep } from '../../client/sweep';
import { docker } from '../../adapters/swarm';
import { stackVolumes } from '../../adapters/volumes';
import { makeFixture, type Fixture } from '../helpers/fixture';
import { cli, endRunningSweep, startWorker, testClient } from '../helpers/temporal';
import { CI_STACK, port } from '../helpers/pool';

const ONLY_INSTALL = {
  upgrade: { expected: 'n/a', reason: 'not what this test is about' },
  backup: { expected: 'n/a', reason: 'not what this test is about' },
  restore: { expected: 'n/a', reason: 'not what this test is about' },
};

describe('disk budget', () => {
  let f: Fixture;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  beforeAll(async () => {
    // hello's volume stays empty (0 bytes); notes writes an 11-byte note on its first start.
    f = await makeFixture(
      'disk-budget',
      [
        { name: 'hello', from: 'hello', upTo: '1.0.0+1.0', extra: { tiers: ONLY_INSTALL } },
        {
          name: 'notes',
          from: 'notes',
          extra: { tiers: ONLY_INSTALL, health: { url: `http://127.0.0.1:${port(18088)}/note.txt`, intervalSeconds: 1, deadlineSeconds: 8 } },
        },
      ],
      { canonicals: { diskBudget: '5B' } },
    );
    worker = await startWorker(f);
  });
  afterAll(async () => {
    await endRunningSweep();
    await worker?.stop();
  });

  it('measures every promoted canonical and refuses a seed over the budget, saying the figures', async () => {
    const handle = await startSweep(await testClient(), f.loaded.config);
    const { results } = await handle.result();
    const [hello, notes] = results;
    expect(hello).toMatchObject({ label: 'PROMOTED', canonicalBytes: 0 });
    expect(notes).toMatchObject({ label: 'SKIPPED', canonical: { before: null, after: null } });
    expect(notes!.reason).toMatch(
      /^disk-budget: seeding notes \(about 11 B, its cold app's data\) would bring the canonicals to 11 B of the 5 B budget \(canonicals\.diskBudget\)/,
    );
    // Nothing of notes was seeded: no record, no warm volumes.
    expect(await stackVolumes(docker(), `warm-notes_${CI_STACK}`)).toEqual([]);
    const usage = JSON.parse(await readFile(path.join(f.stateDir, 'registry', 'hello', 'usage.json'), 'utf8')) as {
      bytes: number;
      volumes: { name: string }[];
    };
    expect(usage).toMatchObject({ bytes: 0, volumes: [{ name: `warm-hello_${CI_STACK}_data` }] });
    const report = await readFile(path.join(f.stateDir, 'runs', handle.workflowId, 'report.md'), 'utf8');
    expect(report).toContain('none → 1.0.0+1.0 (0 B)');
    expect(report).toContain('| SKIPPED |');

    // What an operator sees of them.
    const list = await cli(f, ['canonical', 'list', '--json']);
    const rows = JSON.parse(list.stdout) as {
      recipe: string;
      bytes: number;
      volumes: { name: string }[];
      lastSweep: { label: string } | null;
      record: unknown;
    }[];
    expect(rows.find((r) => r.recipe === 'hello')).toMatchObject({
      bytes: 0,
      volumes: [{ name: `warm-hello_${CI_STACK}_data` }],
      lastSweep: { label: 'PROMOTED' },
    });
    expect(rows.find((r) => r.recipe === 'notes')).toMatchObject({ record: null, volumes: [], lastSweep: { label: 'SKIPPED' } });
    const text = await cli(f, ['canonical', 'list']);
    expect(text.stdout).toContain('canonicals hold 0 B of the 5 B budget');
    expect(text.stdout).toMatch(
      new RegExp(`hello +1\\.0\\.0\\+1\\.0 .* — 0 B in warm-hello_${CI_STACK}_data \\(0 B\\); last run PROMOTED 1\\.0\\.0\\+1\\.0 on `),
    );
  }, 300_000);
});

/**
 * A canonical whose record is lost (a state dir not on a volume, a record
 * removed by hand) still holds its data. The next sweep re-tests the recipe
 * as a seed; its promote must find the data, keep it byte for byte, and
 * refuse, saying how to adopt or forget the canonical. Adopting it writes the
 * record back from what abra deployed, and the sweep after skips it again.
 */
import { execa } from 'execa';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSweep } from '../../client/sweep';
import { recipeLockId } from '../../contract/ids';
import { canonicals } from '../../state/canonicals';
import { makeFixture, type Fixture } from '../helpers/fixture';
import { cli, endRunningSweep, startWorker, testClient } from '../helpers/temporal';
import { CI, CI_STACK, literally } from '../helpers/pool';

const VOLUME = `warm-alpha_${CI_STACK}_data`;
const volume = (script: string) => execa('docker', ['run', '--rm', '-v', `${VOLUME}:/data`, 'coopci/busybox:1', 'sh', '-c', script]);

describe('a canonical whose record was lost', () => {
  let f: Fixture;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  beforeAll(async () => {
    f = await makeFixture('lost-record', [{ name: 'alpha', from: 'hello', upTo: '1.0.0+1.0' }]);
    worker = await startWorker(f);
  });
  afterAll(async () => {
    await endRunningSweep();
    await worker?.stop();
    await cli(f, ['canonical', 'forget', 'alpha', '--destroy-data', '--yes']);
  });

  const sweep = async () => (await (await startSweep(await testClient(), f.loaded.config)).result()).results[0]!;

  it('keeps its data and refuses to seed over it, then can be adopted', async () => {
    expect(await sweep()).toMatchObject({ label: 'PROMOTED', version: '1.0.0+1.0' });
    await volume('echo precious > /data/marker; dd if=/dev/urandom of=/data/blob bs=1k count=64 2>/dev/null');
    const before = (await volume('md5sum /data/marker /data/blob')).stdout;

    await rm(path.join(f.stateDir, 'registry', 'alpha', 'canonical.json'));
    const again = await sweep();
    expect(again.label).toBe('GREEN_BUT_PROMOTE_FAILED');
    expect(again.reason).toMatch(
      new RegExp(
        `warm-alpha\\.${literally(CI)} holds data but alpha has no canonical record .*coopci canonical adopt alpha.*coopci canonical forget alpha --destroy-data`,
      ),
    );
    const full = JSON.parse(await readFile(path.join(f.stateDir, 'runs', again.workflowId.split('/')[0]!, 'alpha', 'result.json'), 'utf8')) as {
      reason: string;
    };
    expect(full.reason).toMatch(new RegExp(`It holds: abra env file; .*volumes: warm-alpha_${CI_STACK}_data`));
    expect((await volume('md5sum /data/marker /data/blob')).stdout).toBe(before);

    // While a run of alpha holds its lock, an operator's adopt or forget is refused and changes nothing.
    const client = await testClient();
    const held = await client.workflow.start('lockWorkflow', { workflowId: recipeLockId('alpha'), taskQueue: f.loaded.config.temporal.taskQueue });
    for (const args of [
      ['canonical', 'adopt', 'alpha'],
      ['canonical', 'forget', 'alpha', '--destroy-data', '--yes'],
    ]) {
      const refused = await cli(f, args);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/alpha is in use: a run of it holds its lock \(coopci-lock\/recipe\/alpha\); try again once it has ended/);
    }
    await held.terminate('test done');
    expect((await volume('md5sum /data/marker /data/blob')).stdout).toBe(before);
    expect(await canonicals.read(f.stateDir, 'alpha')).toBeNull();

    const adopted = await cli(f, ['canonical', 'adopt', 'alpha', '--json']);
    expect(adopted.code).toBe(0);
    expect(JSON.parse(adopted.stdout)).toMatchObject({ recipe: 'alpha', version: '1.0.0+1.0', domain: `warm-alpha.${CI}` });
    expect(await canonicals.read(f.stateDir, 'alpha')).toMatchObject({ version: '1.0.0+1.0', status: 'idle' });
    expect(await sweep()).toMatchObject({ label: 'SKIPPED', reason: 'no-new-version' });
    expect((await volume('md5sum /data/marker /data/blob')).stdout).toBe(before);
  }, 400_000);
});

/**
 * A recipe laid out like the real public ones (`recipes/lookalike`: a
 * `.env.sample` with a COMPOSE_FILE chain built line by line, commented-out
 * optional secrets, `# length=` hints, values referring to other values, an
 * overlay compose file, abra.sh, release notes, annotated tags) goes through
 * the strict abra double end to end. Its next release names an image this
 * machine does not have: the sweep labels it with a reason that names the
 * image, and the canonical stays where it was.
 */
import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSweep } from '../../client/sweep';
import { canonicals } from '../../state/canonicals';
import { makeFixture, type Fixture } from '../helpers/fixture';
import { endRunningSweep, startWorker, testClient } from '../helpers/temporal';
import { CI, CI_STACK, publishRelease } from '../helpers/pool';

describe('a recipe laid out like a real one', () => {
  let f: Fixture;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  beforeAll(async () => {
    // The release with the missing image never converges: coopci waits out convergeSeconds (its good releases converge in ~4 s).
    f = await makeFixture('real-recipe', [{ name: 'look', from: 'lookalike', upTo: '1.0.0+2.4.1', port: 18087, extra: { timeouts: { convergeSeconds: 10 } } }]);
    worker = await startWorker(f);
  });
  afterAll(async () => {
    await endRunningSweep();
    await worker?.stop();
  });

  const sweep = async () => (await (await startSweep(await testClient(), f.loaded.config)).result()).results[0]!;

  it('is created and deployed through the strict double, and a release whose image is missing is labelled, naming it', async () => {
    expect(await sweep()).toMatchObject({ label: 'PROMOTED', version: '1.0.0+2.4.1' });
    const env = await readFile(path.join(f.abraDir, 'servers', 'default', `warm-look.${CI}.env`), 'utf8');
    expect(env).toMatch(/^TYPE=look:1\.0\.0\+2\.4\.1$/m);
    expect(env).toMatch(/^COMPOSE_FILE="\$COMPOSE_FILE:compose\.db\.yml"$/m);
    // Only the secrets the sample declares uncommented were generated.
    const secrets = (await execa('docker', ['secret', 'ls', '--format', '{{.Name}}'])).stdout.split('\n').filter((n) => n.startsWith('warm-look_'));
    expect(secrets.sort()).toEqual([`warm-look_${CI_STACK}_app_key_v1`, `warm-look_${CI_STACK}_db_password_v1`]);

    await publishRelease('lookalike', f.upstream('look'), '1.1.0+2.5.0');
    const next = await sweep();
    expect(next).toMatchObject({ label: 'FAILED', version: '1.1.0+2.5.0', canonical: { before: '1.0.0+2.4.1', after: '1.0.0+2.4.1' } });
    expect(next.reason).toMatch(/^install: .*lookalike\/db:2\.5\.0/);
    expect(await canonicals.read(f.stateDir, 'look')).toMatchObject({ version: '1.0.0+2.4.1', status: 'idle' });
  }, 400_000);
});

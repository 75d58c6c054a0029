/**
 * abra exiting non-zero with garbage on its output: the recipe is FAILED with
 * a bounded, printable reason naming the step, its cold app is still cleaned
 * up through the Docker API, and the next recipe runs. (A hanging abra is the
 * wedge test in test/integration/control.)
 */
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startSweep } from '../../client/sweep';
import { makeFixture } from '../helpers/fixture';
import { endRunningSweep, startWorker, testClient } from '../helpers/temporal';
import { CI, literally } from '../helpers/pool';

describe('abra misbehaving', () => {
  afterAll(() => endRunningSweep());

  it('exits 3 printing binary garbage and escapes: labelled, bounded, and the sweep goes on', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'garbage-abra-'));
    const bin = path.join(dir, 'abra');
    // `app new` works; everything else prints 64 KiB of random bytes on stdout,
    // `--version`, `server add` and `app new` work; everything else prints 64 KiB of random bytes on stdout,
    await writeFile(
      bin,
      `#!/bin/sh\n[ "$1" = --version ] && echo 'abra version 0.11.0-beta' && exit 0\n[ "$1" = server ] && exit 0\n[ "$2" = new ] && exit 0\nhead -c 65536 /dev/urandom\nprintf '\\033[31mFATA\\000 kaput\\033[0m\\n' >&2\nexit 3\n`,
    );
    await chmod(bin, 0o755);
    const f = await makeFixture(
      'garbage',
      [
        { name: 'hello', from: 'hello', upTo: '1.0.0+1.0' },
        { name: 'unreleased', from: 'unreleased' },
      ],
      {
        abra: { bin, dir: path.join(dir, 'abra-dir') },
      },
    );
    const worker = await startWorker(f);
    try {
      const result = await (await startSweep(await testClient(), f.loaded.config)).result();
      const [hello, unreleased] = result.results;
      expect(hello).toMatchObject({ recipe: 'hello', label: 'FAILED' });
      expect(hello!.reason).toMatch(new RegExp(`^install: abra app deploy cold-hello\\.${literally(CI)}: exited 3: FATA\u2400 kaput`));
      expect(hello!.reason.length).toBeLessThan(2500);
      // eslint-disable-next-line no-control-regex -- asserts no control character got through
      expect(hello!.reason).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f\x1b]/);
      expect(unreleased).toMatchObject({ label: 'SKIPPED', reason: 'never-released' });
    } finally {
      await worker.stop();
    }
  }, 180_000);
});

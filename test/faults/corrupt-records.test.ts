/**
 * A corrupt or half-written registry record, last-good or alert is named in a
 * clear error and left exactly as it was for a person to look at; the sweep
 * goes on with the other recipes.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { paths } from '../../state/paths';
import { readJson, RegistryError, writeJsonAtomic } from '../../state/json-store';
import { startSweep } from '../../client/sweep';
import { LastGood } from '../../domain/warm-records';
import { makeFixture, type Fixture } from '../helpers/fixture';
import { cli, endRunningSweep, startWorker, testClient } from '../helpers/temporal';

const HALF_WRITTEN = '{\n  "recipe": "hello",\n  "version": "1.0.0+1.0",\n  "comm';

describe('corrupt records', () => {
  let f: Fixture;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  beforeAll(async () => {
    f = await makeFixture('corrupt', [
      { name: 'hello', from: 'hello', upTo: '1.0.0+1.0' },
      { name: 'unreleased', from: 'unreleased' },
    ]);
    worker = await startWorker(f);
  });
  afterAll(async () => {
    await endRunningSweep();
    await worker?.stop();
  });

  it('readJson names the file, is not retryable, and changes nothing', async () => {
    const file = paths.lastGood(f.stateDir, 'traefik');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, HALF_WRITTEN);
    const e = await readJson(file, LastGood).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RegistryError);
    expect(e).toMatchObject({ nonRetryable: true, message: `${file}: not valid JSON (corrupt or half-written); fix or remove it by hand` });
    await writeFile(file, JSON.stringify({ app: 'traefik', version: 'not a version' }));
    await expect(readJson(file, LastGood)).rejects.toThrow(new RegExp(`^${file}: not a valid record \\(version: .*\\); fix or remove it by hand$`));
  });

  it('a crash mid-write leaves the old record whole (the temp file is never read)', async () => {
    const file = path.join(f.stateDir, 'atomic', 'record.json');
    await writeJsonAtomic(file, { n: 1 });
    // What a crash between writing the temp file and the rename leaves behind.
    await writeFile(path.join(path.dirname(file), '.record.json.999.deadbeef.tmp'), '{"n": 2, "half');
    expect(await readJson(file, z.object({ n: z.number() }))).toEqual({ n: 1 });
    await writeJsonAtomic(file, { n: 3 });
    expect(await readJson(file, z.object({ n: z.number() }))).toEqual({ n: 3 });
  });

  it('a recipe with a corrupt canonical record is FAILED naming the file, the record untouched, the others run', async () => {
    const file = paths.canonical(f.stateDir, 'hello');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, HALF_WRITTEN);
    const handle = await startSweep(await testClient(), f.loaded.config);
    const result = await handle.result();
    const [hello, unreleased] = result.results;
    expect(hello).toMatchObject({ recipe: 'hello', label: 'FAILED' });
    expect(hello!.reason).toContain(`${file}: not valid JSON (corrupt or half-written); fix or remove it by hand`);
    expect(unreleased).toMatchObject({ recipe: 'unreleased', label: 'SKIPPED', reason: 'never-released' });
    expect(await readFile(file, 'utf8')).toBe(HALF_WRITTEN);
    // Nothing was deployed for it.
    expect((await f.abraCalls()).filter((argv) => argv.includes('app') && argv.includes('new'))).toEqual([]);
  });

  it('an unreadable alert is listed as such, and a valid one beside it still shows', async () => {
    const good = paths.alert(f.stateDir, 'deploy-traefik');
    await writeJsonAtomic(good, {
      app: 'traefik',
      reason: 'unhealthy-on-latest',
      ts: new Date().toISOString(),
      version: '1.2.0+3.2',
      lastGood: '1.1.0+3.1',
      state: 'serving 1.1.0+3.1 again',
    });
    const bad = paths.alert(f.stateDir, 'deploy-dashboard');
    await writeFile(bad, '{"app": "dash');
    const r = await cli(f, ['alerts', 'list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`unreadable alert ${bad}:`);
    expect(r.stdout).toMatch(/traefik {2}unhealthy-on-latest {2}1\.2\.0\+3\.2/);
    expect(await readFile(bad, 'utf8')).toBe('{"app": "dash');
  });
});

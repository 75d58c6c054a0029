import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { paths } from '../state/paths';
import type { World } from './world';

/**
 * What a hand-written script would do for the same recipes, one after the
 * other: the same git calls on the same kind of mirror (there since last
 * week), the canonical record read, the result written. Returns its wall
 * time in ms.
 */
export async function sequentialBaseline(world: World): Promise<number> {
  const stateDir = world.config.stateDir;
  const t0 = Date.now();
  for (const recipe of world.recipes) {
    const mirror = paths.mirror(stateDir, recipe);
    if (!existsSync(mirror)) {
      await mkdir(path.dirname(mirror), { recursive: true });
      await execa('git', ['init', '--quiet', '--bare', mirror]);
    }
    await execa('git', [
      '-C',
      mirror,
      'fetch',
      '--quiet',
      '--force',
      '--prune',
      '--no-write-fetch-head',
      '--',
      world.upstream,
      '+refs/heads/main:refs/heads/main',
      '+refs/tags/*:refs/tags/*',
    ]);
    const tags = (await execa('git', ['-C', mirror, 'tag', '--list'])).stdout.split('\n');
    const canonical = JSON.parse(await readFile(paths.canonical(stateDir, recipe), 'utf8')) as { version: string };
    const result = { recipe, label: 'SKIPPED', reason: tags.includes(canonical.version) ? 'no-new-version' : 'unexpected' };
    const out = path.join(paths.runDir(stateDir, 'baseline', recipe), 'result.json');
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(`${out}.tmp`, JSON.stringify(result));
    await rename(`${out}.tmp`, out);
  }
  return Date.now() - t0;
}

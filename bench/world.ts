import { execa } from 'execa';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { writeJsonAtomic } from '../state/json-store';
import { paths } from '../state/paths';
import { syncMirror } from '../adapters/git';
import { loadConfig } from '../config/load';
import type { Config } from '../config/schema';

export interface World {
  dir: string;
  configFile: string;
  config: Config;
  recipes: string[];
  upstream: string;
}

const VERSION = '1.0.0+1.0';
const ABRA_LOCAL = fileURLToPath(new URL('../tools/abra-local/abra', import.meta.url));

/**
 * N recipes sharing one upstream with one release tag, each already
 * canonical at that tag and mirrored as last week's sweep left it: a sweep
 * takes every step but the deploy.
 */
export async function makeWorld(scratch: string, name: string, n: number, lanes: number, address: string): Promise<World> {
  const dir = path.join(scratch, name);
  const upstream = path.join(scratch, 'upstream');
  await ensureUpstream(upstream);
  const recipes = Array.from({ length: n }, (_, i) => `bench-${String(i).padStart(4, '0')}`);
  const stateDir = path.join(dir, 'state');
  const commit = (await execa('git', ['-C', upstream, 'rev-parse', `${VERSION}^{commit}`])).stdout;
  // One mirror made as a sweep makes it, copied for every recipe.
  const template = path.join(dir, 'mirror-template.git');
  await syncMirror(upstream, template, 60_000);
  for (const recipe of recipes) {
    await cp(template, paths.mirror(stateDir, recipe), { recursive: true });
    await writeJsonAtomic(paths.canonical(stateDir, recipe), {
      recipe,
      version: VERSION,
      commit,
      domain: `warm-${recipe}.bench.local`,
      status: 'idle',
      ts: new Date().toISOString(),
    });
  }
  const config = {
    ciDomain: 'bench.local',
    server: 'default',
    stateDir: 'state',
    // The worker checks abra's version at start: the strict double answers as abra would (no deploy is ever run here).
    abra: { bin: ABRA_LOCAL, dir: 'abra' },
    temporal: { address, taskQueue: `bench-${name}` },
    sweep: { lanes },
    recipes: recipes.map((r) => ({ name: r, upstream, health: { url: 'http://127.0.0.1:1/' } })),
  };
  await mkdir(dir, { recursive: true });
  const configFile = path.join(dir, 'coopci.yaml');
  await writeFile(configFile, YAML.stringify(config));
  return { dir, configFile, config: (await loadConfig(configFile)).config, recipes, upstream };
}

async function ensureUpstream(repo: string): Promise<void> {
  const git = (...args: string[]) => execa('git', ['-C', repo, ...args]);
  if ((await execa('git', ['-C', repo, 'rev-parse'], { reject: false })).exitCode === 0) return;
  await mkdir(repo, { recursive: true });
  await execa('git', ['init', '--quiet', '--initial-branch=main', repo]);
  await writeFile(path.join(repo, 'compose.yml'), 'version: "3.8"\nservices: {}\n');
  await git('add', '.');
  await git('-c', 'user.name=bench', '-c', 'user.email=bench@localhost', 'commit', '--quiet', '-m', 'release');
  // Annotated, as Co-op Cloud releases are (abra's lint refuses a lightweight release tag).
  await git('-c', 'user.name=bench', '-c', 'user.email=bench@localhost', 'tag', '--annotate', '--message', `release ${VERSION}`, VERSION);
}

/**
 * The backup bot every test that backs up needs on the Swarm, as a real
 * server has backup-bot-two: deployed once per test run through the abra
 * double, from the example recipe, in an ABRA_DIR of its own and at a domain
 * no fixture clears (each fixture clears its own `ci<N>.test.local`, test/helpers/pool.ts).
 */
import { execa } from 'execa';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Abra } from '../../adapters/abra';
import { docker, stackLeftovers, stackServices } from '../../adapters/swarm';
import { isConverged } from '../../domain/convergence';
import { stackName } from '../../domain/stack-name';
import { buildUpstream } from '../../scripts/example-recipes';
import { RUN_PORT_SHIFT } from './pool';

// Not from ./fixture: this runs in vitest's global setup, where vitest itself cannot be imported.
const ABRA_LOCAL = fileURLToPath(new URL('../../tools/abra-local/abra', import.meta.url));
const DOMAIN = 'backups.coopci.test';
const VERSION = '1.0.0+2.0.0';

/** Deploys the bot and waits until it runs; resolves to its removal. */
export async function deployBackupBot(scratch: string): Promise<() => Promise<void>> {
  const dir = path.join(scratch, 'backup-bot-abra');
  const stack = stackName(DOMAIN);
  // A bot an interrupted run left behind has lost its ABRA_DIR: remove it by its stack.
  if ((await stackServices(docker(), stack)).length > 0) {
    await execa('docker', ['stack', 'rm', stack]);
    await until(async () => (await stackLeftovers(docker(), stack)).networks.length === 0, `the old bot (${stack}) to go`);
  }
  // On a port of its own: a worker's files deploy the example bot too (test/abra), on theirs.
  await buildUpstream('backup-bot', path.join(dir, 'recipes', 'backup-bot'), { portShift: RUN_PORT_SHIFT });
  const abra = new Abra({ bin: ABRA_LOCAL, dir, server: 'default' });
  await abra.appNew('backup-bot', VERSION, DOMAIN, 60_000);
  await abra.deploy(DOMAIN, VERSION, 60_000);
  await until(async () => isConverged(await stackServices(docker(), stack)), `the backup bot (${stack}) to run`);
  return async () => {
    // Another test run on this Swarm may have replaced the bot meanwhile (its setup removes one it finds): then nothing is deployed here.
    if ((await stackServices(docker(), stack)).length > 0) await abra.undeploy(DOMAIN, 60_000);
    await abra.remove(DOMAIN, 60_000);
  };
}

async function until(done: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

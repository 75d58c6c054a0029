/**
 * `abra app run [flags] <domain> <service> <cmd> [args...]`: runs a command in
 * the running container of one of the app's services, as abra does with a
 * `docker exec` (the command's argv as given, no shell). abra finds the
 * container by the service's name (`<stack>_<service>`) and fails when none
 * runs. It asks for a TTY unless `-t/--no-tty`, and like the Docker CLI it
 * comes from, refuses one when stdin is not a terminal: a CI job must pass
 * `--no-tty`. Flags may come anywhere on the line, so the command's own flags
 * must follow `--`.
 */
import { execa } from 'execa';
import { docker, stackServices } from '../../adapters/swarm';
import { readApp } from './app';
import { runningContainer } from './backupbot';
import type { Parsed } from './cli';
import { Fatal } from './common';

const d = docker();

export async function appRun(a: Parsed): Promise<void> {
  const [domain, service, ...cmd] = a.positional as [string, string, ...string[]];
  const { stack } = await readApp(domain);
  if ((await stackServices(d, stack)).length === 0) throw new Fatal(`${domain} is not deployed?`);
  const container = await runningContainer(d, `${stack}_${service}`);
  if (!container) throw new Fatal(`no containers matching the ^${stack}_${service} filter found`);
  const tty = !a.flags.has('no-tty');
  if (tty && !process.stdin.isTTY) throw new Fatal('the input device is not a TTY');
  const user = a.flags.get('user');
  const r = await execa('docker', ['exec', '-i', ...(tty ? ['-t'] : []), ...(typeof user === 'string' ? ['-u', user] : []), container, ...cmd], {
    stdio: 'inherit',
    reject: false,
  });
  // The command's own failure is abra's: exit 1, naming the command's exit status.
  if (r.exitCode !== 0) throw new Fatal(`exit status ${r.exitCode ?? r.signal ?? 'unknown'}: ${cmd.join(' ')} in ${stack}_${service}`);
}

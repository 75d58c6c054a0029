/**
 * The abra double against docs/abra.md, row by row: abra-local run as a CLI
 * (as coopci runs abra) on a temporary ABRA_DIR with git recipe checkouts
 * tagged as releases are, deploying to the real local Swarm. Every refusal is
 * an exit 1 with abra's `FATA <message>`; every behaviour is checked in the
 * env file and on the Swarm. The rows run in order, one app's life after
 * another, each starting from the state the rows before it left.
 *
 * The test run's own backup bot runs meanwhile (test/helpers/backup-bot.ts),
 * as other files back up beside this one: the rows that need no bot on the
 * Swarm are in conformance-no-bot.test.ts.
 */
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject } from 'vitest';
import { docker, stackServices } from '../../adapters/swarm';
import { isConverged } from '../../domain/convergence';
import { stackName } from '../../domain/stack-name';
import { buildUpstream, port } from '../helpers/pool';
import { CONF, CONF_SAMPLE, HOOKS, LIGHTWEIGHT, LINTAPP } from './recipes';
import { backupCreate, buildRecipe, N, newApp, removeStacks, restore, rowTests, shIn, type Row } from './world';

const A = 'a.conf.test.local'; // conf: the whole life of an app
const B = 'b.conf.test.local'; // lintapp, on a server added by name
const C = 'c.conf.test.local'; // lightweight
const LOCAL = 'localhost'; // conf again: a domain that resolves (only its env file is ever created)
const REMOTE = 'conf-remote.test.local';
const BOT = 'backups.conf.test.local'; // the example backup-bot recipe
const HOOKS_APP = 'hooks.conf.test.local'; // hooks: every backupbot label
const NOTES = 'notes.conf.test.local'; // the example notes recipe: round-trips
const LOSSY = 'lossy.conf.test.local'; // the example lossy recipe: loses the data
const STACKS = [A, B, C, LOCAL, BOT, HOOKS_APP, NOTES, LOSSY].map(stackName);

let abraDir = '';
const d = docker();
const envFile = (server: string, domain: string) => path.join(abraDir, 'servers', server, `${domain}.env`);
const typeOf = async (server: string, domain: string) => /^TYPE=(.*)$/m.exec(await readFile(envFile(server, domain), 'utf8'))?.[1];
const isDir = (p: string) =>
  stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
const secretsOf = async (stack: string) =>
  (await d.listSecrets())
    .map((s) => s.Spec?.Name ?? '')
    .filter((n) => n.startsWith(`${stack}_`))
    .sort();
const appService = (stack: string) => d.getService(`${stack}_app`).inspect();
const versionLabel = async (stack: string) => (await appService(stack)).Spec.Labels[`coop-cloud.${stack}.version`];
const backups = (domain: string) => path.join(abraDir, 'backups', domain);
/** Every file of the domain's backups, relative to its backup's directory (`app/data/keep`). */
async function savedFiles(domain: string): Promise<string[]> {
  const [only, ...more] = await readdir(backups(domain));
  expect(more).toEqual([]);
  const entries = await readdir(path.join(backups(domain), only!), { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(path.join(backups(domain), only!), path.join(e.parentPath, e.name)));
}
/** The note the example database apps serve over HTTP. */
const note = async (port: number) => (await (await fetch(`http://127.0.0.1:${port}/note.txt`)).text()).trim();
// The examples' published ports, as this vitest worker publishes them (test/helpers/pool.ts).
const NOTES_PORT = port(18088);
const LOSSY_PORT = port(18089);
const appRun = (...args: string[]) => ['app', 'run', ...args];

const ROWS: Row[] = [
  // The CLI itself.
  { does: '--version prints one line', argv: ['--version'], prints: /^abra version 0\.11\.0-beta-local$/ },
  { does: '-v reports ABRA_LOCAL_VERSION', argv: ['-v'], env: { ABRA_LOCAL_VERSION: '0.9.0-beta' }, prints: /^abra version 0\.9\.0-beta$/ },
  { does: 'refuses an unknown command', argv: ['app', 'frobnicate', A], refuses: /unknown command "frobnicate" for "abra app"/ },
  { does: 'refuses an unknown flag', argv: ['app', 'deploy', A, '1.0.0+1.0', '--frobnicate', ...N], refuses: /unknown flag: --frobnicate/ },
  {
    does: 'refuses a flag of another command (upgrade has no -D)',
    argv: ['app', 'upgrade', A, '1.1.0+1.1', '-D', ...N],
    refuses: /unknown shorthand flag: 'D' in -D/,
  },
  { does: 'refuses too many arguments', argv: ['app', 'deploy', A, '1.0.0+1.0', 'extra', ...N], refuses: /accepts between 1 and 2 arg\(s\), received 3/ },

  // Servers.
  {
    does: 'app new refuses a server never added',
    argv: newApp('conf', '1.0.0+1.0', 'default', A, '--secrets', ...N),
    refuses: /server default doesn't exist\? run "abra server add"/,
  },
  {
    does: 'server add --local adds the server "default"',
    argv: ['server', 'add', '--local', '-n'],
    prints: /server default added/,
    then: async () => expect(await isDir(path.join(abraDir, 'servers/default'))).toBe(true),
  },
  { does: 'server add refuses a server that exists', argv: ['server', 'add', '--local', '-n'], refuses: /server default already exists/ },
  {
    does: 'server add <host> adds that server',
    argv: ['server', 'add', REMOTE, '-n'],
    prints: new RegExp(`server ${REMOTE} added`),
    then: async () => expect(await isDir(path.join(abraDir, 'servers', REMOTE))).toBe(true),
  },

  // app new.
  {
    does: 'app new refuses a recipe not in ABRA_DIR/recipes',
    argv: newApp('nosuch', '1.0.0+1.0', 'default', A, ...N),
    refuses: /recipe nosuch is not in .*recipes\/nosuch/,
  },
  {
    does: 'app new refuses a version that is not a tag',
    argv: newApp('conf', '9.9.9+9.9', 'default', A, ...N),
    refuses: /version 9\.9\.9\+9\.9 does not exist for recipe conf/,
  },
  { does: 'app new without --offline is refused (the double cannot fetch)', argv: newApp('conf', '1.0.0+1.0', 'default', A, '-n'), refuses: /pass --offline/ },
  {
    does: 'app new without --no-input is refused (no terminal to prompt on)',
    argv: newApp('conf', '1.0.0+1.0', 'default', A, '-o'),
    refuses: /pass --no-input/,
  },
  {
    does: 'app new writes the env file from .env.sample at the tag and generates only the declared secrets',
    argv: newApp('conf', '1.0.0+1.0', 'default', A, '--secrets', '--no-input', '--offline'),
    prints: /A new conf app has been created! a\.conf\.test\.local/,
    then: async (r) => {
      const expected = CONF_SAMPLE.replace('TYPE=conf\n', 'TYPE=conf:1.0.0+1.0\n').replace('DOMAIN=conf.example.com', `DOMAIN=${A}`);
      expect(await readFile(envFile('default', A), 'utf8')).toBe(expected);
      // Not manual (generate=false), not mail_key (commented out, inactive file), not unused (no compose file uses it).
      expect(await secretsOf(stackName(A))).toEqual([`${stackName(A)}_api_key_v2`, `${stackName(A)}_db_password_v1`]);
      expect(/^db_password {2}(\S+)$/m.exec(r.stdout)?.[1]).toHaveLength(12);
      expect(r.stdout).toMatch(/^api_key {2}\S{16,}$/m);
      expect(r.stderr).toMatch(/manual: generate=false/);
    },
  },
  { does: 'app new refuses an env file that exists', argv: newApp('conf', '1.0.0+1.0', 'default', A, ...N), refuses: /a\.conf\.test\.local already exists\?/ },

  // deploy: refusals before anything is deployed.
  {
    does: 'deploy without -D refuses a domain that does not resolve',
    argv: ['app', 'deploy', A, '1.0.0+1.0', ...N, '-c'],
    refuses: /domain check failed: a\.conf\.test\.local does not resolve/,
  },
  {
    does: 'deploy refuses while a secret is missing (generate=false leaves it to the operator)',
    argv: ['app', 'deploy', A, '1.0.0+1.0', ...N, '-D', '-c'],
    refuses: /secret not found: a_conf_test_local_manual_v1/,
  },
  {
    does: 'upgrade refuses an app that is not deployed',
    argv: ['app', 'upgrade', A, '1.1.0+1.1', ...N, '-c'],
    refuses: /a\.conf\.test\.local is not deployed\?/,
  },
  {
    does: 'rollback refuses an app that is not deployed',
    argv: ['app', 'rollback', A, '1.0.0+1.0', ...N, '-c'],
    refuses: /a\.conf\.test\.local is not deployed\?/,
  },
  { does: 'undeploy refuses an app that is not deployed', argv: ['app', 'undeploy', A, '-n'], refuses: /a\.conf\.test\.local is not deployed/ },

  // deploy, then redeploy.
  {
    does: 'deploy runs the COMPOSE_FILE chain, waits for convergence, labels the version',
    before: () => createSecret(`${stackName(A)}_manual_v1`),
    argv: ['app', 'deploy', A, '1.0.0+1.0', '--no-input', '--offline', '--no-domain-checks'],
    prints: /a\.conf\.test\.local deployed at 1\.0\.0\+1\.0/,
    then: async () => {
      const services = await stackServices(d, stackName(A));
      expect(services.map((s) => s.name).sort()).toEqual([`${stackName(A)}_app`, `${stackName(A)}_worker`]);
      expect(isConverged(services)).toBe(true);
      expect(await versionLabel(stackName(A))).toBe('1.0.0+1.0');
      const env = (await appService(stackName(A))).Spec.TaskTemplate.ContainerSpec.Env as string[];
      expect(env).toEqual(expect.arrayContaining([`PUBLIC_URL=https://${A}`, 'GREETING=hello ${DOMAIN}', 'RELEASE=1.0.0+1.0']));
      expect(await typeOf('default', A)).toBe('conf:1.0.0+1.0');
    },
  },
  {
    does: 'backup create refuses an unknown app',
    argv: backupCreate('nosuch.conf.test.local'),
    refuses: /cannot find app with name nosuch\.conf\.test\.local/,
  },
  {
    does: 'deploy refuses an app that is deployed',
    argv: ['app', 'deploy', A, '1.0.0+1.0', ...N, '-D', '-c'],
    refuses: /a\.conf\.test\.local is already deployed/,
  },
  {
    does: 'deploy --force redeploys a deployed app',
    argv: ['app', 'deploy', A, '1.0.0+1.0', ...N, '-D', '-c', '--force'],
    prints: /deployed at 1\.0\.0\+1\.0/,
  },
  { does: 'remove refuses an app that is deployed', argv: ['app', 'remove', A, '--force', '--no-input'], refuses: /a\.conf\.test\.local is still deployed/ },

  // upgrade and rollback.
  {
    does: 'upgrade refuses the same version without --force',
    argv: ['app', 'upgrade', A, '1.0.0+1.0', ...N, '-c'],
    refuses: /already deployed at 1\.0\.0\+1\.0: pass --force/,
  },
  { does: 'upgrade --force accepts the same version', argv: ['app', 'upgrade', A, '1.0.0+1.0', ...N, '-c', '-f'], prints: /upgraded at 1\.0\.0\+1\.0/ },
  {
    does: 'upgrade goes to a higher version and records it',
    argv: ['app', 'upgrade', A, '1.1.0+1.1', '--no-input', '--offline', '--no-converge-checks'],
    prints: /upgraded at 1\.1\.0\+1\.1/,
    then: async () => {
      expect(await typeOf('default', A)).toBe('conf:1.1.0+1.1');
      expect(await versionLabel(stackName(A))).toBe('1.1.0+1.1');
    },
  },
  {
    does: 'upgrade refuses a lower version, pointing at rollback',
    argv: ['app', 'upgrade', A, '1.0.0+1.0', ...N, '-c'],
    refuses: /1\.0\.0\+1\.0 is not an upgrade for .*abra app rollback/,
  },
  {
    does: 'rollback refuses a higher version, pointing at upgrade',
    argv: ['app', 'rollback', A, '1.2.0+1.2', ...N, '-c'],
    refuses: /1\.2\.0\+1\.2 is not a downgrade for .*abra app upgrade/,
  },
  {
    does: 'rollback refuses the same version without --force',
    argv: ['app', 'rollback', A, '1.1.0+1.1', ...N, '-c'],
    refuses: /already deployed at 1\.1\.0\+1\.1: pass --force/,
  },
  {
    does: 'a deploy that fails (no convergence) leaves the recorded version as it was',
    argv: ['app', 'upgrade', A, '1.2.0+1.2', ...N],
    // 1.2.0 exits at once: it never converges, however long abra waits.
    env: { ABRA_LOCAL_CONVERGE_TIMEOUT_S: '2' },
    refuses: /a_conf_test_local did not converge/,
    then: async () => {
      expect(await typeOf('default', A)).toBe('conf:1.1.0+1.1');
      expect(await versionLabel(stackName(A))).toBe('1.2.0+1.2'); // the stack runs it, failing
    },
  },
  {
    does: 'rollback goes to a lower version and records it',
    argv: ['app', 'rollback', A, '1.0.0+1.0', '--no-input', '--offline', '--no-converge-checks'],
    prints: /rolled back at 1\.0\.0\+1\.0/,
    then: async () => {
      expect(await typeOf('default', A)).toBe('conf:1.0.0+1.0');
      expect(await versionLabel(stackName(A))).toBe('1.0.0+1.0');
    },
  },
  {
    does: 'undeploy removes the stack, keeps secrets and the env file',
    argv: ['app', 'undeploy', A, '--no-input'],
    prints: /undeployed/,
    then: async () => {
      expect(await stackServices(d, stackName(A))).toEqual([]);
      expect(await secretsOf(stackName(A))).toHaveLength(3);
      expect(await typeOf('default', A)).toBe('conf:1.0.0+1.0');
    },
  },
  {
    does: 'remove removes the env file and the secrets',
    argv: ['app', 'remove', A, '--force', '--no-input'],
    prints: /removed/,
    then: async () => {
      expect(await secretsOf(stackName(A))).toEqual([]);
      await expect(stat(envFile('default', A))).rejects.toThrow();
    },
  },

  // The domain check lets a domain through that resolves to this machine.
  { does: 'app new without --secrets generates none', argv: newApp('conf', '1.0.0+1.0', 'default', LOCAL, ...N), prints: /created/ },
  {
    does: 'deploy without -D passes the domain check of a domain resolving here (and stops at the missing secrets)',
    argv: ['app', 'deploy', LOCAL, '1.0.0+1.0', ...N, '-c'],
    refuses: /secret not found: localhost_db_password_v1/,
  },

  // The backup bot, deployed through the double as an operator deploys backup-bot-two.
  { does: 'app new backup-bot', argv: newApp('backup-bot', '1.0.0+2.0.0', 'default', BOT, ...N), prints: /created/ },
  {
    does: 'deploy the backup bot',
    argv: ['app', 'deploy', BOT, '1.0.0+2.0.0', ...N, '-D'],
    prints: /backups\.conf\.test\.local deployed at 1\.0\.0\+2\.0\.0/,
    then: async () => expect((await appService(stackName(BOT))).Spec.Labels['coop-cloud.backupbot.enabled']).toBe('true'),
  },

  // Lint, and --chaos.
  { does: 'app new works on a server added by name', argv: newApp('lintapp', '1.0.0+1.0', REMOTE, B, ...N), prints: /created/ },
  {
    does: 'deploy refuses a dirty recipe checkout',
    before: () => writeFile(path.join(abraDir, 'recipes/lintapp/stray.txt'), 'local change\n'),
    argv: ['app', 'deploy', B, '1.0.0+1.0', ...N, '-D', '-c'],
    refuses: /lintapp has locally unstaged changes\?/,
  },
  {
    does: 'lint refuses a release without .env.sample (R008)',
    before: () => rm(path.join(abraDir, 'recipes/lintapp/stray.txt')),
    argv: ['app', 'deploy', B, '1.2.0+1.2', ...N, '-D', '-c'],
    refuses: /lint error in lintapp configs: "\.env\.sample provided" failed lint checks \(R008\)/,
  },
  {
    does: "lint refuses a release without an 'app' service (R009)",
    argv: ['app', 'deploy', B, '1.1.0+1.1', ...N, '-D', '-c'],
    refuses: /lint error in lintapp configs: "one service named 'app'" failed lint checks \(R009\): services: web/,
  },
  {
    does: '--chaos takes no version',
    argv: ['app', 'deploy', B, '1.1.0+1.1', '--chaos', ...N, '-D', '-c'],
    refuses: /cannot use <version> and --chaos together/,
  },
  {
    does: '--chaos deploys the checkout as it is, unlinted, and records its commit',
    argv: ['app', 'deploy', B, '--chaos', ...N, '-D', '-c'],
    prints: /deployed at [0-9a-f]{8}$/,
    then: async () => {
      expect((await stackServices(d, stackName(B))).map((s) => s.name)).toEqual([`${stackName(B)}_web`]);
      expect(await typeOf(REMOTE, B)).toMatch(/^lintapp:[0-9a-f]{8}$/);
    },
  },
  {
    does: 'backup create refuses an app none of whose services declares backupbot.backup=true',
    argv: backupCreate(B),
    refuses: /no backup configuration found for b\.conf\.test\.local/,
    then: async () => expect(await readdir(backups(B)).catch(() => [])).toEqual([]),
  },
  { does: 'undeploy after a chaos deploy', argv: ['app', 'undeploy', B, '-n'], prints: /undeployed/ },
  { does: 'backup create refuses an app that is not deployed', argv: backupCreate(B), refuses: /b\.conf\.test\.local is not deployed/ },
  { does: 'restore refuses an app that is not deployed', argv: restore(B), refuses: /b\.conf\.test\.local is not deployed/ },
  { does: 'app new does not lint', argv: newApp('lightweight', '1.0.0+1.0', 'default', C, ...N), prints: /created/ },
  {
    does: 'lint refuses a recipe with a lightweight tag, whichever release is deployed (R014)',
    argv: ['app', 'deploy', C, '1.0.0+1.0', ...N, '-D', '-c'],
    refuses: /"only annotated tags used for recipe version" failed lint checks \(R014\): lightweight tag\(s\): 1\.1\.0\+1\.1/,
  },
  { does: '--chaos (-C) deploys it anyway', argv: ['app', 'deploy', C, '-C', ...N, '-D', '-c'], prints: /deployed at/ },
  { does: 'undeploy the chaos deploy', argv: ['app', 'undeploy', C, '-n'], prints: /undeployed/ },
  {
    does: 'app new --chaos takes no version',
    argv: [...newApp('lightweight', '1.0.0+1.0', 'default', 'cn.conf.test.local', ...N), '--chaos'],
    refuses: /cannot use <version> and --chaos together/,
  },
  {
    does: 'app new --chaos creates the app from the checkout as it is, recording its commit',
    argv: ['app', 'new', 'lightweight', '--chaos', '-s', 'default', '-D', 'cn.conf.test.local', ...N],
    prints: /created/,
    then: async () => expect(await typeOf('default', 'cn.conf.test.local')).toMatch(/^lightweight:[0-9a-f]{8}$/),
  },
  { does: 'remove the chaos-made app', argv: ['app', 'remove', 'cn.conf.test.local', '--force', '-n'], prints: /removed/ },

  // Backups as backup-bot-two makes them: the labels' paths and hooks, nothing else.
  { does: 'app new hooks', argv: newApp('hooks', '1.0.0+1.0', 'default', HOOKS_APP, ...N), prints: /created/ },
  { does: 'deploy hooks', argv: ['app', 'deploy', HOOKS_APP, '1.0.0+1.0', ...N, '-D'], prints: /deployed/ },
  { does: 'restore refuses an app with no backup', argv: restore(HOOKS_APP), refuses: /no backup found for hooks\.conf\.test\.local/ },
  {
    does: 'backup create runs the pre-hooks, saves only the declared paths, then runs the post-hooks',
    argv: backupCreate(HOOKS_APP),
    prints: /app {2}\/data\/keep {2}5 B\n {2}app {2}\/data\/made-by-pre {2}21 B\n {2}worker {2}\/work\/kept {2}2 B\n3 path\(s\) of 2 service\(s\), 28 B/,
    then: async () => {
      // Not /data/skip (not declared), not the cache volume (excluded), not work/dropped (outside work's path), nothing of other.
      expect((await savedFiles(HOOKS_APP)).sort()).toEqual(['app/data/keep', 'app/data/made-by-pre', 'backup.json', 'worker/work/kept/file']);
      const [dir] = await readdir(backups(HOOKS_APP));
      // Made by the pre-hook before the copy, removed by the post-hook after it.
      expect(await readFile(path.join(backups(HOOKS_APP), dir!, 'app/data/made-by-pre'), 'utf8')).toBe('made by the pre-hook\n');
      expect(await shIn(stackName(HOOKS_APP), 'app', 'ls /data')).toBe('keep\nskip');
      expect(await shIn(stackName(HOOKS_APP), 'app', 'cat /hooks.log')).toBe('backup-pre\nbackup-post');
    },
  },
  {
    does: 'restore runs the pre-hook, copies back only the saved paths, then runs the post-hook',
    before: () => shIn(stackName(HOOKS_APP), 'app', 'for f in keep skip; do echo changed > /data/$f; done').then(() => undefined),
    argv: restore(HOOKS_APP),
    prints: /hooks\.conf\.test\.local restored from backup \d{8}T\d{6}\.\d{3}Z/,
    then: async () => {
      const app = (script: string) => shIn(stackName(HOOKS_APP), 'app', script);
      // The pre-hook removed keep; the post-hook found it restored.
      expect(await app('cat /hooks.log')).toBe('backup-pre\nbackup-post\nrestore-pre\nrestore-post\nkeep');
      expect(await app('cat /data/keep /data/skip /data/made-by-pre')).toBe('keep\nchanged\nmade by the pre-hook');
    },
  },

  // The example database apps: a dump with a restore hook round-trips; a copy nothing loads back does not.
  { does: 'app new notes', argv: newApp('notes', '1.0.0+1.0', 'default', NOTES, ...N), prints: /created/ },
  { does: 'deploy notes', argv: ['app', 'deploy', NOTES, '1.0.0+1.0', ...N, '-D'], prints: /deployed/ },
  {
    does: 'notes: backup create saves the dump its pre-hook makes, and its post-hook removes the dump',
    argv: backupCreate(NOTES),
    prints: /app {2}\/var\/lib\/notes\/dump\.tar {2}\S+ K?i?B/,
    then: async () => {
      expect(await savedFiles(NOTES)).toEqual(expect.arrayContaining(['app/var/lib/notes/dump.tar']));
      expect(await shIn(stackName(NOTES), 'app', 'ls /var/lib/notes')).toBe('live');
    },
  },
  {
    does: 'notes: restore brings back the data of the backup (its post-hook loads the dump)',
    before: async () => {
      await shIn(stackName(NOTES), 'app', 'echo changed > /var/lib/notes/live/note.txt');
      expect(await note(NOTES_PORT)).toBe('changed');
    },
    argv: restore(NOTES),
    prints: /restored/,
    then: async () => {
      expect(await note(NOTES_PORT)).toBe('first note');
      expect(await shIn(stackName(NOTES), 'app', 'ls /var/lib/notes')).toBe('live');
    },
  },

  // abra app run: a command in a service's running container (the backup tiers' seed commands use it).
  { does: 'app run refuses an unknown app', argv: appRun('-t', 'nosuch.conf.test.local', 'app', '--', 'true'), refuses: /cannot find app with name nosuch/ },
  { does: 'app run refuses an app that is not deployed', argv: appRun('-t', B, 'web', '--', 'true'), refuses: /b\.conf\.test\.local is not deployed\?/ },
  {
    does: 'app run refuses a service the app does not run',
    argv: appRun('-t', NOTES, 'db', '--', 'true'),
    refuses: /no containers matching the \^notes_conf_test_local_db filter found/,
  },
  {
    does: 'app run asks for a TTY unless --no-tty (-t): refused when stdin is not a terminal',
    argv: appRun(NOTES, 'app', '--', 'true'),
    refuses: /the input device is not a TTY/,
  },
  {
    does: "app run parses flags anywhere: the command's own follow --",
    argv: appRun('-t', NOTES, 'app', 'ls', '-la'),
    refuses: /unknown shorthand flag: 'l' in -la/,
  },
  { does: 'app run needs a command', argv: appRun('--no-tty', NOTES, 'app'), refuses: /requires at least 3 arg\(s\), only received 2/ },
  {
    does: 'app run runs the argv as given (no shell) in the running container',
    argv: appRun('--no-tty', NOTES, 'app', '--', 'echo', '$HOME', 'and', 'more'),
    prints: /^\$HOME and more$/,
  },
  {
    does: "app run changes the app's data (a shell when the command is one)",
    argv: appRun('--no-tty', NOTES, 'app', '--', 'sh', '-c', 'echo via-run > /var/lib/notes/live/note.txt'),
    prints: /^$/,
    then: async () => expect(await note(NOTES_PORT)).toBe('via-run'),
  },
  { does: 'app run --user (-u) runs as that user', argv: appRun('-t', '-u', '65534', NOTES, 'app', '--', 'id', '-u'), prints: /^65534$/ },
  { does: 'app run fails (exit 1) when the command fails', argv: appRun('-t', NOTES, 'app', '--', 'false'), refuses: /exit status 1/ },

  { does: 'app new lossy', argv: newApp('lossy', '1.0.0+1.0', 'default', LOSSY, ...N), prints: /created/ },
  { does: 'deploy lossy', argv: ['app', 'deploy', LOSSY, '1.0.0+1.0', ...N, '-D'], prints: /deployed/ },
  {
    does: 'lossy: backup create exits 0 and saves a copy of the live data',
    argv: backupCreate(LOSSY),
    prints: /app {2}\/var\/lib\/lossy\/copy/,
    then: async () => {
      const [dir] = await readdir(backups(LOSSY));
      expect(await readFile(path.join(backups(LOSSY), dir!, 'app/var/lib/lossy/copy/note.txt'), 'utf8')).toBe('first note\n');
    },
  },
  {
    does: 'lossy: restore exits 0 but the app still serves the changed data (nothing loads the copy back)',
    before: async () => {
      await shIn(stackName(LOSSY), 'app', 'echo changed > /var/lib/lossy/live/note.txt');
      expect(await note(LOSSY_PORT)).toBe('changed');
    },
    argv: restore(LOSSY),
    prints: /restored/,
    then: async () => expect(await note(LOSSY_PORT)).toBe('changed'),
  },

  // The bot goes as any app does (without one, nothing is backed up: conformance-no-bot.test.ts).
  { does: 'undeploy the backup bot', argv: ['app', 'undeploy', BOT, '-n'], prints: /undeployed/ },
  { does: 'remove the backup bot', argv: ['app', 'remove', BOT, '--force', '-n'], prints: /removed/ },
];

async function createSecret(name: string) {
  await d.createSecret({ Name: name, Data: Buffer.from('set by the operator').toString('base64') });
}

describe('abra-local conforms to docs/abra.md', () => {
  beforeAll(async () => {
    await removeStacks(STACKS);
    abraDir = path.join(inject('scratchDir'), `abra-conformance-${process.pid}`);
    await rm(abraDir, { recursive: true, force: true });
    await mkdir(abraDir, { recursive: true });
    await buildRecipe(path.join(abraDir, 'recipes/conf'), CONF);
    await buildRecipe(path.join(abraDir, 'recipes/lintapp'), LINTAPP);
    await buildRecipe(path.join(abraDir, 'recipes/lightweight'), LIGHTWEIGHT);
    await buildRecipe(path.join(abraDir, 'recipes/hooks'), HOOKS);
    for (const r of ['backup-bot', 'notes', 'lossy']) await buildUpstream(r, path.join(abraDir, 'recipes', r));
  });
  afterAll(() => removeStacks(STACKS));

  rowTests(ROWS, () => abraDir);
});

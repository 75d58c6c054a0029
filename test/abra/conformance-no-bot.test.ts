/**
 * The rows of docs/abra.md that need no backup bot on the Swarm: abra hands
 * backups and restores to backup-bot-two, found on the server by its deploy
 * label, and refuses both while none runs, however deployed the app is. The
 * test run's own bot (test/helpers/backup-bot.ts) is scaled to nothing for
 * this file and back afterwards, so it runs in the group of files that never
 * back up (vitest.config.ts); conformance.test.ts has the other rows.
 */
import { execa } from 'execa';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject } from 'vitest';
import { docker } from '../../adapters/swarm';
import { stackName } from '../../domain/stack-name';
import { buildUpstream } from '../helpers/pool';
import { backupCreate, N, newApp, removeStacks, restore, rowTests, type Row } from './world';

const NOTES = 'notes.nobot.test.local';
const BOT = 'backups.nobot.test.local';
const STACKS = [NOTES, BOT].map(stackName);
const BOT_LABEL = 'coop-cloud.backupbot.enabled=true';

let abraDir = '';
const backups = () => readdir(path.join(abraDir, 'backups', NOTES)).catch(() => []);

const ROWS: Row[] = [
  { does: 'server add --local', argv: ['server', 'add', '--local', '-n'], prints: /server default added/ },
  { does: 'app new notes', argv: newApp('notes', '1.0.0+1.0', 'default', NOTES, ...N), prints: /created/ },
  { does: 'deploy notes', argv: ['app', 'deploy', NOTES, '1.0.0+1.0', ...N, '-D'], prints: /deployed/ },
  {
    does: 'backup create refuses a deployed app while no backup bot runs, naming the idle one',
    argv: backupCreate(NOTES),
    refuses: /no backupbot discovered, is it deployed\? \(.*; .*backups_coopci_test_app has no running container\)/,
    then: async () => expect(await backups()).toEqual([]),
  },
  { does: 'restore refuses while no backup bot runs', argv: restore(NOTES), refuses: /no backupbot discovered, is it deployed\?/ },

  // A bot found, then gone: the double looks it up on every command, as abra does.
  { does: 'app new backup-bot', argv: newApp('backup-bot', '1.0.0+2.0.0', 'default', BOT, ...N), prints: /created/ },
  { does: 'deploy the backup bot', argv: ['app', 'deploy', BOT, '1.0.0+2.0.0', ...N, '-D'], prints: /deployed/ },
  {
    does: 'backup create backs up once a bot runs',
    argv: backupCreate(NOTES),
    prints: /app {2}\/var\/lib\/notes/,
    then: async () => expect(await backups()).toHaveLength(1),
  },
  { does: 'undeploy the backup bot', argv: ['app', 'undeploy', BOT, '-n'], prints: /undeployed/ },
  { does: 'backup create refuses a deployed app once the bot is gone', argv: backupCreate(NOTES), refuses: /no backupbot discovered/ },
  { does: 'restore refuses once the bot is gone', argv: restore(NOTES), refuses: /no backupbot discovered/ },
];

let runBots: string[] = [];

describe('abra-local refuses backups without a backup bot (docs/abra.md)', () => {
  beforeAll(async () => {
    await removeStacks(STACKS);
    abraDir = path.join(inject('scratchDir'), `abra-no-bot-${process.pid}`);
    await rm(abraDir, { recursive: true, force: true });
    await mkdir(abraDir, { recursive: true });
    for (const r of ['backup-bot', 'notes']) await buildUpstream(r, path.join(abraDir, 'recipes', r));
    runBots = (await docker().listServices({ filters: { label: [BOT_LABEL] } })).map((b) => b.Spec?.Name ?? b.ID);
    for (const bot of runBots) await execa('docker', ['service', 'scale', '--detach=false', `${bot}=0`]);
  });
  afterAll(async () => {
    await removeStacks(STACKS);
    for (const bot of runBots) await execa('docker', ['service', 'scale', '--detach=false', `${bot}=1`]);
  });

  rowTests(ROWS, () => abraDir);
});

/**
 * The coopci CLI: commander commands, each declaring its options and help
 * (cli/sweep.ts, warm.ts, schedule.ts, system.ts). main() returns the exit
 * code: 0 ok, 1 failed ("error: …" on stderr), 2 usage error.
 */
import { Command, CommanderError, Help } from 'commander';
import { addCanonicalCommands } from './canonical';
import { exitCodeOf } from './command';
import { addScheduleCommands } from './schedule';
import { addReportCommand, addSweepCommands } from './sweep';
import { addRunCommand } from './run';
import { addHistoryCommand } from './history';
import { addNotificationCommands } from './notifications';
import { addSystemCommands } from './system';
import { addWarmCommands } from './warm';

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    // No command at all: the overview, on stdout, is the answer rather than a usage error.
    await program.parseAsync(argv.length > 0 ? argv : ['--help'], { from: 'user' });
    return exitCodeOf(program);
  } catch (e) {
    // Commander has printed its message; help ends here too, with exit code 0.
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    console.error(`error: ${(e as Error).message}`);
    return 1;
  }
}

function buildProgram(): Command {
  const program = new Command('coopci')
    .description('coopci: Co-op Cloud recipe CI as Temporal workflows')
    // Global, so that it is recognised anywhere on the line (scripts append it last).
    .option('--config <file>', 'configuration (default: $COOPCI_CONFIG, else ./coopci.yaml)')
    .exitOverride()
    .configureHelp({ showGlobalOptions: true, visibleCommands: listedCommands, subcommandTerm: commandTerm })
    .addHelpText('after', '\nEvery command takes --help, e.g. "coopci sweep start --help"; "coopci help sweep" shows a group.');
  addSystemCommands(program);
  addSweepCommands(program);
  addRunCommand(program);
  addHistoryCommand(program);
  addScheduleCommands(program);
  addWarmCommands(program);
  addNotificationCommands(program);
  addCanonicalCommands(program);
  addReportCommand(program);
  hintUsageOnError(program);
  return program;
}

const defaultHelp = new Help();

/**
 * The overview lists what operators type ("sweep start", "sweep status", …)
 * on one screen, rather than the groups; a group that runs something itself
 * (worker, which has options of its own) is listed too.
 */
function listedCommands(cmd: Command): Command[] {
  if (cmd.parent) return defaultHelp.visibleCommands(cmd);
  return defaultHelp.visibleCommands(cmd).flatMap((c) => (c.commands.length === 0 ? [c] : [...(c.options.length > 0 ? [c] : []), ...c.commands]));
}

function commandTerm(cmd: Command): string {
  return `${cmd.parent?.parent ? `${cmd.parent.name()} ` : ''}${defaultHelp.subcommandTerm(cmd)}`;
}

/** After a usage error, each command names itself and where its usage is. */
function hintUsageOnError(cmd: Command, name = cmd.name()): void {
  cmd.showHelpAfterError(`Run "${name} --help" for usage.`);
  for (const sub of cmd.commands) hintUsageOnError(sub, `${name} ${sub.name()}`);
}

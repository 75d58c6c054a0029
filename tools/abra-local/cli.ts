/**
 * abra's command line as far as coopci uses it: which commands exist, which
 * flags each takes (long and short, as abra 0.10+ spells them), how many
 * positional arguments. Anything else is refused the way a cobra CLI refuses
 * it, so an adapter that drifts from docs/abra.md fails against the double as
 * it would against abra. Flags may come before or after the arguments.
 */
import { Fatal } from './common';

interface FlagSpec {
  long: string;
  short?: string;
  /** Takes a value (`--server x`, `--server=x`, `-s x`); otherwise a switch. */
  value?: boolean;
  help: string;
}

export interface CommandSpec {
  path: string;
  /** Positional arguments as shown in usage; `[x]` is optional, a last `[x...]` takes any number. */
  args: string[];
  flags: FlagSpec[];
}

export interface Parsed {
  positional: string[];
  flags: Map<string, string | true>;
}

// abra's persistent flags: every command takes them.
const GLOBAL: FlagSpec[] = [
  { long: 'no-input', short: 'n', help: 'toggle non-interactive mode' },
  { long: 'offline', short: 'o', help: 'prefer offline & filesystem access' },
  { long: 'debug', short: 'd', help: 'show debug messages' },
  { long: 'help', short: 'h', help: 'help for this command' },
];
const CONVERGE: FlagSpec = { long: 'no-converge-checks', short: 'c', help: 'do not wait for converge logic checks' };
const FORCE: FlagSpec = { long: 'force', short: 'f', help: 'perform action without further prompt' };
const CHAOS: FlagSpec = { long: 'chaos', short: 'C', help: 'ignore uncommitted recipes changes (deploys the checkout as it is)' };

export const COMMANDS: CommandSpec[] = [
  { path: 'server add', args: ['[host]'], flags: [{ long: 'local', short: 'l', help: 'use local server' }] },
  {
    path: 'app new',
    // abra picks a version itself when none is given; the double does not (app.ts refuses, saying so).
    args: ['<recipe>', '[version]'],
    flags: [
      { long: 'server', short: 's', value: true, help: 'specify server for new app' },
      { long: 'domain', short: 'D', value: true, help: 'domain name for app' },
      { long: 'secrets', short: 'S', help: 'automatically generate secrets' },
      CHAOS,
    ],
  },
  {
    path: 'app deploy',
    args: ['<domain>', '[version]'],
    flags: [{ long: 'no-domain-checks', short: 'D', help: 'disable public DNS checks' }, CONVERGE, FORCE, CHAOS],
  },
  { path: 'app upgrade', args: ['<domain>', '[version]'], flags: [CONVERGE, FORCE, CHAOS] },
  { path: 'app rollback', args: ['<domain>', '[version]'], flags: [CONVERGE, FORCE, CHAOS] },
  { path: 'app undeploy', args: ['<domain>'], flags: [] },
  { path: 'app remove', args: ['<domain>'], flags: [FORCE] },
  { path: 'app backup create', args: ['<domain>'], flags: [] },
  { path: 'app restore', args: ['<domain>'], flags: [] },
  {
    // cobra parses flags anywhere on the line: the command's own flags must follow `--` (abra app run D app -- ls -la).
    path: 'app run',
    args: ['<domain>', '<service>', '<cmd>', '[args...]'],
    flags: [
      { long: 'no-tty', short: 't', help: 'do not request a TTY' },
      { long: 'user', short: 'u', value: true, help: 'username to run command as' },
    ],
  },
];

/** The command argv names and the rest of argv; refuses an unknown command like cobra ("unknown command ... for ..."). */
export function findCommand(argv: string[]): { spec: CommandSpec; rest: string[] } {
  let prefix: string[] = [];
  for (;;) {
    const spec = COMMANDS.find((c) => c.path === prefix.join(' '));
    if (spec) return { spec, rest: argv.slice(prefix.length) };
    const word = argv[prefix.length];
    const next = [...prefix, word].join(' ');
    if (word === undefined || word.startsWith('-') || !COMMANDS.some((c) => c.path === next || c.path.startsWith(`${next} `))) {
      const parent = ['abra', ...prefix].join(' ');
      throw new Fatal(word === undefined || word.startsWith('-') ? `"${parent}" needs a command` : `unknown command "${word}" for "${parent}"`);
    }
    prefix = [...prefix, word];
  }
}

export function parseFlags(spec: CommandSpec, argv: string[]): Parsed {
  const known = [...spec.flags, ...GLOBAL];
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const [name, inline] = splitOnce(a.slice(2), '=');
      const f = known.find((k) => k.long === name);
      if (!f) throw new Fatal(`unknown flag: --${name}`);
      if (f.value) flags.set(f.long, inline ?? takeValue(argv, ++i, `--${f.long}`));
      else setSwitch(flags, f.long, inline);
    } else if (a.startsWith('-') && a.length > 1) {
      // A cluster of shorthands (-nof); a shorthand that takes a value ends it (-sdefault, or the next argument).
      for (let j = 1; j < a.length; j++) {
        const f = known.find((k) => k.short === a[j]);
        if (!f) throw new Fatal(`unknown shorthand flag: '${a[j]}' in ${a}`);
        if (f.value) {
          flags.set(f.long, j + 1 < a.length ? a.slice(j + 1) : takeValue(argv, ++i, `'${a[j]}' in ${a}`));
          break;
        }
        flags.set(f.long, true);
      }
    } else positional.push(a);
  }
  if (flags.has('help')) return { positional, flags };
  const min = spec.args.filter((x) => x.startsWith('<')).length;
  if (spec.args.at(-1)?.endsWith('...]')) {
    // cobra.MinimumNArgs
    if (positional.length < min)
      throw new Fatal(`abra ${spec.path}: requires at least ${min} arg(s), only received ${positional.length} (usage: ${usageLine(spec)})`);
  } else if (positional.length < min || positional.length > spec.args.length) {
    const range = min === spec.args.length ? `${min}` : `between ${min} and ${spec.args.length}`;
    throw new Fatal(`abra ${spec.path}: accepts ${range} arg(s), received ${positional.length} (usage: ${usageLine(spec)})`);
  }
  return { positional, flags };
}

export function usage(spec: CommandSpec): string {
  const rows = [...spec.flags, ...GLOBAL].map((f) => `  ${f.short ? `-${f.short}, ` : '    '}--${f.long}${f.value ? ' string' : ''}  ${f.help}`);
  return [`Usage:\n  ${usageLine(spec)}`, '', 'Flags:', ...rows].join('\n');
}

const usageLine = (spec: CommandSpec) => `abra ${spec.path} ${spec.args.join(' ')} [flags]`.replace(/ +/g, ' ');

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

function takeValue(argv: string[], i: number, name: string): string {
  const v = argv[i];
  if (v === undefined) throw new Fatal(`flag needs an argument: ${name}`);
  return v;
}

/** `--force`, `--force=true` and `--force=false`, as cobra's boolean flags take them. */
function setSwitch(flags: Map<string, string | true>, name: string, inline: string | undefined) {
  if (inline === undefined || inline === 'true') flags.set(name, true);
  else if (inline === 'false') flags.delete(name);
  else throw new Fatal(`invalid argument "${inline}" for "--${name}" flag: strconv.ParseBool: parsing "${inline}": invalid syntax`);
}

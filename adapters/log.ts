import type { Logger, LogLevel, LogMetadata } from '@temporalio/common';
import pino from 'pino';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const;
export type Level = (typeof LEVELS)[number];

/**
 * The level from COOPCI_LOG_LEVEL, else the process's own default: `info` for
 * the worker (an operator reads its log), `warn` elsewhere, so the CLI's
 * output is its answer and not a stream of records.
 */
export function logLevel(fallback: Level): Level {
  const v = process.env.COOPCI_LOG_LEVEL?.toLowerCase();
  if (v === undefined || v === '') return fallback;
  if (!(LEVELS as readonly string[]).includes(v)) throw new Error(`COOPCI_LOG_LEVEL must be one of ${LEVELS.join(', ')} (got "${v}")`);
  return v as Level;
}

/** One JSON object per line on stderr (stdout is the CLI's answer), written synchronously so nothing is lost at exit. */
export function createLogger(level: Level): pino.Logger {
  return pino(
    {
      level,
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Temporal puts the failure of an activity or workflow task under `error`.
      serializers: { error: pino.stdSerializers.err },
    },
    pino.destination({ dest: 2, sync: true }),
  );
}

let modulePino: pino.Logger | undefined;

/** Created on first use, so a bad COOPCI_LOG_LEVEL fails the command that logs, not every import. */
const processPino = () => (modulePino ??= createLogger(logLevel('warn')));

/**
 * The logger of code that runs outside an activity (CLI, tools, tests); inside
 * one, use `Context.current().log`. Both have Temporal's interface, so a
 * caller can take either.
 */
export function log(): Logger {
  return temporalLogger(processPino());
}

/**
 * Whether a command's (redacted) output may be logged: only at debug or
 * below. COOPCI_LOG_LEVEL sets the worker's level and this process's alike,
 * and both defaults are above debug, so this process's logger answers for both.
 */
export function logsCommandOutput(): boolean {
  return processPino().isLevelEnabled('debug');
}

const TO_PINO: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/**
 * Temporal's Logger on top of pino. The Runtime takes a logger with
 * Temporal's own interface (message first, then meta); pino takes the meta
 * object first. Through this, the SDK's records and those of workflow `log`
 * and activity `Context.log` become pino's JSON lines, their meta
 * (workflowId, activityType, …) as fields.
 */
export function temporalLogger(p: pino.Logger): Logger {
  const at = (level: LogLevel, message: string, meta?: LogMetadata) => p[TO_PINO[level]](meta ?? {}, message);
  return {
    log: at,
    trace: (message, meta) => at('TRACE', message, meta),
    debug: (message, meta) => at('DEBUG', message, meta),
    info: (message, meta) => at('INFO', message, meta),
    warn: (message, meta) => at('WARN', message, meta),
    error: (message, meta) => at('ERROR', message, meta),
  };
}

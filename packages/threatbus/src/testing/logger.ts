/** A logger that keeps every record, for assertions on what a plugin says. */
import type { Logger, LogMeta } from '../logging';

export type LogRecordLevel = 'debug' | 'info' | 'warn' | 'error' | 'critical';

export interface LogRecord {
  level: LogRecordLevel;
  /** Dotted logger name, e.g. `threatbus.zmq`. */
  logger: string;
  message: string;
  meta?: LogMeta;
}

export interface RecordingLogger extends Logger {
  /** Every record of this logger and its children, in order. */
  readonly records: LogRecord[];
  /** Whether a record of `level` has a message matching `pattern` (a substring or a RegExp). */
  has(level: LogRecordLevel, pattern: string | RegExp): boolean;
  /** The first record of `level` whose message matches `pattern`. */
  find(level: LogRecordLevel, pattern: string | RegExp): LogRecord | undefined;
  /** Messages of the records of `level` (all levels when absent). */
  messages(level?: LogRecordLevel): string[];
  child(name: string): RecordingLogger;
}

const matches = (message: string, pattern: string | RegExp): boolean => (typeof pattern === 'string' ? message.includes(pattern) : pattern.test(message));

/**
 * Records go to `records` (shared with every child). Set THREATBUS_TEST_LOG=1
 * to also print them to stderr while debugging a test.
 */
export function recordingLogger(records: LogRecord[] = [], name = 'threatbus'): RecordingLogger {
  const echo = Boolean(process.env.THREATBUS_TEST_LOG);
  const add = (level: LogRecordLevel) => (message: string, meta?: LogMeta) => {
    records.push(meta === undefined ? { level, logger: name, message } : { level, logger: name, message, meta });
    if (echo) process.stderr.write(`${level.toUpperCase()} [${name}] ${message}${meta ? ' ' + safeJson(meta) : ''}\n`);
  };
  const find = (level: LogRecordLevel, pattern: string | RegExp) => records.find((r) => r.level === level && matches(r.message, pattern));
  return {
    records,
    debug: add('debug'),
    info: add('info'),
    warn: add('warn'),
    error: add('error'),
    critical: add('critical'),
    child: (child) => recordingLogger(records, `${name}.${child}`),
    isDebugEnabled: () => true,
    has: (level, pattern) => find(level, pattern) !== undefined,
    find,
    messages: (level) => records.filter((r) => level === undefined || r.level === level).map((r) => r.message),
  };
}

function safeJson(meta: LogMeta): string {
  try {
    return JSON.stringify(meta, (_k, v: unknown) => (v instanceof Error ? v.message : typeof v === 'bigint' ? String(v) : v));
  } catch {
    return '[unserialisable meta]';
  }
}

/**
 * Structured logging on winston. Console (stderr) and file transports each
 * have their own verbosity, as in the original's `logging` section
 * (spec/core.md §11); every plugin gets a child logger carrying its name.
 */
import * as winston from 'winston';
import { isSecretKey, maskAll, maskSecrets } from './config/mask';

export type LogLevelName = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';
export const LOG_LEVEL_NAMES: readonly LogLevelName[] = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'];

export interface LoggingConfig {
  console: boolean;
  console_verbosity: LogLevelName;
  file: boolean;
  file_verbosity: LogLevelName;
  filename: string;
  /** `text`: one human-readable line per record, like the original; `json`: one JSON object per line. */
  format: 'text' | 'json';
}

export type LogMeta = Record<string, unknown>;

/** What plugins log through. `meta` fields are kept as structured data. */
export interface Logger {
  debug(message: string, meta?: LogMeta): void;
  info(message: string, meta?: LogMeta): void;
  warn(message: string, meta?: LogMeta): void;
  error(message: string, meta?: LogMeta): void;
  critical(message: string, meta?: LogMeta): void;
  /** A logger for a component, named `<parent>.<name>`. */
  child(name: string): Logger;
  /** Cheap test before building an expensive debug message in a hot path. */
  isDebugEnabled(): boolean;
}

const LEVELS = { critical: 0, error: 1, warning: 2, info: 3, debug: 4 } as const;
type WinstonLevel = keyof typeof LEVELS;
const TO_WINSTON: Record<LogLevelName, WinstonLevel> = {
  DEBUG: 'debug', INFO: 'info', WARNING: 'warning', ERROR: 'error', CRITICAL: 'critical',
};

/** Accepts any case and WARN for WARNING; undefined when the name is unknown. */
export function normalizeLogLevel(value: unknown): LogLevelName | undefined {
  if (typeof value !== 'string') return undefined;
  const upper = value.trim().toUpperCase();
  if (upper === 'WARN') return 'WARNING';
  return (LOG_LEVEL_NAMES as readonly string[]).includes(upper) ? (upper as LogLevelName) : undefined;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `2021-05-04 15:15:58,919`, local time, as Python's logging default. */
function asctime(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())},${pad(d.getMilliseconds(), 3)}`;
}

function formatMetaValue(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  if (v instanceof Error) return JSON.stringify(v.message);
  return JSON.stringify(v) ?? String(v);
}

const SPLAT_KEYS = new Set(['level', 'message', 'logger', 'timestamp']);

const textFormat = winston.format.printf((info) => {
  const level = String(info.level).toUpperCase().padEnd(8);
  const meta = Object.entries(info)
    .filter(([k]) => !SPLAT_KEYS.has(k))
    .map(([k, v]) => `${k}=${formatMetaValue(v)}`)
    .join(' ');
  return `${asctime(new Date())} ${level} [${String(info.logger)}] ${String(info.message)}${meta ? ' ' + meta : ''}`;
});

const jsonFormat = winston.format.combine(winston.format.timestamp(), winston.format.json());

export const DEFAULT_LOGGING: LoggingConfig = {
  console: true,
  console_verbosity: 'INFO',
  file: false,
  file_verbosity: 'INFO',
  filename: 'threatbus.log',
  format: 'text',
};

class WinstonLogger implements Logger {
  constructor(
    private readonly w: winston.Logger,
    private readonly name: string,
    /** Shared by a root logger and its children. */
    private readonly state: { closed: boolean } = { closed: false },
  ) {}

  private log(level: WinstonLevel, message: string, meta?: LogMeta): void {
    // After close (shutdown), a plugin's late line would be a "write after end" error thrown at the process.
    if (this.state.closed) return;
    if (meta) {
      const clean: LogMeta = {};
      // An Error as meta value would serialise as {}; keep its message. Secrets never reach a log (config/mask.ts).
      for (const [k, v] of Object.entries(meta)) {
        clean[k] = v instanceof Error ? v.message : isSecretKey(k) ? maskAll(v) : typeof v === 'object' && v !== null ? maskSecrets(v) : v;
      }
      this.w.log({ ...clean, level, message, logger: this.name });
    } else {
      this.w.log({ level, message, logger: this.name });
    }
  }
  debug(m: string, meta?: LogMeta): void {
    if (this.w.isLevelEnabled('debug')) this.log('debug', m, meta);
  }
  info(m: string, meta?: LogMeta): void {
    this.log('info', m, meta);
  }
  warn(m: string, meta?: LogMeta): void {
    this.log('warning', m, meta);
  }
  error(m: string, meta?: LogMeta): void {
    this.log('error', m, meta);
  }
  critical(m: string, meta?: LogMeta): void {
    this.log('critical', m, meta);
  }
  child(name: string): Logger {
    return new WinstonLogger(this.w, `${this.name}.${name}`, this.state);
  }
  isDebugEnabled(): boolean {
    return this.w.isLevelEnabled('debug');
  }
}

export interface LoggerHandle {
  logger: Logger;
  /** Flush and close every transport (waits for the file to be written). */
  close(): Promise<void>;
}

/** Build the root logger (`threatbus` unless named otherwise) from the `logging` section. */
export function createLogger(config: Partial<LoggingConfig> = {}, name = 'threatbus'): LoggerHandle {
  const c: LoggingConfig = { ...DEFAULT_LOGGING, ...config };
  const format = c.format === 'json' ? jsonFormat : textFormat;
  const transports: winston.transport[] = [];
  if (c.console) {
    transports.push(new winston.transports.Console({
      level: TO_WINSTON[c.console_verbosity],
      stderrLevels: Object.keys(LEVELS),
      format,
    }));
  }
  if (c.file) {
    transports.push(new winston.transports.File({ filename: c.filename, level: TO_WINSTON[c.file_verbosity], format }));
  }
  // The logger level is the more verbose of the enabled transports (spec/core.md §11).
  const enabled = [c.console && c.console_verbosity, c.file && c.file_verbosity].filter((l): l is LogLevelName => Boolean(l));
  const level = enabled.map((l) => TO_WINSTON[l]).sort((a, b) => LEVELS[b] - LEVELS[a])[0] ?? 'critical';
  const w = winston.createLogger({ levels: LEVELS, level, transports, silent: transports.length === 0, exitOnError: false });
  const state = { closed: false };
  return {
    logger: new WinstonLogger(w, name, state),
    close: () => {
      if (state.closed || transports.length === 0) return Promise.resolve();
      state.closed = true;
      // The logger's own 'finish' comes before its transports have written everything;
      // wait for each transport (bounded, so a stuck file system cannot hang shutdown).
      const finished = Promise.all(transports.map((t) => new Promise<void>((resolve) => t.once('finish', () => resolve()))));
      w.end();
      return Promise.race([finished.then(() => undefined), new Promise<void>((resolve) => setTimeout(resolve, 2000).unref())]);
    },
  };
}

/** A logger that discards everything, for tests and library use. */
export function silentLogger(): Logger {
  return createLogger({ console: false, file: false }).logger;
}

/**
 * Log lines rate-limited per cause, and the counters behind them.
 *
 * Hostile or broken peers can produce one bad frame per microsecond; a log
 * line per frame would turn that into a disk-filling attack. Each cause (a
 * short fixed key such as `management.no-delimiter`) logs its first
 * occurrence, then at most one line per interval carrying how many were
 * suppressed meanwhile. Every occurrence is counted, logged or not.
 *
 * Part of the core's public API: every plugin facing a peer that can fail
 * many times a second (a zmq app, MISP's ZeroMQ and Kafka intakes) uses it,
 * so one limit and one line format serve all of them.
 */
import type { LogMeta, Logger } from '../logging';

export const DEFAULT_LOG_INTERVAL_MS = 10_000;

interface CauseState {
  count: number;
  lastLogged: number;
  suppressed: number;
}

export class LogLimiter {
  private readonly causes = new Map<string, CauseState>();

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = DEFAULT_LOG_INTERVAL_MS,
    private readonly now: () => number = Date.now,
    /** Called for every occurrence, logged or not (e.g. a Prometheus counter by cause). */
    private readonly onCount?: (cause: string) => void,
  ) {}

  /** How often `cause` happened so far (logged or not). */
  count(cause: string): number {
    return this.causes.get(cause)?.count ?? 0;
  }

  /** Every cause seen and its count, for diagnostics and tests. */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [cause, state] of this.causes) out[cause] = state.count;
    return out;
  }

  debug(cause: string, message: string, meta?: LogMeta): void {
    this.log('debug', cause, message, meta);
  }

  warn(cause: string, message: string, meta?: LogMeta): void {
    this.log('warn', cause, message, meta);
  }

  error(cause: string, message: string, meta?: LogMeta): void {
    this.log('error', cause, message, meta);
  }

  info(cause: string, message: string, meta?: LogMeta): void {
    this.log('info', cause, message, meta);
  }

  private log(level: 'debug' | 'info' | 'warn' | 'error', cause: string, message: string, meta: LogMeta = {}): void {
    let state = this.causes.get(cause);
    if (!state) {
      state = { count: 0, lastLogged: Number.NEGATIVE_INFINITY, suppressed: 0 };
      this.causes.set(cause, state);
    }
    state.count++;
    this.onCount?.(cause);
    const now = this.now();
    if (now - state.lastLogged < this.intervalMs) {
      state.suppressed++;
      return;
    }
    const extra = state.suppressed > 0 ? { suppressed_since_last_line: state.suppressed, total: state.count } : {};
    state.lastLogged = now;
    state.suppressed = 0;
    this.logger[level](message, { ...meta, ...extra });
  }
}

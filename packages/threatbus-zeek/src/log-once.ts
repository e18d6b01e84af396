/**
 * Say a recurring problem once at the given level, then only at debug, with
 * a running count, so a misconfigured Zeek cannot flood the log.
 */
import type { Logger, LogMeta } from 'threatbus';

export class LogOnce {
  private readonly seen = new Map<string, number>();

  constructor(private readonly logger: Logger) {}

  /** Returns true when this call logged at `level` (the first time for `key`). */
  log(level: 'warn' | 'error' | 'info', key: string, message: string, meta: LogMeta = {}): boolean {
    const n = (this.seen.get(key) ?? 0) + 1;
    this.seen.set(key, n);
    if (n === 1) {
      this.logger[level](message, meta);
      return true;
    }
    if (this.logger.isDebugEnabled()) this.logger.debug(message, { ...meta, occurrences: n });
    return false;
  }

  count(key: string): number {
    return this.seen.get(key) ?? 0;
  }

  reset(): void {
    this.seen.clear();
  }
}

/**
 * A warning that a hostile or broken peer could trigger for every message:
 * at most `burst` lines per window, then one line saying how many were
 * suppressed, so a flood of bad events cannot flood the log.
 */
import type { Logger, LogMeta } from 'threatbus';

export class RateLimitedWarning {
  private windowStart = 0;
  private logged = 0;
  private suppressed = 0;

  constructor(
    private readonly logger: Logger,
    private readonly message: string,
    private readonly burst = 5,
    private readonly windowMs = 60_000,
  ) {}

  warn(reason: string, meta: LogMeta = {}): void {
    const now = Date.now();
    if (now - this.windowStart >= this.windowMs) {
      this.flush();
      this.windowStart = now;
      this.logged = 0;
    }
    if (this.logged < this.burst) {
      this.logged++;
      this.logger.warn(`${this.message}: ${reason}`, meta);
    } else {
      this.suppressed++;
      this.logger.debug(`${this.message}: ${reason}`, meta);
    }
  }

  /** Say how many warnings were suppressed since the last line. */
  flush(): void {
    if (this.suppressed === 0) return;
    this.logger.warn(`${this.message}: ${this.suppressed} more in the last minute (not logged one by one)`);
    this.suppressed = 0;
  }
}

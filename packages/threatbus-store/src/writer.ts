/**
 * Batched writes: objects from the bus are collected and written in one
 * transaction per `batch_size` objects or per `flush_interval`, whichever
 * comes first. One transaction per message would cost a WAL commit each and
 * cap the intake far below the bus's rate.
 *
 * What a crash loses: the objects collected since the last flush, at most
 * `batch_size` and at most `flush_interval` seconds' worth (committed
 * transactions survive a killed process in WAL mode).
 */
import type { Indicator, Logger, Sighting } from 'threatbus';
import type { StoreDatabase } from './database';
import { toRow } from './rows';

/** Failed writes are logged at most this often (with the running total). */
const FAILURE_LOG_EVERY_MS = 10_000;

export class BatchWriter {
  private pending: (Indicator | Sighting)[] = [];
  private timer?: NodeJS.Timeout;
  private lastFailureLog = 0;
  /** Objects written (inserted or replacing an older version). */
  written = 0;
  /** Objects that could not be written (database error). */
  failed = 0;

  constructor(
    private readonly db: StoreDatabase,
    private readonly logger: Logger,
    private readonly batchSize: number,
    private readonly flushIntervalMs: number,
  ) {}

  add(obj: Indicator | Sighting): void {
    this.pending.push(obj);
    if (this.pending.length >= this.batchSize) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushIntervalMs);
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** Write what is pending now. Never throws: a failing batch is logged and counted. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    try {
      const rows = [];
      for (const obj of batch) {
        try {
          rows.push(toRow(obj));
        } catch (e) {
          // Objects on the bus are validated; this guards against a plugin that bypassed the core's checks.
          this.failed++;
          this.logger.warn('Not storing an object with unreadable timestamps', { id: obj.id, error: e });
        }
      }
      this.written += this.db.write(rows);
    } catch (e) {
      this.failed += batch.length;
      const now = Date.now();
      if (now - this.lastFailureLog >= FAILURE_LOG_EVERY_MS) {
        this.lastFailureLog = now;
        this.logger.error(`Could not store ${batch.length} objects: ${(e as Error).message}`, { failed_total: this.failed });
      }
    }
  }

  /** Flush and stop the timer (on stop). */
  close(): void {
    this.flush();
  }
}

/**
 * Batched writes: objects from the bus are collected (as their wire text,
 * which the bus computes once per message for every wire anyway) and written
 * in one transaction per `batch_size` objects or per `flush_interval`,
 * whichever comes first, by a worker thread (write-worker.ts). One
 * transaction per message would cost a WAL commit each; doing them on the
 * event loop would take its time from routing (measured: ~40 µs per
 * indicator on the 2-core bench machine, see docs/benchmarks.md).
 *
 * What a crash loses: the objects not yet written, i.e. those collected
 * since the last flush (at most `batch_size`, at most `flush_interval`
 * seconds' worth) plus a batch the worker had not committed yet. Committed
 * transactions survive a killed process (WAL).
 */
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { encodeMessage } from 'threatbus';
import type { Indicator, Logger, PluginMetrics, Sighting } from 'threatbus';
import type { PruneLimits, PruneResult } from './database';
import { pushHead } from './rows';
import { StoreError, StoreErrorCode } from './errors';
import type { WorkerData, WorkerReply, WorkerRequest } from './write-worker';

/** Failed writes are logged at most this often (with the running total). */
const FAILURE_LOG_EVERY_MS = 10_000;
/** The worker's compiled file; from src/ (tests) and from dist/ alike. */
const WORKER_FILE = resolve(__dirname, '../dist/write-worker.js');

type Pending = { resolve: (r: WorkerReply & { ok: true }) => void; reject: (e: Error) => void; count: number };

export class BatchWriter {
  private pending: string[] = [];
  private heads: string[] = [];
  /** Sightings among `pending` (the rest are indicators), for messages_out by type. */
  private pendingSightings = 0;
  private timer?: NodeJS.Timeout;
  private lastFailureLog = 0;
  private worker?: Worker;
  private seq = 0;
  private readonly inFlight = new Map<number, Pending>();
  private closed = false;
  /** Objects written (inserted or replacing an older version). */
  written = 0;
  /** Objects that could not be written (database error, unreadable). */
  failed = 0;

  constructor(
    private readonly path: string,
    private readonly logger: Logger,
    private readonly batchSize: number,
    private readonly flushIntervalMs: number,
    /**
     * messages_out{type} for the objects of a committed batch (stored, or
     * older than the stored version: the store has them either way);
     * dropped `invalid` (unreadable timestamps) and `error` (the batch failed).
     */
    private readonly metrics?: Pick<PluginMetrics, 'messageOut' | 'dropped'>,
  ) {}

  /** Start the worker; rejects with a StoreError when it cannot open the database. */
  async start(): Promise<void> {
    const worker = new Worker(WORKER_FILE, { workerData: { path: this.path } satisfies WorkerData });
    this.worker = worker;
    await new Promise<void>((ok, fail) => {
      worker.once('message', (reply: WorkerReply) => (reply.ok ? ok() : fail(new StoreError(StoreErrorCode.UNAVAILABLE, reply.error))));
      worker.once('error', (e) => fail(new StoreError(StoreErrorCode.UNAVAILABLE, `the store's write worker failed to start: ${e.message}`)));
    });
    worker.on('message', (reply: WorkerReply) => this.settle(reply));
    worker.on('error', (e) => this.lost(`the store's write worker failed: ${e.message}`));
    worker.on('exit', () => this.lost('the store\'s write worker exited'));
  }

  add(obj: Indicator | Sighting): void {
    if (this.closed) {
      // The write worker is gone (logged once when it went).
      this.metrics?.dropped('error');
      return;
    }
    this.pending.push(encodeMessage(obj));
    pushHead(this.heads, obj);
    if (obj.type === 'sighting') this.pendingSightings++;
    if (this.pending.length >= this.batchSize) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.flushIntervalMs);
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** Hand what is pending to the worker; resolves once it is committed. Never rejects: a failing batch is logged and counted. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const bodies = this.pending;
    const heads = this.heads;
    const sightings = this.pendingSightings;
    this.pending = [];
    this.heads = [];
    this.pendingSightings = 0;
    try {
      if (bodies.length === 0) {
        // Nothing new, but a caller (a snapshot) must see what earlier batches wrote.
        await this.barrier();
        return;
      }
      // Two strings, not 7 per object: postMessage's structured clone cost ~4 µs per object for the
      // separate strings (docs/benchmarks.md). Neither the wire text (ASCII, control characters
      // escaped) nor a head field (validated ids and timestamps, see pushHead) holds a line feed.
      const reply = await this.request({ op: 'write', seq: 0, count: bodies.length, heads: heads.join('\n'), bodies: bodies.join('\n') }, bodies.length);
      this.written += reply.written;
      if (reply.unreadable > 0) this.fail(reply.unreadable, `${reply.unreadable} objects with unreadable timestamps were not stored`, 'invalid');
      // The worker does not say which kind an unreadable object was; it can only be one the bus did not
      // validate (none in practice), so they are taken off the indicators first.
      const indicators = bodies.length - sightings;
      this.metrics?.messageOut('indicator', Math.max(0, indicators - reply.unreadable));
      this.metrics?.messageOut('sighting', sightings - Math.max(0, reply.unreadable - indicators));
    } catch (e) {
      this.fail(bodies.length, `Could not store ${bodies.length} objects: ${(e as Error).message}`, 'error');
    }
  }

  /** Prune in the worker (it holds the write connection). */
  async prune(limits: PruneLimits): Promise<PruneResult> {
    const reply = await this.request({ op: 'prune', seq: 0, limits }, 0);
    return reply.pruned as PruneResult;
  }

  /** Write what is pending, then close the worker's connection and end it. */
  async close(): Promise<void> {
    if (this.closed || !this.worker) return;
    await this.flush();
    this.closed = true;
    try {
      await this.request({ op: 'close', seq: 0 }, 0);
    } catch {
      // Already gone: nothing left to close.
    }
    await this.worker.terminate();
  }

  private barrier(): Promise<void> {
    if (this.inFlight.size === 0) return Promise.resolve();
    const last = Math.max(...this.inFlight.keys());
    return new Promise((ok) => {
      const p = this.inFlight.get(last)!;
      const { resolve: r0, reject: j0 } = p;
      p.resolve = (r) => (r0(r), ok());
      p.reject = (e) => (j0(e), ok());
    });
  }

  private request(request: WorkerRequest, count: number): Promise<WorkerReply & { ok: true }> {
    const worker = this.worker;
    if (!worker || this.closed) return Promise.reject(new Error('the store is not running'));
    const seq = ++this.seq;
    return new Promise((ok, fail) => {
      this.inFlight.set(seq, { resolve: ok, reject: fail, count });
      worker.postMessage({ ...request, seq });
    });
  }

  private settle(reply: WorkerReply): void {
    const p = this.inFlight.get(reply.seq);
    if (!p) return;
    this.inFlight.delete(reply.seq);
    if (reply.ok) p.resolve(reply);
    else p.reject(new Error(reply.error));
  }

  /** The worker is gone: every request still waiting fails. */
  private lost(why: string): void {
    for (const [seq, p] of this.inFlight) {
      this.inFlight.delete(seq);
      p.reject(new Error(why));
    }
    if (!this.closed) this.logger.error(why);
    this.closed = true;
  }

  private fail(count: number, message: string, reason: 'invalid' | 'error'): void {
    this.failed += count;
    this.metrics?.dropped(reason, count);
    const now = Date.now();
    if (now - this.lastFailureLog >= FAILURE_LOG_EVERY_MS) {
      this.lastFailureLog = now;
      this.logger.error(message, { path: this.path, failed_total: this.failed });
    }
  }
}

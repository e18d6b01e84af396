/**
 * The store as an app plugin: it subscribes to `stix2`, keeps the current
 * state in SQLite (see database.ts for the rules) and answers snapshot
 * requests from it.
 *
 * Metrics (docs/observability.md, README): messages_out per object the
 * database took, drops (`invalid`, `error`), the pending batch as queue
 * depth, snapshot durations, and `threatbus_store_indicators` (live
 * indicators held; counted at scrape time at most every 30 s).
 */
import { resolve } from 'node:path';
import { decodeEncodedMessage, MessageType, Topic } from 'threatbus';
import type { AppContext, AppPlugin, Indicator, Message, Sighting, SnapshotReply, SnapshotRequest, MessageSubscriber } from 'threatbus';
import { DAY_MS } from './config';
import type { StoreConfig } from './config';
import { StoreDatabase } from './database';
import type { PruneResult, StoreStats } from './database';
import { readPages } from './reader';
import { ObjectKind } from './rows';
import { BatchWriter } from './writer';

/**
 * A stored row's object: the bus's own encoding of an object validated when
 * it came in (or by import), so it is parsed, not validated again, and the
 * text is kept as the object's encoding (no wire encodes it again).
 * Undefined for what only a damaged file holds.
 */
function storedObject(body: string, expected: 'indicator' | 'sighting'): Indicator | Sighting | undefined {
  try {
    const obj = decodeEncodedMessage(body);
    return obj.type === expected ? obj : undefined;
  } catch {
    return undefined;
  }
}

/** How old the count behind threatbus_store_indicators may be. */
const INDICATOR_COUNT_MAX_AGE_MS = 30_000;

export class StoreApp implements AppPlugin {
  private db?: StoreDatabase;
  private writer?: BatchWriter;
  private pruneTimer?: NodeJS.Timeout;
  private readonly subscriber: MessageSubscriber = { push: (m: Message) => this.take(m) };
  /** Absolute path of the database file. */
  readonly path: string;

  constructor(
    private readonly ctx: AppContext<StoreConfig>,
    /** The clock (tests move it). */
    private readonly now: () => number = Date.now,
  ) {
    this.path = resolve(ctx.config.path);
  }

  async start(): Promise<void> {
    const { config, logger } = this.ctx;
    // Opened here first: creates the schema, and a bad file is one clear error before anything else starts.
    this.db = StoreDatabase.open(this.path);
    const writer = (this.writer = new BatchWriter(this.path, logger, config.batch_size, config.flush_interval * 1000, this.ctx.metrics));
    this.ctx.metrics.queueDepth(() => writer.pendingCount);
    this.ctx.metrics.sampled('threatbus_store_indicators', 'Live indicators in the store (not removed, not expired)', 'gauge', () => this.storedIndicators());
    try {
      await this.writer.start();
    } catch (e) {
      this.db.close();
      this.db = undefined;
      throw e;
    }
    await this.prune();
    this.pruneTimer = setInterval(() => void this.prune(), config.prune_interval * 1000);
    this.pruneTimer.unref();
    this.ctx.bus.subscribe(Topic.STIX2, this.subscriber);
    const stats = this.db.stats(this.now());
    logger.info('Store started', { path: this.path, indicators: stats.indicators, sightings: stats.sightings, removals: stats.removals });
  }

  async stop(): Promise<void> {
    if (!this.db) return;
    this.ctx.bus.unsubscribe(Topic.STIX2, this.subscriber);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    await this.writer?.close();
    this.db.close();
    this.db = undefined;
    this.ctx.logger.info('Store stopped', { path: this.path, written: this.writer?.written ?? 0 });
  }

  private indicatorCount = { value: 0, at: Number.NEGATIVE_INFINITY };

  /** Live indicators, counted again when the last count is older than INDICATOR_COUNT_MAX_AGE_MS (a COUNT over the table). */
  private storedIndicators(): number {
    const now = Date.now();
    if (this.db && now - this.indicatorCount.at >= INDICATOR_COUNT_MAX_AGE_MS) this.indicatorCount = { value: this.db.stats(this.now()).indicators, at: now };
    return this.indicatorCount.value;
  }

  /** Indicators or sightings changed within the window, removals and expired ones left out, oldest first. */
  async snapshot(request: SnapshotRequest, reply: SnapshotReply): Promise<void> {
    if (!this.db) return;
    const started = process.hrtime.bigint();
    // What arrived before the requester subscribed may still wait in the batch.
    await this.writer?.flush();
    const now = this.now();
    const kind = request.snapshot_type === MessageType.INDICATOR ? ObjectKind.INDICATOR : ObjectKind.SIGHTING;
    const query = { kind, since: now - request.snapshot * 1000, removals: false, now };
    let skipped = 0;
    const expected = kind === ObjectKind.INDICATOR ? ('indicator' as const) : ('sighting' as const);
    const sent = await readPages(this.path, query, this.ctx.config.snapshot_page, async (bodies) => {
      const sends: Promise<void>[] = [];
      for (const body of bodies) {
        const obj = storedObject(body, expected);
        if (obj) sends.push(reply.send(obj));
        else skipped++;
      }
      await Promise.all(sends);
    });
    this.ctx.metrics.snapshotDuration(Number(process.hrtime.bigint() - started) / 1e9);
    this.ctx.logger.info('Answered a snapshot request from the store', { snapshot_id: request.snapshot_id, type: expected, sent: sent - skipped, ...(skipped ? { unreadable: skipped } : {}) });
  }

  private take(message: Message): void {
    if (message.type === 'indicator' || message.type === 'sighting') this.writer?.add(message);
  }

  /** Run one prune now (also on a timer); resolves with what was removed. */
  async prune(): Promise<PruneResult | undefined> {
    if (!this.db || !this.writer) return undefined;
    const { config, logger } = this.ctx;
    await this.writer.flush();
    try {
      const result = await this.writer.prune({
        now: this.now(),
        sightingRetentionMs: config.sighting_retention * DAY_MS,
        tombstoneRetentionMs: config.tombstone_retention * DAY_MS,
        maxIndicators: config.max_indicators,
      });
      if (result.evicted > 0) logger.warn(`Store holds more than max_indicators=${config.max_indicators} indicators; evicted the ${result.evicted} oldest`, { path: this.path });
      if (result.expired + result.sightings + result.tombstones > 0) logger.debug('Pruned the store', { ...result });
      return result;
    } catch (e) {
      logger.error(`Could not prune the store: ${(e as Error).message}`);
      return undefined;
    }
  }

  /** What the store holds now (after writing the pending batch). */
  async stats(): Promise<StoreStats> {
    if (!this.db) throw new Error('the store is not running');
    await this.writer?.flush();
    return this.db.stats(this.now());
  }

  /** Write the pending batch now (tests, shutdown). */
  flush(): Promise<void> {
    return this.writer?.flush() ?? Promise.resolve();
  }
}

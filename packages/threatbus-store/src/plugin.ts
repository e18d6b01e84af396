/**
 * The store as an app plugin: it subscribes to `stix2`, keeps the current
 * state in SQLite (see database.ts for the rules) and answers snapshot
 * requests from it.
 */
import { resolve } from 'node:path';
import { MessageType, Topic } from 'threatbus';
import type { AppContext, AppPlugin, Indicator, Message, Sighting, SnapshotReply, SnapshotRequest, Subscriber } from 'threatbus';
import { DAY_MS } from './config';
import type { StoreConfig } from './config';
import { StoreDatabase } from './database';
import type { PruneResult, StoreStats } from './database';
import { readPages } from './reader';
import { ObjectKind } from './rows';
import { BatchWriter } from './writer';

export class StoreApp implements AppPlugin {
  private db?: StoreDatabase;
  private writer?: BatchWriter;
  private pruneTimer?: NodeJS.Timeout;
  private readonly subscriber: Subscriber = { push: (m: Message) => this.take(m) };
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
    this.writer = new BatchWriter(this.path, logger, config.batch_size, config.flush_interval * 1000);
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

  /** Indicators or sightings changed within the window, removals and expired ones left out, oldest first. */
  async snapshot(request: SnapshotRequest, reply: SnapshotReply): Promise<void> {
    if (!this.db) return;
    // What arrived before the requester subscribed may still wait in the batch.
    await this.writer?.flush();
    const now = this.now();
    const kind = request.snapshot_type === MessageType.INDICATOR ? ObjectKind.INDICATOR : ObjectKind.SIGHTING;
    const query = { kind, since: now - request.snapshot * 1000, removals: false, now };
    let skipped = 0;
    const sent = await readPages(this.path, query, this.ctx.config.snapshot_page, async (bodies) => {
      const sends: Promise<void>[] = [];
      for (const body of bodies) {
        let obj: Indicator | Sighting;
        try {
          // Written by this store from validated objects; only a damaged file fails here.
          obj = JSON.parse(body) as Indicator | Sighting;
        } catch {
          skipped++;
          continue;
        }
        sends.push(reply.send(obj));
      }
      await Promise.all(sends);
    });
    this.ctx.logger.info('Answered a snapshot request from the store', { snapshot_id: request.snapshot_id, type: kind === ObjectKind.INDICATOR ? 'indicator' : 'sighting', sent: sent - skipped, ...(skipped ? { unreadable: skipped } : {}) });
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

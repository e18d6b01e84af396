/**
 * Intake from MISP's Kafka export (misp.md §4.2) with node-rdkafka's
 * high-level consumer: `kafka.config` goes to librdkafka as-is, except that
 * auto-commit is switched off.
 *
 * At-least-once end to end (docs/reliability.md): an offset is committed
 * only once its message was taken by every local subscriber (for a zmq app:
 * the frame handed to the socket), or deliberately dropped (filtered,
 * invalid). Each partition keeps the highest contiguous delivered offset
 * (offsets.ts); it is committed every `commit_interval` seconds, when a
 * partition is revoked, and at shutdown, after the bus stopped the intake
 * (`stopIntake`) and drained what was in flight. When the bus refuses an
 * indicator, the message is retried and its offset stays uncommitted.
 *
 * librdkafka reports an unreachable broker many times a second ("all broker
 * connections are down", one per reconnect attempt and per broker): its
 * errors are logged at most once per error code every 10 s (LogLimiter),
 * and the peer state (`threatbus_peer_up{peer="kafka"}`) follows them: down
 * on ALL_BROKERS_DOWN, up again once a metadata request is answered.
 */
import { LogLimiter } from 'threatbus';
import type { Logger } from 'threatbus';
import type { KafkaConfig } from '../config';
import { CONFIG_PATH } from '../config';
import type { Outcome } from './handler';
import { requireOptional } from './optional';
import { PartitionProgress } from './offsets';
import type { DeliveryListener } from 'threatbus';

/** The slice of node-rdkafka this plugin uses (declared here: the package is optional, its types may be absent). */
export interface RdKafkaMessage {
  value: Buffer | null;
  topic: string;
  partition: number;
  offset: number;
}
interface RdKafkaError extends Error {
  code?: number;
}
export interface RdKafkaTopicPartition {
  topic: string;
  partition: number;
  offset?: number;
}
export interface RdKafkaConsumer {
  connect(options: { timeout?: number }, cb: (err: RdKafkaError | null) => void): void;
  subscribe(topics: string[]): void;
  consume(count: number, cb: (err: RdKafkaError | null, messages: RdKafkaMessage[]) => void): void;
  setDefaultConsumeTimeout(ms: number): void;
  commitSync(partitions: RdKafkaTopicPartition[]): void;
  commit(partitions: RdKafkaTopicPartition[]): void;
  assign(partitions: RdKafkaTopicPartition[]): void;
  unassign(): void;
  incrementalAssign?(partitions: RdKafkaTopicPartition[]): void;
  incrementalUnassign?(partitions: RdKafkaTopicPartition[]): void;
  rebalanceProtocol?(): string;
  disconnect(cb: (err?: unknown) => void): void;
  getMetadata?(options: { timeout?: number }, cb: (err: RdKafkaError | null) => void): void;
  on(event: 'event.error', listener: (err: RdKafkaError) => void): void;
  on(event: 'offset.commit', listener: (err: RdKafkaError | undefined, offsets: RdKafkaTopicPartition[]) => void): void;
}
export interface RdKafka {
  KafkaConsumer: new (global: Record<string, unknown>, topic: Record<string, unknown>) => RdKafkaConsumer;
}

export function loadRdKafka(load?: () => unknown): RdKafka {
  return requireOptional<RdKafka>('node-rdkafka', `${CONFIG_PATH}.kafka`, 'Apache Kafka', load);
}

const BATCH = 100;
/** librdkafka's rebalance events (ERR__ASSIGN_PARTITIONS, ERR__REVOKE_PARTITIONS). */
const ASSIGN_PARTITIONS = -175;
const REVOKE_PARTITIONS = -174;

/**
 * librdkafka topic-level properties a consumer may set. librdkafka takes
 * them in the global config too, but node-rdkafka then replaces the default
 * topic config with its second constructor argument, so e.g.
 * `auto.offset.reset` in `kafka.config` would be silently ignored; they are
 * copied into the topic config as well.
 */
const TOPIC_LEVEL = ['auto.offset.reset', 'auto.commit.enable', 'auto.commit.interval.ms', 'offset.store.method', 'offset.store.path', 'offset.store.sync.interval.ms', 'consume.callback.max.messages'];
const RETRY_MS = 1000;
/** librdkafka's "all broker connections are down" (RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN). */
const ALL_BROKERS_DOWN = -187;
/** While the brokers are down: how often a metadata request checks whether one is back. */
const RECHECK_MS = 2000;

/** The peer's state, for `threatbus_peer_up` and /readyz. */
export type PeerListener = (up: boolean, detail: string) => void;

/** What the receiver hands each message to; `onDelivered(token)` once every local subscriber took it. */
export type PayloadHandler = (json: string, where: string, onDelivered: DeliveryListener, token: number) => Promise<Outcome>;

export class KafkaReceiver {
  private consumer?: RdKafkaConsumer;
  /** The consumer for rebalance events, which also come while it disconnects. */
  private client?: RdKafkaConsumer;
  private loop?: Promise<void>;
  private commitTimer?: NodeJS.Timeout;
  private stopped = false;
  /** Progress of every assigned partition, by `topic\0partition`. */
  private readonly progress = new Map<string, PartitionProgress>();
  private readonly limiter: LogLimiter;
  /** Messages taken from Kafka (each once, however often the bus refused it). */
  consumed = 0;
  private brokersDown = false;
  private lastRecheck = 0;

  constructor(
    private readonly config: KafkaConfig,
    private readonly onPayload: PayloadHandler,
    private readonly logger: Logger,
    private readonly onPeer: PeerListener = () => {},
  ) {
    this.limiter = new LogLimiter(logger);
  }

  /** How often each librdkafka error code was reported (logged or not). */
  get errorCounts(): Record<string, number> {
    return this.limiter.counts();
  }

  private onKafkaError(err: RdKafkaError): void {
    // node-rdkafka reports most client errors with code -1, so the cause is the message (numbers masked: broker ids, counts).
    const message = String(err.message);
    this.limiter.error(`kafka.${err.code ?? 'unknown'}.${message.replace(/\d+/g, '#').slice(0, 80)}`, `Kafka error: ${message}`, { source: this.description, code: err.code });
    const allDown = err.code === ALL_BROKERS_DOWN || /all broker connections are down/i.test(message);
    if (allDown && !this.brokersDown && !this.stopped) {
      this.brokersDown = true;
      this.onPeer(false, 'all broker connections are down');
    }
  }

  /** While the brokers are down, ask one for metadata now and then: an answer means the consumer can reach Kafka again. */
  private recheck(consumer: RdKafkaConsumer): void {
    const now = Date.now();
    if (!this.brokersDown || !consumer.getMetadata || now - this.lastRecheck < RECHECK_MS) return;
    this.lastRecheck = now;
    consumer.getMetadata({ timeout: RECHECK_MS }, (err) => {
      if (err || this.stopped || !this.brokersDown) return;
      this.brokersDown = false;
      this.onPeer(true, 'connected');
      this.logger.info('Kafka brokers reachable again', { source: this.description });
    });
  }

  get description(): string {
    return `kafka ${String(this.config.config['bootstrap.servers'] ?? this.config.config['metadata.broker.list'] ?? '?')} topics ${this.config.topics.join(',')}`;
  }

  /** Messages consumed whose delivery to every subscriber is not known yet. */
  get inFlight(): number {
    let n = 0;
    for (const p of this.progress.values()) n += p.inFlight;
    return n;
  }

  async start(): Promise<void> {
    const kafka = loadRdKafka();
    const settings: Record<string, unknown> = { ...this.config.config };
    if (settings['enable.auto.commit'] === true || settings['enable.auto.commit'] === 'true') {
      this.logger.warn("Ignoring kafka.config 'enable.auto.commit: true': offsets are committed once every subscriber has taken the message");
    }
    settings['enable.auto.commit'] = false;
    settings.rebalance_cb = this.onRebalance;
    // Periodic commits are asynchronous (a slow broker must not stall the event loop); their result comes here.
    settings.offset_commit_cb = true;
    const topicSettings = Object.fromEntries(TOPIC_LEVEL.filter((k) => k in settings).map((k) => [k, settings[k]]));
    const consumer = (this.client = new kafka.KafkaConsumer(settings, topicSettings));
    consumer.on('event.error', (err) => this.onKafkaError(err));
    consumer.on('offset.commit', (err, offsets) => {
      if (!err) return;
      // Commit again at the next interval.
      for (const o of offsets ?? []) {
        const p = this.progress.get(progressKey(o.topic, o.partition));
        if (p) p.committed = -1;
      }
      this.logger.error('Could not commit Kafka offsets; retrying at the next commit', { source: this.description, error: err.message });
    });
    await new Promise<void>((resolve, reject) =>
      consumer.connect({ timeout: 30_000 }, (err) => (err ? reject(new Error(`Cannot connect to Kafka (${this.description}): ${err.message}`)) : resolve())),
    );
    consumer.setDefaultConsumeTimeout(Math.round(this.config.poll_interval * 1000));
    consumer.subscribe(this.config.topics);
    this.consumer = consumer;
    this.onPeer(true, 'connected');
    this.loop = this.run(consumer);
    this.commitTimer = setInterval(() => this.commit(undefined, false), this.config.commit_interval * 1000);
    this.commitTimer.unref();
  }

  /** Commit what revoked partitions delivered before giving them up (`commit` does nothing once stopped: `stop` committed). */
  private readonly onRebalance = (err: RdKafkaError | undefined, assignment: RdKafkaTopicPartition[]): void => {
    const consumer = this.client;
    if (!consumer) return;
    const cooperative = consumer.rebalanceProtocol?.() === 'COOPERATIVE';
    try {
      if (err?.code === ASSIGN_PARTITIONS) {
        if (cooperative) consumer.incrementalAssign?.(assignment);
        else consumer.assign(assignment);
      } else if (err?.code === REVOKE_PARTITIONS) {
        const revoked = cooperative ? assignment.map((a) => progressKey(a.topic, a.partition)) : [...this.progress.keys()];
        this.commit(revoked);
        for (const key of revoked) this.progress.delete(key);
        if (cooperative) consumer.incrementalUnassign?.(assignment);
        else consumer.unassign();
      } else if (err) {
        this.logger.error(`Kafka rebalance failed: ${err.message}`, { source: this.description });
      }
    } catch (e) {
      if (!this.stopped) this.logger.error(`Kafka rebalance failed: ${(e as Error).message}`, { source: this.description });
    }
  };

  private poll(consumer: RdKafkaConsumer): Promise<RdKafkaMessage[]> {
    return new Promise((resolve, reject) => consumer.consume(BATCH, (err, messages) => (err ? reject(err) : resolve(messages ?? []))));
  }

  private partition(topic: string, partition: number): PartitionProgress {
    const key = progressKey(topic, partition);
    let p = this.progress.get(key);
    if (!p) this.progress.set(key, (p = new PartitionProgress(topic, partition)));
    return p;
  }

  private async run(consumer: RdKafkaConsumer): Promise<void> {
    while (!this.stopped) {
      let messages: RdKafkaMessage[];
      try {
        messages = await this.poll(consumer);
      } catch (e) {
        if (this.stopped) return;
        this.onKafkaError(e as RdKafkaError);
        this.recheck(consumer);
        await new Promise((r) => setTimeout(r, this.config.poll_interval * 1000));
        continue;
      }
      if (messages.length > 0 && this.brokersDown) {
        this.brokersDown = false;
        this.onPeer(true, 'connected');
      }
      this.recheck(consumer);
      for (const m of messages) {
        this.consumed++;
        const where = `kafka ${m.topic}[${m.partition}]@${m.offset}`;
        const text = m.value === null ? '' : m.value.toString('utf8');
        const progress = this.partition(m.topic, m.partition);
        progress.consumed(m.offset);
        // Retry a message the bus refused until it takes it (or we stop): its offset must not be committed before.
        let outcome: Outcome;
        while ((outcome = await this.onPayload(text, where, progress, m.offset)) === 'failed') {
          if (this.stopped) return;
          await new Promise((r) => setTimeout(r, RETRY_MS));
        }
        if (outcome === 'dropped') progress.delivered(m.offset);
      }
    }
  }

  /** Commit the delivered watermark of `keys` (default: every partition); `sync` waits for the broker. Never throws. */
  private commit(keys: Iterable<string> = this.progress.keys(), sync = true): void {
    const consumer = this.consumer;
    if (!consumer) return;
    const due: RdKafkaTopicPartition[] = [];
    const parts: PartitionProgress[] = [];
    for (const key of keys) {
      const p = this.progress.get(key);
      const d = p?.due();
      if (p && d) {
        due.push(d);
        parts.push(p);
      }
    }
    if (due.length === 0) return;
    try {
      if (sync) consumer.commitSync(due);
      else consumer.commit(due);
      for (let i = 0; i < parts.length; i++) parts[i].committed = due[i].offset as number;
      if (this.logger.isDebugEnabled()) this.logger.debug('Committed Kafka offsets', { offsets: due.map((d) => `${d.topic}[${d.partition}]@${d.offset}`).join(',') });
    } catch (e) {
      this.logger.error('Could not commit Kafka offsets; they are retried at the next commit', { source: this.description, error: (e as Error).message });
    }
  }

  /** Stop consuming; what was consumed may still be delivered and is committed by `stop`. */
  async stopIntake(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  async stop(): Promise<void> {
    await this.stopIntake();
    if (this.commitTimer) clearInterval(this.commitTimer);
    this.commit();
    const inFlight = this.inFlight;
    if (inFlight > 0) this.logger.warn('Kafka messages not yet delivered to every subscriber at stop; they are consumed again at the next start', { in_flight: inFlight });
    const consumer = this.consumer;
    this.consumer = undefined;
    if (consumer) await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}

function progressKey(topic: string, partition: number): string {
  return `${topic}\0${partition}`;
}

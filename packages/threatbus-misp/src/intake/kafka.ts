/**
 * Intake from MISP's Kafka export (spec/misp.md §4.2) with node-rdkafka's
 * high-level consumer: `kafka.config` goes to librdkafka as-is, except that
 * auto-commit is switched off: an offset is committed only once its message
 * was handled (indicator handed to the bus, or deliberately dropped).
 * When the bus refuses an indicator, the message is retried and its offset
 * stays uncommitted (at-least-once).
 */
import type { Logger } from 'threatbus';
import type { KafkaConfig } from '../config';
import { CONFIG_PATH } from '../config';
import type { Outcome } from './handler';
import { requireOptional } from './optional';

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
export interface RdKafkaConsumer {
  connect(options: { timeout?: number }, cb: (err: RdKafkaError | null) => void): void;
  subscribe(topics: string[]): void;
  consume(count: number, cb: (err: RdKafkaError | null, messages: RdKafkaMessage[]) => void): void;
  setDefaultConsumeTimeout(ms: number): void;
  commitMessageSync(message: RdKafkaMessage): void;
  disconnect(cb: (err?: unknown) => void): void;
  on(event: 'event.error', listener: (err: RdKafkaError) => void): void;
}
export interface RdKafka {
  KafkaConsumer: new (global: Record<string, unknown>, topic: Record<string, unknown>) => RdKafkaConsumer;
}

export function loadRdKafka(load?: () => unknown): RdKafka {
  return requireOptional<RdKafka>('node-rdkafka', `${CONFIG_PATH}.kafka`, 'Apache Kafka', load);
}

const BATCH = 100;

/**
 * librdkafka topic-level properties a consumer may set. librdkafka takes
 * them in the global config too, but node-rdkafka then replaces the default
 * topic config with its second constructor argument, so e.g.
 * `auto.offset.reset` in `kafka.config` would be silently ignored; they are
 * copied into the topic config as well.
 */
const TOPIC_LEVEL = ['auto.offset.reset', 'auto.commit.enable', 'auto.commit.interval.ms', 'offset.store.method', 'offset.store.path', 'offset.store.sync.interval.ms', 'consume.callback.max.messages'];
const RETRY_MS = 1000;

export class KafkaReceiver {
  private consumer?: RdKafkaConsumer;
  private loop?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly config: KafkaConfig,
    private readonly onPayload: (json: string, where: string) => Promise<Outcome>,
    private readonly logger: Logger,
  ) {}

  get description(): string {
    return `kafka ${String(this.config.config['bootstrap.servers'] ?? this.config.config['metadata.broker.list'] ?? '?')} topics ${this.config.topics.join(',')}`;
  }

  async start(): Promise<void> {
    const kafka = loadRdKafka();
    const settings: Record<string, unknown> = { ...this.config.config };
    if (settings['enable.auto.commit'] === true || settings['enable.auto.commit'] === 'true') {
      this.logger.warn("Ignoring kafka.config 'enable.auto.commit: true': offsets are committed after each message was handled");
    }
    settings['enable.auto.commit'] = false;
    const topicSettings = Object.fromEntries(TOPIC_LEVEL.filter((k) => k in settings).map((k) => [k, settings[k]]));
    const consumer = new kafka.KafkaConsumer(settings, topicSettings);
    consumer.on('event.error', (err) => this.logger.error(`Kafka error: ${err.message}`, { source: this.description }));
    await new Promise<void>((resolve, reject) =>
      consumer.connect({ timeout: 30_000 }, (err) => (err ? reject(new Error(`Cannot connect to Kafka (${this.description}): ${err.message}`)) : resolve())),
    );
    consumer.setDefaultConsumeTimeout(Math.round(this.config.poll_interval * 1000));
    consumer.subscribe(this.config.topics);
    this.consumer = consumer;
    this.loop = this.run(consumer);
  }

  private poll(consumer: RdKafkaConsumer): Promise<RdKafkaMessage[]> {
    return new Promise((resolve, reject) => consumer.consume(BATCH, (err, messages) => (err ? reject(err) : resolve(messages ?? []))));
  }

  private async run(consumer: RdKafkaConsumer): Promise<void> {
    while (!this.stopped) {
      let messages: RdKafkaMessage[];
      try {
        messages = await this.poll(consumer);
      } catch (e) {
        if (this.stopped) return;
        this.logger.error(`Kafka error: ${(e as Error).message}`, { source: this.description });
        await new Promise((r) => setTimeout(r, this.config.poll_interval * 1000));
        continue;
      }
      for (const m of messages) {
        const where = `kafka ${m.topic}[${m.partition}]@${m.offset}`;
        const text = m.value === null ? '' : m.value.toString('utf8');
        // Retry a message the bus refused until it takes it (or we stop): its offset must not be committed before.
        while ((await this.onPayload(text, where)) === 'failed') {
          if (this.stopped) return;
          await new Promise((r) => setTimeout(r, RETRY_MS));
        }
        try {
          consumer.commitMessageSync(m);
        } catch (e) {
          this.logger.error('Could not commit Kafka offset', { source: where, error: (e as Error).message });
        }
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    const consumer = this.consumer;
    this.consumer = undefined;
    if (consumer) await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}

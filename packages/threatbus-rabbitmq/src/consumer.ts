/**
 * This instance's queue → local subscribers.
 *
 * Each delivery is decoded, handed to every local subscriber (synchronously,
 * through `deliver`) and only then acknowledged. The original acknowledged
 * first, so a crash between the two lost the message; here a crash leaves
 * it unacknowledged and RabbitMQ delivers it again (to this instance after a
 * restart, if the queue is durable): nothing is lost, but a subscriber may
 * see a message twice after a crash.
 *
 * A message that cannot be decoded is logged with what was wrong and where,
 * then acknowledged and dropped: redelivering it would fail the same way
 * forever and hold up the messages behind it.
 */
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { decodeMessage, MessageDecodeError } from 'threatbus';
import type { Logger, Message } from 'threatbus';
import type { RabbitMqConfig } from './config';
import { declareExchange, declareQueue } from './topology';
import { Link } from './link';
import type { Endpoint } from './endpoint';

/** Characters of a bad body quoted in the log line. */
const EXCERPT = 200;

export interface ConsumerOptions {
  config: RabbitMqConfig;
  endpoint: Endpoint;
  logger: Logger;
  deliver(message: Message): void;
  /** This instance's queue is declared and bound on the current connection (true), or that connection is gone (false). */
  onTopology?(bound: boolean): void;
  /** The connection came up (true) or went down (false), for threatbus_peer_up. */
  onLink?(up: boolean): void;
  /** A message from the queue that could not be decoded (threatbus_messages_dropped_total{reason="invalid"}). */
  onMalformed?(): void;
}

export class Consumer {
  private readonly link: Link;
  private channel?: Channel;
  private consumerTag?: string;
  /** Consumption starts once the bus has started its apps (see begin()); after a reconnect it resumes by itself. */
  private wanted = false;
  private stopping = false;
  /** Counters, for tests and diagnostics. */
  readonly stats = { delivered: 0, malformed: 0 };
  queue = '';

  constructor(private readonly o: ConsumerOptions) {
    const r = o.config.reconnect;
    this.link = new Link({
      role: 'consumer',
      endpoint: o.endpoint,
      logger: o.logger,
      initialDelayMs: r.initial_delay * 1000,
      maxDelayMs: r.max_delay * 1000,
      setup: (model) => this.setup(model),
      onUp: () => this.o.onLink?.(true),
      onDown: () => {
        this.channel = undefined;
        this.consumerTag = undefined;
        this.o.onTopology?.(false);
        this.o.onLink?.(false);
      },
    });
  }

  start(): Promise<void> {
    return this.link.start();
  }

  /** Start taking messages off the queue. */
  begin(): void {
    this.wanted = true;
    const channel = this.channel;
    if (channel && !this.consumerTag) this.consume(channel).catch((e) => this.failed(channel, e));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const channel = this.channel;
    const tag = this.consumerTag;
    // Cancel first so that no delivery arrives while the connection closes; unacknowledged ones go back to the queue.
    if (channel && tag) await channel.cancel(tag).catch(() => {});
    await this.link.stop();
    this.channel = undefined;
  }

  private async setup(model: ChannelModel): Promise<void> {
    const c = this.o.config;
    const channel = await model.createChannel();
    channel.on('error', (e: Error) => this.o.logger.debug(`RabbitMQ consumer channel error: ${e.message}`));
    channel.on('close', () => {
      if (this.channel !== channel) return;
      this.channel = undefined;
      this.consumerTag = undefined;
      if (this.stopping) return;
      this.o.onTopology?.(false);
      this.link.reset('consumer channel closed');
    });
    // 0 is AMQP for "no limit", the original's behaviour (spec/quirks.md B3).
    await channel.prefetch(c.prefetch);
    await declareExchange(channel, c.exchange_name, c.durable_exchange);
    this.queue = await declareQueue(channel, c.exchange_name, c.queue);
    this.channel = channel;
    this.o.onTopology?.(true);
    if (this.wanted) await this.consume(channel);
  }

  private async consume(channel: Channel): Promise<void> {
    const reply = await channel.consume(this.queue, (msg) => this.onMessage(channel, msg), { noAck: false });
    if (channel === this.channel) this.consumerTag = reply.consumerTag;
  }

  private failed(channel: Channel, e: unknown): void {
    if (channel !== this.channel || this.stopping) return;
    this.o.logger.error(`RabbitMQ consumer could not consume from queue '${this.queue}': ${(e as Error).message}`);
    this.link.reset('consume failed');
  }

  private onMessage(channel: Channel, msg: ConsumeMessage | null): void {
    if (msg === null) {
      // The broker cancelled us: the queue was deleted. Reconnecting declares it again.
      if (this.stopping) return;
      this.o.logger.warn(`RabbitMQ cancelled the consumer of queue '${this.queue}' (queue deleted?); declaring it again`);
      this.consumerTag = undefined;
      this.link.reset('consumer cancelled by the broker');
      return;
    }
    const text = msg.content.toString('utf8');
    let message: Message | undefined;
    try {
      message = decodeMessage(text);
    } catch (e) {
      this.stats.malformed++;
      this.o.onMalformed?.();
      const problem = e instanceof MessageDecodeError ? e.message : `undecodable: ${(e as Error).message}`;
      this.o.logger.error(`Dropping malformed message from RabbitMQ queue '${this.queue}': ${problem}`, {
        exchange: msg.fields.exchange,
        delivery_tag: msg.fields.deliveryTag,
        redelivered: msg.fields.redelivered,
        body: text.length > EXCERPT ? `${text.slice(0, EXCERPT)}…` : text,
      });
    }
    if (message) {
      try {
        this.o.deliver(message);
        this.stats.delivered++;
      } catch (e) {
        // The router catches subscriber errors; reaching here is a bug, and redelivery would repeat it.
        this.o.logger.error(`Delivering a message from RabbitMQ failed: ${(e as Error).message}`, { type: message.type });
      }
      if (this.o.logger.isDebugEnabled()) this.o.logger.debug('Relayed message from RabbitMQ', { type: message.type, id: 'id' in message ? message.id : message.snapshot_id });
    }
    try {
      channel.ack(msg);
    } catch {
      // The channel closed meanwhile; the broker redelivers the message, which a subscriber may then see twice.
    }
  }
}

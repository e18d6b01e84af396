/**
 * Local publishers → the exchange, with publisher confirms.
 *
 * `publish` resolves only when RabbitMQ has confirmed the message (it is
 * then in every bound queue; on disk for durable queues). While the
 * connection is down, messages wait in a bounded buffer and go out, in
 * order, after the reconnect; messages sent but not yet confirmed when the
 * connection dropped are sent again (so a subscriber may get such a message
 * twice, never zero times). When the buffer is full, `publish` rejects
 * at once instead of growing without bound.
 *
 * After a broker restart nothing goes out before this instance's queue is
 * declared and bound again (`setTopologyReady`, from the consumer), and
 * every message is published `mandatory`: one the broker could route to no
 * queue comes back (basic.return, before its confirm) and is sent again
 * after a pause, instead of being confirmed into nowhere (issue 13.5).
 */
import type { ChannelModel, ConfirmChannel, Options } from 'amqplib';
import { encodeMessage, ErrorCode, ThreatBusError } from 'threatbus';
import type { Logger, Message, PluginMetrics } from 'threatbus';
import type { RabbitMqConfig } from './config';
import { declareExchange } from './topology';
import { Link } from './link';
import type { Endpoint } from './endpoint';

interface Outgoing {
  /** Publish order; kept across resends. */
  seq: number;
  body: Buffer;
  type: Message['type'];
  /** Times the broker refused (nacked) it. */
  nacks: number;
  /** The broker returned it as unroutable; its confirm then does not count. */
  returned: boolean;
  resolve(): void;
  reject(e: Error): void;
}

/** A message the broker nacks this often is given up (rejecting its publish). */
const MAX_NACKS = 3;
/** Pause before resending returned (unroutable) messages: doubles up to the max while they keep coming back. */
const RETURN_PAUSE_MIN_MS = 50;
const RETURN_PAUSE_MAX_MS = 2000;

export class PublishBufferFullError extends ThreatBusError {
  override readonly name = 'PublishBufferFullError';
  constructor(message: string) {
    super(ErrorCode.BUFFER_FULL, message, { retriable: true });
  }
}

export interface PublisherOptions {
  config: RabbitMqConfig;
  endpoint: Endpoint;
  logger: Logger;
  /** Confirmed by the broker: messages_out; refused (buffer full, nacked): dropped. Default: not counted. */
  metrics?: Pick<PluginMetrics, 'messageOut' | 'dropped'>;
  /** The connection came up (true) or went down (false), for threatbus_peer_up. */
  onLink?(up: boolean): void;
}

export class Publisher {
  private readonly link: Link;
  private channel?: ConfirmChannel;
  /** Not yet handed to the current channel, in publish order. */
  private pending: Outgoing[] = [];
  /** Handed to the channel, waiting for the broker's confirm. */
  private readonly inflight = new Map<number, Outgoing>();
  private seq = 0;
  private waitingForDrain = false;
  private stopping = false;
  private readonly props: Options.Publish;
  private idleWaiters: (() => void)[] = [];
  private lastFullWarning = 0;
  /** This instance's queue is declared and bound on the broker (the consumer says so). */
  private topologyReady = false;
  /** Set while publishing pauses after a returned message. */
  private returnPause?: NodeJS.Timeout;
  private returnPauseMs = RETURN_PAUSE_MIN_MS;
  private lastReturnWarning = 0;
  /** Messages the broker returned as unroutable (and that were sent again). */
  returned = 0;

  constructor(private readonly o: PublisherOptions) {
    const r = o.config.reconnect;
    // The original sent no properties, so messages were transient even on durable queues (spec/quirks.md B4).
    this.props = { contentType: 'application/json', persistent: o.config.queue.durable, mandatory: true };
    this.link = new Link({
      role: 'publisher',
      endpoint: o.endpoint,
      logger: o.logger,
      initialDelayMs: r.initial_delay * 1000,
      maxDelayMs: r.max_delay * 1000,
      setup: (model) => this.setup(model),
      onUp: () => this.o.onLink?.(true),
      onDown: () => {
        this.down();
        this.o.onLink?.(false);
      },
    });
  }

  /** Messages not yet confirmed by the broker. */
  get backlog(): number {
    return this.pending.length + this.inflight.size;
  }

  start(): Promise<void> {
    return this.link.start();
  }

  publish(message: Message): Promise<void> {
    if (this.stopping) return Promise.reject(new Error('RabbitMQ backbone is stopped'));
    const limit = this.o.config.publish_buffer;
    if (this.backlog >= limit) {
      const now = Date.now();
      if (now - this.lastFullWarning > 10_000) {
        this.lastFullWarning = now;
        this.o.logger.warn(`RabbitMQ publish buffer full (${limit} messages unconfirmed); rejecting new messages until the broker catches up`, { connected: this.link.isUp });
      }
      this.o.metrics?.dropped('queue_full');
      return Promise.reject(new PublishBufferFullError(`RabbitMQ publish buffer full (${limit} messages waiting for the broker)`));
    }
    let body: Buffer;
    try {
      body = Buffer.from(encodeMessage(message), 'utf8');
    } catch (e) {
      return Promise.reject(new Error(`cannot encode ${message.type} for RabbitMQ: ${(e as Error).message}`));
    }
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ seq: this.seq++, body, type: message.type, nacks: 0, returned: false, resolve, reject });
      this.flush();
    });
  }

  /**
   * Stop: wait up to `timeoutMs` for the broker to confirm what is pending
   * (only while connected), reject the rest, close the connection.
   */
  /** The consumer declared and bound this instance's queue (true), or lost its connection (false). */
  setTopologyReady(ready: boolean): void {
    this.topologyReady = ready;
    if (ready) this.flush();
  }

  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    if (this.returnPause) clearTimeout(this.returnPause);
    this.returnPause = undefined;
    if (this.backlog > 0 && this.link.isUp) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.idleWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    const left = [...this.inflight.values(), ...this.pending];
    this.inflight.clear();
    this.pending = [];
    if (left.length > 0) this.o.logger.warn(`RabbitMQ backbone stopped with ${left.length} message(s) not confirmed by the broker`);
    for (const e of left) e.reject(new Error('RabbitMQ backbone stopped before the broker confirmed the message'));
    this.channel = undefined;
    await this.link.stop();
  }

  private async setup(model: ChannelModel): Promise<void> {
    const channel = await model.createConfirmChannel();
    channel.on('error', (e: Error) => this.o.logger.debug(`RabbitMQ publisher channel error: ${e.message}`));
    channel.on('close', () => {
      if (this.channel !== channel) return;
      this.down();
      if (!this.stopping) this.link.reset('publisher channel closed');
    });
    channel.on('return', (msg: { properties: { messageId?: unknown } }) => {
      const e = this.inflight.get(Number(msg.properties.messageId));
      if (e) e.returned = true;
    });
    channel.on('drain', () => {
      this.waitingForDrain = false;
      this.flush();
    });
    await declareExchange(channel, this.o.config.exchange_name, this.o.config.durable_exchange);
    this.channel = channel;
    this.waitingForDrain = false;
    this.flush();
  }

  /** The channel is gone: everything unconfirmed goes back into the buffer, ahead of newer messages. */
  private down(): void {
    this.channel = undefined;
    for (const e of this.inflight.values()) this.requeue(e);
    this.inflight.clear();
  }

  private requeue(e: Outgoing): void {
    let i = this.pending.findIndex((p) => p.seq > e.seq);
    if (i < 0) i = this.pending.length;
    this.pending.splice(i, 0, e);
  }

  private flush(): void {
    const channel = this.channel;
    if (!this.topologyReady || this.returnPause) return;
    while (channel && channel === this.channel && !this.waitingForDrain && this.pending.length > 0) {
      const e = this.pending.shift() as Outgoing;
      this.inflight.set(e.seq, e);
      let ok: boolean;
      try {
        // messageId: tells a returned message apart (basic.return carries the properties, not the delivery tag).
        ok = channel.publish(this.o.config.exchange_name, '', e.body, { ...this.props, messageId: String(e.seq) }, (err: unknown) => this.confirmed(channel, e, err));
      } catch (err) {
        // The channel closed under us (its close event is on the way); keep the message for the next one.
        this.inflight.delete(e.seq);
        this.requeue(e);
        this.o.logger.debug(`RabbitMQ publisher: channel unusable: ${(err as Error).message}`);
        return;
      }
      // false: the socket's buffer is full; the message is queued, but wait before sending more.
      if (!ok) this.waitingForDrain = true;
    }
  }

  private confirmed(channel: ConfirmChannel, e: Outgoing, err: unknown): void {
    // Already moved back to the buffer when its channel went down.
    if (this.inflight.get(e.seq) !== e) return;
    this.inflight.delete(e.seq);
    if (!err && e.returned) {
      e.returned = false;
      this.unroutable(e);
      return;
    }
    if (!err) {
      this.returnPauseMs = RETURN_PAUSE_MIN_MS;
      e.resolve();
      this.o.metrics?.messageOut(e.type);
      if (this.o.logger.isDebugEnabled()) this.o.logger.debug('RabbitMQ publisher: broker confirmed message', { seq: e.seq });
      this.checkIdle();
      return;
    }
    // amqplib reports a closed channel and a broker nack the same way, through this callback, and
    // calls it before the channel's close listeners run. A closed channel is not the message's
    // fault: resend it on the next connection without counting.
    const nacked = err instanceof Error && err.message === 'message nacked';
    if (nacked && ++e.nacks >= MAX_NACKS) {
      this.o.logger.error(`RabbitMQ refused a message ${e.nacks} times; giving up on it`, { seq: e.seq });
      this.o.metrics?.dropped('error');
      e.reject(new Error(`RabbitMQ refused the message ${e.nacks} times`));
      this.checkIdle();
      return;
    }
    this.requeue(e);
    // Deferred: if the channel is closing, its close listener must run first.
    queueMicrotask(() => {
      if (channel === this.channel) this.flush();
    });
  }

  /** The broker confirmed a message it could route to no queue: send it again after a pause (no queue bound yet). */
  private unroutable(e: Outgoing): void {
    this.returned++;
    this.requeue(e);
    const now = Date.now();
    if (now - this.lastReturnWarning > 10_000) {
      this.lastReturnWarning = now;
      this.o.logger.warn(`RabbitMQ returned a message: no queue is bound to exchange '${this.o.config.exchange_name}'; resending it once one is`, { returned_total: this.returned });
    }
    if (this.returnPause || this.stopping) return;
    const pause = this.returnPauseMs;
    this.returnPauseMs = Math.min(RETURN_PAUSE_MAX_MS, pause * 2);
    this.returnPause = setTimeout(() => {
      this.returnPause = undefined;
      this.flush();
    }, pause);
  }

  private checkIdle(): void {
    if (this.backlog > 0) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }
}

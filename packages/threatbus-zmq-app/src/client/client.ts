/**
 * A client for apps: subscribe, receive typed messages, publish back,
 * heartbeat, re-subscribe when the bus restarts, unsubscribe on close.
 *
 *     const client = new ThreatBusClient({ endpoint: 'localhost:13370', topics: 'stix2/indicator' });
 *     await client.start();
 *     for await (const msg of client) if (msg.type === 'indicator') ...
 *     await client.publishSighting(sighting);
 *     await client.close();
 */
import { EventEmitter } from 'node:events';
import { Subscriber as ZmqSubscriber, XPublisher } from 'zeromq';
import { createSnapshotEnvelope, encodeMessage, MessageQueue, MessageType, Topic } from 'threatbus';
import type { Indicator, Sighting, SnapshotEnvelope, SnapshotRequest } from 'threatbus';
import { INBOUND_ENVELOPE_TOPIC, INBOUND_STIX_PREFIX } from '../protocol';
import { decodeAppFrame } from './decode';
import type { IncomingMessage } from './decode';
import { ManagementError, p2pAction, subscribe } from './management';
import { Outbox } from './outbox';
import { curveClientSocketOptions } from '../curve/client';
import type { ClientCurveKeys, CurveClientSocketOptions } from '../curve/client';

/** The part of a logger the client uses; the core's Logger fits, so does `console`. */
export interface ClientLogger {
  debug(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

export interface ThreatBusClientOptions {
  /** The bus's management endpoint: `host:port` (as the original apps' `threatbus` setting) or `tcp://host:port`. */
  endpoint: string;
  /** Threat Bus topic(s) to subscribe to. Default `stix2/indicator`. */
  topics?: string | string[];
  /** Days of history to ask for when subscribing (also on re-subscription). Default 0: none. */
  snapshot?: number;
  /** Default 5000 ms, as the original apps. */
  heartbeatIntervalMs?: number;
  /** How long to wait for a management reply. Default 5000 ms. */
  requestTimeoutMs?: number;
  /** First delay between failed subscription attempts; doubles up to `maxRetryDelayMs`. Default 1000 / 30000 ms. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Messages buffered per `messages()` iterator before the oldest are dropped. Default 100000. */
  queueSize?: number;
  /** Messages held for publishing while the bus is not connected, before the oldest are dropped. Default 100000. */
  outboxSize?: number;
  /** ZeroMQ high-water marks of the client's sockets. Default 100000. */
  highWaterMark?: number;
  /** Default: silent. */
  logger?: ClientLogger;
  /** CURVE keys when the bus has `curve` set (docs/security.md). Default: none, plain sockets. */
  curve?: ClientCurveKeys;
}

export interface ClientEvents {
  /** A subscription was made (first, or after a bus restart). */
  subscribed: [info: { p2pTopic: string; pubPort: number; subPort: number; resubscribed: boolean }];
  /** The bus stopped answering heartbeats or lost the subscription; the client is re-subscribing. */
  disconnected: [reason: string];
}

const silent: ClientLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** `host:port` or `tcp://host:port` → host and port. */
export function parseEndpoint(endpoint: string): { host: string; port: number } {
  const m = /^(?:tcp:\/\/)?(\[[^\]]+\]|[^:/]+):(\d+)$/.exec(endpoint.trim());
  if (!m) throw new TypeError(`endpoint must look like host:port, got ${JSON.stringify(endpoint)}`);
  return { host: m[1], port: Number(m[2]) };
}

export class ThreatBusClient extends EventEmitter<ClientEvents> implements AsyncIterable<IncomingMessage> {
  private readonly opts: Required<Omit<ThreatBusClientOptions, 'logger' | 'topics' | 'curve'>> & { topics: string | string[] };
  private readonly log: ClientLogger;
  private readonly host: string;
  private readonly manageEndpoint: string;
  /** CURVE options of every socket to the bus; empty without CURVE. */
  private readonly secure: CurveClientSocketOptions;
  private sub?: ZmqSubscriber;
  private pub?: XPublisher;
  private outbox?: Outbox;
  private p2p?: string;
  private ports?: { pub: number; sub: number };
  private readonly messageListeners = new Set<(m: IncomingMessage) => void>();
  private readonly iterators = new Set<MessageQueue<IncomingMessage>>();
  private heartbeatTimer?: NodeJS.Timeout;
  private receiving?: Promise<void>;
  private state: 'new' | 'starting' | 'running' | 'closing' | 'closed' = 'new';
  private reconnecting?: Promise<void>;
  private wakeRetry?: () => void;

  constructor(options: ThreatBusClientOptions) {
    super();
    const { host, port } = parseEndpoint(options.endpoint);
    this.host = host;
    this.manageEndpoint = `tcp://${host}:${port}`;
    this.log = options.logger ?? silent;
    this.secure = curveClientSocketOptions(options.curve);
    this.opts = {
      endpoint: options.endpoint,
      topics: options.topics ?? Topic.INDICATOR,
      snapshot: options.snapshot ?? 0,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 5000,
      requestTimeoutMs: options.requestTimeoutMs ?? 5000,
      retryDelayMs: options.retryDelayMs ?? 1000,
      maxRetryDelayMs: options.maxRetryDelayMs ?? 30_000,
      queueSize: options.queueSize ?? 100_000,
      outboxSize: options.outboxSize ?? 100_000,
      highWaterMark: options.highWaterMark ?? 100_000,
    };
  }

  /** The current p2p topic (changes after a re-subscription). */
  get p2pTopic(): string | undefined {
    return this.p2p;
  }

  /** True once subscribed and the bus is receiving what this client publishes. */
  get connected(): boolean {
    return this.state === 'running' && this.reconnecting === undefined && (this.outbox?.busConnected ?? false);
  }

  /**
   * Subscribe (retrying until the bus answers or `close()` is called), connect
   * the data sockets and start heartbeats. Resolves once the app's SUB socket
   * is connected and the bus listens to what it publishes.
   */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`cannot start a client that is ${this.state}`);
    this.state = 'starting';
    this.sub = new ZmqSubscriber({ ...this.secure, linger: 0, receiveHighWaterMark: this.opts.highWaterMark });
    this.pub = new XPublisher({ ...this.secure, linger: 0, noDrop: true, sendTimeout: 0, sendHighWaterMark: this.opts.highWaterMark });
    this.outbox = new Outbox(this.pub, this.opts.outboxSize, this.log);
    this.receiving = this.receive(this.sub);
    await this.subscribeUntilDone(false);
    if (this.state !== 'starting') return;
    this.state = 'running';
    await this.outbox.whenBusConnected(this.opts.requestTimeoutMs);
    this.scheduleHeartbeat();
  }

  /** Call `listener` for every message; returns a function that removes it. */
  onMessage(listener: (message: IncomingMessage) => void): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  /** An async iterator over messages from now on; ends when the client closes. */
  messages(): AsyncIterableIterator<IncomingMessage> {
    const queue = new MessageQueue<IncomingMessage>({
      capacity: this.opts.queueSize,
      onOverflow: (n) => this.log.warn('Client message buffer full; dropping the oldest (read faster or raise queueSize)', { dropped_total: n }),
    });
    if (this.state === 'closed' || this.state === 'closing') queue.close();
    else this.iterators.add(queue);
    const it: AsyncIterableIterator<IncomingMessage> = {
      next: () => queue.next(),
      return: async () => {
        queue.close();
        this.iterators.delete(queue);
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]: () => it,
    };
    return it;
  }

  [Symbol.asyncIterator](): AsyncIterator<IncomingMessage> {
    return this.messages();
  }

  /** Publish an indicator on `stix2/indicator`. */
  publishIndicator(indicator: Indicator): Promise<void> {
    // Not memoised: the app may change and send the same object again.
    return this.send(Topic.INDICATOR, encodeMessage(indicator, { memoise: false }));
  }

  /** Publish a sighting on `stix2/sighting`. */
  publishSighting(sighting: Sighting): Promise<void> {
    return this.send(Topic.SIGHTING, encodeMessage(sighting, { memoise: false }));
  }

  /** Publish a snapshot envelope on `threatbus/snapshotenvelope`. */
  publishSnapshotEnvelope(envelope: SnapshotEnvelope): Promise<void> {
    return this.send(INBOUND_ENVELOPE_TOPIC, encodeMessage(envelope, { memoise: false }));
  }

  /** Answer a snapshot request with one historic item. */
  answerSnapshot(request: SnapshotRequest, body: Indicator | Sighting): Promise<void> {
    const want = request.snapshot_type === MessageType.INDICATOR ? 'indicator' : 'sighting';
    if (body.type !== want) return Promise.reject(new TypeError(`snapshot ${request.snapshot_id} asks for ${want}s, got a ${body.type}`));
    return this.publishSnapshotEnvelope(createSnapshotEnvelope(request.snapshot_type, request.snapshot_id, body));
  }

  /**
   * Resolves once the frame is handed to ZeroMQ. While the bus is not
   * connected frames wait in a bounded outbox (oldest dropped with a warning).
   */
  private send(topic: string, json: string): Promise<void> {
    if (!this.outbox || this.state === 'closed' || this.state === 'closing') return Promise.reject(new Error(`client is ${this.state === 'new' ? 'not started' : 'closed'}`));
    if (!topic.startsWith(INBOUND_STIX_PREFIX) && topic !== INBOUND_ENVELOPE_TOPIC) return Promise.reject(new Error(`bad topic ${topic}`));
    return this.outbox.send(topic + ' ' + json);
  }

  /** Unsubscribe (best effort, one request timeout at most), close sockets, end iterators. */
  async close(): Promise<void> {
    if (this.state === 'closed' || this.state === 'closing') return;
    const wasRunning = this.state === 'running';
    this.state = 'closing';
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    this.wakeRetry?.();
    await this.reconnecting?.catch(() => {});
    await this.outbox?.flush(this.opts.requestTimeoutMs);
    if (this.p2p && wasRunning) {
      await p2pAction(this.manageEndpoint, 'unsubscribe', this.p2p, this.opts.requestTimeoutMs, this.secure).catch((e) =>
        this.log.warn('Could not unsubscribe from Threat Bus', { error: (e as Error).message }),
      );
    }
    this.outbox?.close();
    for (const s of [this.sub, this.pub]) if (s && !s.closed) s.close();
    await Promise.all([this.receiving, this.outbox?.watching]);
    for (const q of this.iterators) q.close();
    this.iterators.clear();
    this.state = 'closed';
  }

  // ------------------------------------------------------------ internals

  private async subscribeUntilDone(resubscribed: boolean): Promise<void> {
    let delay = this.opts.retryDelayMs;
    for (;;) {
      if (this.state === 'closing' || this.state === 'closed') return;
      try {
        const reply = await subscribe(this.manageEndpoint, this.opts.topics, this.opts.snapshot, this.opts.requestTimeoutMs, this.secure);
        this.attach(reply.topic, reply.pub_port, reply.sub_port);
        this.log.info(resubscribed ? 'Re-subscribed to Threat Bus' : 'Subscribed to Threat Bus', { p2p_topic: reply.topic, pub_port: reply.pub_port, sub_port: reply.sub_port });
        this.emit('subscribed', { p2pTopic: reply.topic, pubPort: reply.pub_port, subPort: reply.sub_port, resubscribed });
        return;
      } catch (e) {
        if (!(e instanceof ManagementError)) throw e;
        this.log.warn('Subscription failed, retrying', { error: e.message, retry_in_ms: delay });
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, delay);
          this.wakeRetry = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.wakeRetry = undefined;
        delay = Math.min(this.opts.maxRetryDelayMs, delay * 2);
      }
    }
  }

  /** Point the data sockets at a (new) subscription. */
  private attach(p2p: string, pubPort: number, subPort: number): void {
    const sub = this.sub as ZmqSubscriber;
    const pub = this.pub as XPublisher;
    const old = this.ports;
    if (this.p2p) sub.unsubscribe(this.p2p);
    if (!old || old.pub !== pubPort) {
      if (old) sub.disconnect(`tcp://${this.host}:${old.pub}`);
      sub.connect(`tcp://${this.host}:${pubPort}`);
    }
    if (!old || old.sub !== subPort) {
      if (old) pub.disconnect(`tcp://${this.host}:${old.sub}`);
      pub.connect(`tcp://${this.host}:${subPort}`);
    }
    sub.subscribe(p2p);
    this.p2p = p2p;
    this.ports = { pub: pubPort, sub: subPort };
  }

  private async receive(socket: ZmqSubscriber): Promise<void> {
    try {
      for await (const [frame] of socket) {
        const p2p = this.p2p;
        if (!p2p) continue;
        const result = decodeAppFrame(frame.toString('utf8'), p2p);
        if (!result.ok) {
          this.log.warn(`Dropping a frame from Threat Bus: ${result.reason}`);
          continue;
        }
        for (const l of this.messageListeners) {
          try {
            l(result.message);
          } catch (e) {
            this.log.error('A message listener threw', { error: e instanceof Error ? e.message : String(e) });
          }
        }
        for (const q of this.iterators) q.push(result.message);
      }
    } catch (e) {
      if (this.state !== 'closing' && this.state !== 'closed') this.log.error('Receiving from Threat Bus failed', { error: (e as Error).message });
    }
  }

  private scheduleHeartbeat(): void {
    if (this.state !== 'running') return;
    this.heartbeatTimer = setTimeout(() => void this.heartbeat(), this.opts.heartbeatIntervalMs);
  }

  private async heartbeat(): Promise<void> {
    const p2p = this.p2p as string;
    let reason: string | undefined;
    try {
      if (!(await p2pAction(this.manageEndpoint, 'heartbeat', p2p, this.opts.requestTimeoutMs, this.secure))) reason = 'Threat Bus lost the subscription (restarted?)';
    } catch (e) {
      reason = (e as Error).message;
    }
    if (this.state !== 'running') return;
    if (reason) {
      this.log.warn('Heartbeat failed, re-subscribing', { reason });
      this.emit('disconnected', reason);
      this.reconnecting = this.resubscribe(p2p).finally(() => (this.reconnecting = undefined));
      await this.reconnecting;
    }
    this.scheduleHeartbeat();
  }

  /** As the original apps: subscribe anew, then drop the old p2p topic (it is usually unknown to a restarted bus). */
  private async resubscribe(oldP2p: string): Promise<void> {
    await this.subscribeUntilDone(true);
    if (this.state !== 'running') return;
    await p2pAction(this.manageEndpoint, 'unsubscribe', oldP2p, this.opts.requestTimeoutMs, this.secure).catch(() => false);
  }
}

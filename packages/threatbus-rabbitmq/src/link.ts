/**
 * One AMQP connection that comes back by itself: when RabbitMQ restarts or
 * the connection drops, a new one is opened with exponential backoff (and
 * jitter, so many bus instances do not reconnect in lock step) and the
 * owner's `setup` declares its channels again.
 *
 * The publisher and the consumer each own a Link: RabbitMQ throttles
 * (blocks) publishing connections under memory pressure, and a consumer on
 * that same connection could then no longer acknowledge, which is what frees
 * the memory.
 */
import * as amqp from 'amqplib';
import type { ChannelModel } from 'amqplib';
import { ErrorCode, ThreatBusError } from 'threatbus';
import type { Logger } from 'threatbus';
import type { Endpoint } from './endpoint';

export interface LinkOptions {
  /** `publisher` or `consumer`, for logs. */
  role: string;
  endpoint: Endpoint;
  logger: Logger;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Open channels and declare what is needed on a fresh connection. Throwing fails the attempt. */
  setup(model: ChannelModel): Promise<void>;
  /** The connection is gone (not called on stop). Channels of it are dead. */
  onDown(): void;
  /** A connection is open and set up (the first one, or one after a reconnect). */
  onUp?(): void;
}

/** A connection attempt that failed for a reason the operator can act on; the message is one complete line. */
export class RabbitMqConnectError extends ThreatBusError {
  override readonly name = 'RabbitMqConnectError';
  constructor(message: string, rejected = false) {
    super(rejected ? ErrorCode.PEER_REJECTED : ErrorCode.PEER_UNREACHABLE, message, { retriable: !rejected });
  }
}

/** The reason of a failed connection attempt as one line naming the broker. */
function explain(e: unknown, endpoint: Endpoint): Error {
  const message = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: unknown } | null)?.code;
  const at = `RabbitMQ at ${endpoint.address}`;
  if (message === 'connect ETIMEDOUT') return handshakeTimeout(endpoint);
  if (/ACCESS.REFUSED/.test(message)) return new RabbitMqConnectError(`${at} refused the credentials of user '${endpoint.user}' (ACCESS_REFUSED)`, true);
  if (/NOT.ALLOWED/.test(message)) return new RabbitMqConnectError(`${at} refused user '${endpoint.user}' access to the vhost (NOT_ALLOWED: ${message.replace(/^.*NOT_ALLOWED - /, '').replace(/"$/, '')})`, true);
  if (code === 'ECONNREFUSED') return new RabbitMqConnectError(`${at} refused the TCP connection (is RabbitMQ running there?)`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new RabbitMqConnectError(`${at}: cannot resolve the host name (${String(code)})`);
  return e instanceof Error ? e : new Error(message);
}

function handshakeTimeout(endpoint: Endpoint): RabbitMqConnectError {
  return new RabbitMqConnectError(`RabbitMQ at ${endpoint.address} did not answer the AMQP handshake within ${endpoint.connectTimeoutMs / 1000} s`);
}

/**
 * amqp.connect with an overall time limit: a port that accepts TCP but never
 * speaks AMQP would otherwise hold the start (or a reconnect) for minutes.
 */
export async function connectWithin(endpoint: Endpoint): Promise<ChannelModel> {
  let timer: NodeJS.Timeout | undefined;
  const attempt = amqp.connect(endpoint.target, endpoint.socketOptions);
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(handshakeTimeout(endpoint)), endpoint.connectTimeoutMs);
  });
  try {
    return await Promise.race([attempt, expired]);
  } catch (e) {
    // A connection that completes after the deadline must not stay open.
    attempt.then((m) => m.close().catch(() => {}), () => {});
    throw explain(e, endpoint);
  } finally {
    clearTimeout(timer);
  }
}

/** Failed attempts between two "still unreachable" warnings; the others log at debug. */
const WARN_EVERY = 10;

export class Link {
  private model?: ChannelModel;
  private stopped = false;
  private timer?: NodeJS.Timeout;
  private attempts = 0;
  private downSince = 0;
  private resetReason?: string;

  constructor(private readonly o: LinkOptions) {}

  get isUp(): boolean {
    return this.model !== undefined;
  }

  /** Open the first connection; rejects when that fails (the bus start then fails, with the reason). */
  async start(): Promise<void> {
    await this.open();
  }

  /** Close the connection and stop reconnecting. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const model = this.model;
    this.model = undefined;
    if (model) await model.close().catch(() => {});
  }

  /** Give up the current connection (one of its channels failed); a new one follows with backoff. */
  reset(reason: string): void {
    const model = this.model;
    if (!model || this.stopped) return;
    this.resetReason = reason;
    // The close event then takes the usual "lost" path.
    model.close().catch(() => this.lost(model, new Error(reason)));
  }

  private async open(): Promise<void> {
    const model = await connectWithin(this.o.endpoint);
    let closed = false;
    let lastError: Error | undefined;
    // Without an error listener an 'error' event would crash the process.
    model.on('error', (e: Error) => (lastError = e));
    model.on('close', (e?: Error) => {
      closed = true;
      this.lost(model, e ?? lastError);
    });
    model.on('blocked', (reason: string) => this.o.logger.warn(`RabbitMQ blocks the ${this.o.role} connection: ${reason}`));
    model.on('unblocked', () => this.o.logger.info(`RabbitMQ unblocked the ${this.o.role} connection`));
    try {
      await this.o.setup(model);
      if (closed) throw lastError ?? new Error('connection closed during setup');
    } catch (e) {
      await model.close().catch(() => {});
      throw e;
    }
    if (this.stopped) {
      await model.close().catch(() => {});
      return;
    }
    this.model = model;
    this.o.onUp?.();
  }

  private lost(model: ChannelModel, error: Error | undefined): void {
    // Connections of failed attempts are closed by open() itself.
    if (model !== this.model) return;
    this.model = undefined;
    if (this.stopped) return;
    const reason = error?.message ?? this.resetReason ?? 'closed';
    this.resetReason = undefined;
    this.downSince = Date.now();
    this.attempts = 0;
    this.o.logger.warn(`RabbitMQ ${this.o.role} connection lost: ${reason}; reconnecting`, { broker: this.o.endpoint.display });
    this.o.onDown();
    this.schedule();
  }

  private schedule(): void {
    const base = Math.min(this.o.maxDelayMs, this.o.initialDelayMs * 2 ** Math.min(this.attempts, 30));
    const delay = Math.round(base * (0.8 + 0.4 * Math.random()));
    this.timer = setTimeout(() => void this.retry(), delay);
  }

  private async retry(): Promise<void> {
    this.timer = undefined;
    if (this.stopped) return;
    this.attempts++;
    try {
      await this.open();
    } catch (e) {
      if (this.stopped) return;
      const message = `RabbitMQ ${this.o.role} reconnect attempt ${this.attempts} failed: ${(e as Error).message}`;
      if (this.attempts % WARN_EVERY === 0) this.o.logger.warn(`${message} (still trying)`);
      else this.o.logger.debug(message);
      this.schedule();
      return;
    }
    if (this.stopped) return;
    const seconds = ((Date.now() - this.downSince) / 1000).toFixed(1);
    this.o.logger.info(`RabbitMQ ${this.o.role} connection back after ${seconds}s (${this.attempts} attempt(s))`, { broker: this.o.endpoint.display });
  }
}

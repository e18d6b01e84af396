/**
 * One WebSocket connection to one Zeek, kept alive: handshake (array of topic
 * prefixes first, then wait for the ack), reconnect with exponential backoff,
 * WebSocket pings to notice a dead peer, and bookkeeping to name the event a
 * Zeek refused.
 *
 * A connection never throws at its owner: every failure is logged and ends in
 * a reconnect, so one Zeek going away does not disturb the others.
 */
import WebSocket from 'ws';
import type { ClientOptions } from 'ws';
import type { Logger } from 'threatbus';
import type { BrokerData } from './broker-data';
import { LogOnce } from './log-once';
import { ProtocolError, decodeServerMessage, encodeEventMessage, encodeHandshake } from './messages';
import type { ZeekEvent } from './messages';

export interface ConnectionOptions {
  url: string;
  /** Topic prefixes to receive (the handshake's array). */
  subscriptions: string[];
  /** TLS material and headers, passed to `ws`. */
  wsOptions: ClientOptions;
  ackTimeoutMs: number;
  /** 0 disables pings. */
  pingIntervalMs: number;
  reconnect: { initialDelayMs: number; maxDelayMs: number };
  logger: Logger;
}

export interface ConnectionHandlers {
  /** The handshake completed (first time and after every reconnect). */
  onReady(info: { endpoint: string; version: string; reconnected: boolean }): void;
  /** A ready connection went away; a reconnect is scheduled. */
  onLost(): void;
  onData(topic: string, data: BrokerData): void;
}

type State = 'idle' | 'connecting' | 'handshake' | 'ready' | 'waiting' | 'stopped';

/** Broker numbers the frames after the handshake in its errors: `input #3 contained …`. */
const BROKER_INPUT_RE = /input #(\d+)/;
const EVENT_REJECTED = 'failed to create Zeek event';
/** How many sent frames to remember for naming a refused event. */
const SENT_MEMORY = 4096;

export class ZeekConnection {
  private state: State = 'idle';
  private ws?: WebSocket;
  private timer?: NodeJS.Timeout;
  private pingTimer?: NodeJS.Timeout;
  private attempt = 0;
  private everReady = false;
  private wasLost = false;
  private awaitingPong = false;
  /** Frame number (1-based, after the handshake) → event name, for errors that name a frame. */
  private sent = new Map<number, string>();
  private frameNo = 0;
  private lastEventName?: string;
  private readonly once: LogOnce;
  private closed?: Promise<void>;
  /** Frames sent, refused events (by name), received data messages — for tests and stats. */
  readonly stats = { sent: 0, received: 0, rejected: new Map<string, number>(), connects: 0 };

  constructor(
    private readonly options: ConnectionOptions,
    private readonly handlers: ConnectionHandlers,
  ) {
    this.once = new LogOnce(options.logger);
  }

  get url(): string {
    return this.options.url;
  }

  get isReady(): boolean {
    return this.state === 'ready';
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.connect();
  }

  /** Send an event; false when the connection is not ready (the caller decides what that means). */
  send(topic: string, event: ZeekEvent): boolean {
    return this.sendText(encodeEventMessage(topic, event), event.name);
  }

  /** Send an already encoded data message carrying event `eventName`. */
  sendEncoded(encoded: { text: string; eventName: string }): boolean {
    return this.sendText(encoded.text, encoded.eventName);
  }

  sendText(text: string, eventName: string): boolean {
    const ws = this.ws;
    if (this.state !== 'ready' || !ws || ws.readyState !== WebSocket.OPEN) return false;
    this.frameNo++;
    this.sent.set(this.frameNo, eventName);
    this.sent.delete(this.frameNo - SENT_MEMORY);
    this.lastEventName = eventName;
    this.stats.sent++;
    ws.send(text);
    return true;
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return this.closed;
    this.state = 'stopped';
    this.clearTimers();
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    this.closed = new Promise<void>((resolve) => {
      // Zeek and Broker answer a close frame by dropping TCP (spec/zeek-websocket.md §1), so do not wait long for the handshake.
      const force = setTimeout(() => ws.terminate(), 1000);
      ws.once('close', () => {
        clearTimeout(force);
        resolve();
      });
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(1000, 'Threat Bus stopping');
    });
    return this.closed;
  }

  private connect(): void {
    if (this.state === 'stopped') return;
    this.state = 'connecting';
    const { url, wsOptions, logger } = this.options;
    let ws: WebSocket;
    try {
      ws = new WebSocket(url, { handshakeTimeout: this.options.ackTimeoutMs, ...wsOptions });
    } catch (e) {
      // Only a malformed URL throws here, which the config schema mostly rules out.
      logger.error(`Cannot connect to Zeek at ${url}`, { error: e });
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.on('open', () => {
      if (this.ws !== ws) return;
      this.state = 'handshake';
      this.frameNo = 0;
      this.sent.clear();
      ws.send(encodeHandshake(this.options.subscriptions));
      // Broker stays silent on a bad handshake (spec/zeek-websocket.md §1), so the ack needs a deadline.
      this.timer = setTimeout(() => {
        this.once.log('warn', 'ack-timeout', `Zeek at ${url} did not acknowledge the subscription within ${this.options.ackTimeoutMs / 1000}s; is this Zeek's WebSocket API?`);
        ws.terminate();
      }, this.options.ackTimeoutMs);
    });
    ws.on('message', (raw, isBinary) => {
      if (this.ws !== ws) return;
      if (isBinary) {
        this.once.log('warn', 'binary', `Ignoring a binary frame from Zeek at ${url}: the JSON API sends text frames only`);
        return;
      }
      this.onFrame(ws, raw.toString());
    });
    ws.on('pong', () => {
      this.awaitingPong = false;
    });
    ws.on('unexpected-response', (_req, res) => {
      // Broker answers a wrong path with HTTP 400.
      this.once.log('warn', `http-${res.statusCode}`, `Zeek at ${url} refused the WebSocket upgrade with HTTP ${res.statusCode}; check the path (${new URL(url).pathname}) and port`);
      res.resume();
      ws.terminate();
    });
    ws.on('error', (error) => {
      if (this.ws !== ws) return;
      const key = `error:${(error as NodeJS.ErrnoException).code ?? error.message}`;
      if (this.everReady || this.attempt > 0) logger.debug(`Connection to Zeek at ${url} failed`, { error: error.message });
      else this.once.log('warn', key, `Cannot reach Zeek at ${url}: ${error.message}; retrying with backoff`);
    });
    ws.on('close', (code, reason) => {
      if (this.ws !== ws) return;
      const wasReady = this.state === 'ready';
      this.clearTimers();
      if (this.state === 'stopped') return;
      if (wasReady) {
        this.wasLost = true;
        logger.warn(`Lost Zeek at ${url}; reconnecting`, { code, reason: reason.toString() || undefined });
        this.handlers.onLost();
      }
      this.scheduleReconnect();
    });
  }

  private onFrame(ws: WebSocket, text: string): void {
    const { url, logger } = this.options;
    let message;
    try {
      message = decodeServerMessage(text);
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      logger.warn(`Ignoring a bad frame from Zeek at ${url}: ${e.reason}`, { frame: text.length > 200 ? `${text.slice(0, 200)}…` : text });
      return;
    }
    switch (message.type) {
      case 'ack':
        if (this.state !== 'handshake') {
          logger.debug(`Ignoring a second ack from Zeek at ${url}`);
          return;
        }
        this.clearTimers();
        this.state = 'ready';
        this.attempt = 0;
        this.stats.connects++;
        this.once.reset();
        this.startPings(ws);
        this.handlers.onReady({ endpoint: message.endpoint, version: message.version, reconnected: this.everReady });
        this.everReady = true;
        if (this.wasLost) logger.info(`Zeek at ${url} is back`, { zeek_version: message.version });
        return;
      case 'error':
        this.onError(message.code, message.context);
        return;
      case 'data-message':
        if (this.state !== 'ready') {
          logger.debug(`Ignoring data from Zeek at ${url} before the ack`, { topic: message.topic });
          return;
        }
        this.stats.received++;
        this.handlers.onData(message.topic, message.data);
        return;
    }
  }

  private onError(code: string, context: string): void {
    const { url } = this.options;
    if (this.state === 'handshake') {
      // invalid_uri and invalid_application_name: Zeek closes next. A refused subscription list:
      // real Zeek (8.2.2) keeps the connection open and sends nothing more, so the ack timeout
      // ends it and the reconnect follows.
      this.once.log('warn', `refused:${code}`, `Zeek at ${url} refused the connection: ${code}: ${context}`);
      return;
    }
    const frame = BROKER_INPUT_RE.exec(context);
    const eventName = (frame ? this.sent.get(Number(frame[1])) : undefined) ?? this.lastEventName ?? 'unknown event';
    if (context.includes(EVENT_REJECTED)) {
      this.stats.rejected.set(eventName, (this.stats.rejected.get(eventName) ?? 0) + 1);
      this.once.log('warn', `rejected:${eventName}`,
        `Zeek at ${url} rejected the event ${eventName} (${code}: ${context}); is threatbus.zeek loaded there with the same module namespace? Further rejections of this event are logged at debug level`);
      return;
    }
    this.once.log('warn', `error:${code}:${context.replace(/#\d+/, '#n')}`, `Zeek at ${url} reported an error: ${code}: ${context}`, { event: eventName });
  }

  private startPings(ws: WebSocket): void {
    const interval = this.options.pingIntervalMs;
    if (interval <= 0) return;
    this.awaitingPong = false;
    this.pingTimer = setInterval(() => {
      if (this.awaitingPong) {
        this.options.logger.warn(`Zeek at ${this.options.url} did not answer a ping within ${interval / 1000}s`);
        ws.terminate();
        return;
      }
      this.awaitingPong = true;
      ws.ping();
    }, interval);
    this.pingTimer.unref();
  }

  private scheduleReconnect(): void {
    if (this.state === 'stopped') return;
    this.state = 'waiting';
    const { initialDelayMs, maxDelayMs } = this.options.reconnect;
    const delay = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    this.options.logger.debug(`Reconnecting to Zeek at ${this.options.url} in ${delay} ms`, { attempt: this.attempt });
    this.timer = setTimeout(() => this.connect(), delay);
  }

  private clearTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.timer = undefined;
    this.pingTimer = undefined;
  }
}

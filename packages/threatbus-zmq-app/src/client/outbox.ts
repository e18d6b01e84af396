/**
 * The client's sending side. Its socket is an XPUB: the bus's SUB socket
 * announces its subscriptions (`stix2/`, `threatbus/snapshotenvelope`), so
 * the client knows when the bus actually listens. Until then (start-up, bus
 * restart) frames wait here instead of being dropped by ZeroMQ (the
 * slow-joiner loss of the original apps). Bounded: when full, the oldest
 * frame is dropped with a warning and its `send()` promise rejects with an
 * OutboxFullError naming the limit.
 */
import { ErrorCode, MessageQueue, ThreatBusError } from 'threatbus';
import type { XPublisher } from 'zeromq';
import { INBOUND_STIX_PREFIX } from '../protocol';
import type { ClientLogger } from './client';

/** The rejection of a message dropped because the outbox was full. */
export class OutboxFullError extends ThreatBusError {
  override readonly name = 'OutboxFullError';
  constructor(readonly limit: number) {
    super(ErrorCode.BUFFER_FULL, `dropped: the outbox was full (outboxSize ${limit} messages waiting for Threat Bus); this was the oldest`, { retriable: true });
  }
}

interface Pending {
  frame: string;
  resolve: () => void;
  reject: (e: Error) => void;
}

export class Outbox {
  private readonly queue: MessageQueue<Pending>;
  /** A frame ZeroMQ refused (EAGAIN): it goes before everything in `queue`. */
  private retry: Pending | undefined;
  /** Messages dropped because the outbox was full. */
  dropped = 0;
  /** Sends ZeroMQ refused for a full pipe (EAGAIN) and that were retried. */
  retried = 0;
  private readonly busTopics = new Set<string>();
  private sending = false;
  private closed = false;
  private connectWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  /** The loop reading the bus's subscription events; ends when the socket closes. */
  readonly watching: Promise<void>;

  constructor(
    private readonly socket: XPublisher,
    private readonly capacity: number,
    private readonly log: ClientLogger,
  ) {
    this.queue = new MessageQueue<Pending>({ capacity });
    this.watching = this.watch();
  }

  /** The bus's SUB socket is connected and subscribed to `stix2/`. */
  get busConnected(): boolean {
    return this.busTopics.has(INBOUND_STIX_PREFIX);
  }

  /** Resolves when the bus listens, or after `timeoutMs` (frames then wait in the outbox). */
  whenBusConnected(timeoutMs: number): Promise<void> {
    if (this.busConnected || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(done, timeoutMs);
      function done(): void {
        clearTimeout(t);
        resolve();
      }
      this.connectWaiters.push(done);
    });
  }

  send(frame: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error('client is closed'));
    return new Promise((resolve, reject) => {
      if (this.size >= this.capacity) {
        // Drop the oldest waiting (not one ZeroMQ is retrying): its sender learns why.
        const oldest = this.queue.shift() ?? this.retry;
        if (oldest === this.retry) this.retry = undefined;
        this.dropped++;
        oldest?.reject(new OutboxFullError(this.capacity));
        this.log.warn('Outbox full while Threat Bus is unreachable; dropped the oldest message', { dropped_total: this.dropped, outbox_size: this.capacity });
      }
      this.queue.push({ frame, resolve, reject });
      this.kick();
    });
  }

  /** Messages waiting, including one ZeroMQ refused and that is retried. */
  get size(): number {
    return this.queue.size + (this.retry === undefined ? 0 : 1);
  }

  /** Wait until everything queued was handed to ZeroMQ (or `timeoutMs`). */
  flush(timeoutMs: number): Promise<void> {
    if (this.size === 0 || !this.busConnected) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  close(): void {
    this.closed = true;
    this.retry?.reject(new Error('client closed before the message could be sent'));
    this.retry = undefined;
    for (let p = this.queue.shift(); p; p = this.queue.shift()) p.reject(new Error('client closed before the message could be sent'));
    this.queue.close();
    for (const w of this.connectWaiters.splice(0)) w();
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private kick(): void {
    if (!this.sending && this.busConnected && !this.closed) {
      this.sending = true;
      void this.drain();
    }
  }

  private async drain(): Promise<void> {
    try {
      let delay = 1;
      while (this.busConnected && !this.closed) {
        const p = this.retry ?? this.queue.shift();
        this.retry = undefined;
        if (!p) break;
        try {
          await this.socket.send(p.frame);
          p.resolve();
          delay = 1;
        } catch (e) {
          if (this.closed) return p.reject(e as Error);
          if ((e as { code?: unknown }).code !== 'EAGAIN') {
            p.reject(e as Error);
            continue;
          }
          // The bus's pipe is full: keep the frame first in line (O(1)) and wait a little.
          this.retry = p;
          this.retried++;
          await new Promise((r) => setTimeout(r, delay));
          delay = Math.min(100, delay * 2);
        }
      }
    } finally {
      this.sending = false;
      if (this.size === 0) for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private async watch(): Promise<void> {
    try {
      for await (const [event] of this.socket) {
        if (event.length < 1 || event[0] > 1) continue;
        const topic = event.toString('utf8', 1);
        if (event[0] === 1) this.busTopics.add(topic);
        else this.busTopics.delete(topic);
        if (this.busConnected) {
          for (const w of this.connectWaiters.splice(0)) w();
          this.kick();
        }
      }
    } catch {
      // Socket closed.
    }
  }
}

/**
 * A bounded FIFO queue of messages, the usual subscriber of a plugin.
 *
 * The bus never blocks a producer on a slow consumer: one stalled app must not
 * stop indicators reaching every other app. Instead each queue is bounded;
 * when it is full the oldest message is dropped (the newest state of an IoC is
 * the one worth keeping), counted in `dropped`, and reported through
 * `onOverflow` (the bus logs it, rate-limited).
 */
import type { Message } from '../messages';
import type { Logger } from '../logging';
import { markDelivered } from './delivery';

/** Anything that accepts delivered messages. Called synchronously by the router; must not throw. */
export interface MessageSubscriber {
  push(message: Message): void;
  /**
   * True: the subscriber calls `markDelivered(message)` once it has taken
   * each pushed message (delivery.ts). Absent: the message counts as taken
   * when `push` returns.
   */
  readonly tracksDelivery?: boolean;
}

/**
 * @deprecated Renamed to `MessageSubscriber` (the old name clashed with zeromq's `Subscriber`);
 * this alias goes away in the next release.
 */
export type Subscriber = MessageSubscriber;

export interface MessageQueueOptions {
  /** Most messages held before the oldest is dropped. Default 100 000. */
  capacity?: number;
  /** Called once per dropped message with the running total. */
  onOverflow?: (dropped: number) => void;
  /**
   * Whether a message counts as delivered (delivery.ts) when a consumer
   * takes it from the queue. Default true. False: the consumer calls
   * `markDelivered` itself once it is done with it (e.g. handed to a socket).
   * Dropped and cleared messages always count as delivered: they are gone.
   */
  deliveredOnTake?: boolean;
}

export const DEFAULT_QUEUE_CAPACITY = 100_000;

export class MessageQueue<T = Message> implements AsyncIterable<T> {
  readonly capacity: number;
  /** Messages pushed here count as delivered once taken, dropped or cleared (delivery.ts). */
  readonly tracksDelivery = true;
  private readonly deliveredOnTake: boolean;
  /** Messages dropped because the queue was full. */
  dropped = 0;
  private items: (T | undefined)[] = [];
  private head = 0;
  private waiters: ((r: IteratorResult<T>) => void)[] = [];
  private closed = false;
  private readonly onOverflow?: (dropped: number) => void;

  constructor(options: MessageQueueOptions = {}) {
    this.capacity = options.capacity ?? DEFAULT_QUEUE_CAPACITY;
    if (!(this.capacity > 0)) throw new RangeError('queue capacity must be positive');
    this.onOverflow = options.onOverflow;
    this.deliveredOnTake = options.deliveredOnTake ?? true;
  }

  get size(): number {
    return this.items.length - this.head;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  push(item: T): void {
    if (this.closed) {
      markDelivered(item);
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) {
      if (this.deliveredOnTake) markDelivered(item);
      waiter({ value: item, done: false });
      return;
    }
    if (this.size >= this.capacity) {
      markDelivered(this.take());
      this.dropped++;
      this.onOverflow?.(this.dropped);
    }
    this.items.push(item);
  }

  /** Take the next item without waiting, or undefined when empty. */
  shift(): T | undefined {
    const item = this.take();
    if (item !== undefined && this.deliveredOnTake) markDelivered(item);
    return item;
  }

  private take(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    // Compact now and then instead of Array#shift, which is O(n) per call.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Wait for the next item; resolves `done` once the queue is closed and drained. */
  next(): Promise<IteratorResult<T>> {
    if (this.size > 0) return Promise.resolve({ value: this.shift() as T, done: false });
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Stop accepting items; waiting consumers finish once the rest is drained. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters.splice(0)) w({ value: undefined, done: true });
  }

  /** Drop everything queued. */
  clear(): void {
    for (let i = this.head; i < this.items.length; i++) markDelivered(this.items[i]);
    this.items = [];
    this.head = 0;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return { next: () => this.next(), return: async () => { this.close(); return { value: undefined, done: true }; } };
  }
}

/**
 * An `onOverflow` callback that logs a warning at most every `intervalMs`
 * with the number dropped so far, so a stalled subscriber is visible without
 * flooding the log.
 */
export function warnOnOverflow(logger: Logger, subscriber: string, intervalMs = 10_000): (dropped: number) => void {
  let last = 0;
  return (dropped) => {
    const now = Date.now();
    if (now - last < intervalMs) return;
    last = now;
    logger.warn('Subscriber queue full, dropping the oldest messages', { subscriber, dropped_total: dropped });
  };
}

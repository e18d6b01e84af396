/**
 * Delivery tracking: tell a publisher once every local subscriber has taken
 * a message, so an intake with an upstream acknowledgement (a Kafka offset
 * commit) acknowledges only what really reached the subscribers
 * (at-least-once end to end; docs/reliability.md).
 *
 * How: `bus.publish(message, { onDelivered, token })` puts a pending-delivery
 * record on the message (a non-enumerable symbol property, like
 * message-memo.ts). The router counts one per subscriber that tracks
 * delivery (`MessageSubscriber.tracksDelivery`) and hands the message out; each such
 * subscriber calls `markDelivered(message)` once it has taken it (a
 * MessageQueue when its consumer takes the message or when it drops it; the
 * zmq app once the frame is handed to the socket). Subscribers that do not
 * track delivery have taken the message when `push` returns. The record
 * holds one extra count for the publish itself, released when every backbone
 * has accepted the message (in-memory: after the synchronous local
 * delivery; RabbitMQ: on the broker's publisher confirm, which is then the
 * durability point, since the message reaches the subscribers of every
 * instance through the broker as a new object). When the count reaches zero
 * the listener hears `delivered(token)` once and the record is removed.
 *
 * Hot path: one symbol lookup per delivered or taken message; the only
 * allocation is the record itself, and only for messages published with a
 * listener. No closures per message: the listener is shared (e.g. one per
 * Kafka partition) and the token tells it which message it was.
 */

/** Told once a message published with it has been taken by every local subscriber. */
export interface DeliveryListener {
  delivered(token: number): void;
}

export interface PublishOptions {
  /** Hear `delivered(token)` once every local subscriber has taken the message (see delivery.ts). */
  onDelivered?: DeliveryListener;
  /** Passed back to `onDelivered` (e.g. the Kafka offset). */
  token?: number;
}

const PENDING = Symbol('threatbus.pendingDelivery');

/** The pending-delivery record of one message. */
export class PendingDelivery {
  /** Starts at 1: the hold of the publish itself. */
  count = 1;
  private done = false;
  constructor(
    readonly message: object,
    readonly listener: DeliveryListener,
    readonly token: number,
    private readonly tracker: DeliveryTracker,
  ) {}

  release(): void {
    if (this.done || --this.count !== 0) return;
    this.finish();
    // Once the bus stopped waiting (shutdown), what is dropped afterwards must not be acknowledged upstream.
    if (!this.tracker.closed) this.listener.delivered(this.token);
  }

  /** The publish failed: the listener hears nothing (the publisher retries), later releases are no-ops. */
  abandon(): void {
    if (!this.done) this.finish();
  }

  private finish(): void {
    this.done = true;
    // Cleared, not deleted: deleting a property costs more than the rest of the tracking together.
    (this.message as Record<symbol, unknown>)[PENDING] = undefined;
    this.tracker.settled();
  }
}

/** The pending-delivery record of `message`, if it has one. */
export function pendingDelivery(message: unknown): PendingDelivery | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  return (message as Record<symbol, PendingDelivery | undefined>)[PENDING];
}

/**
 * A subscriber that tracks delivery says it has taken (or deliberately
 * dropped) `message`. Call exactly once per message it was pushed. A no-op
 * for messages published without a listener.
 */
export function markDelivered(message: unknown): void {
  pendingDelivery(message)?.release();
}

/** The bus's count of messages still on their way to subscribers, for draining at shutdown. */
export class DeliveryTracker {
  private open = 0;
  private idleWaiters: (() => void)[] = [];
  /** Set at shutdown once the bus stopped waiting: later releases tell no listener. */
  closed = false;

  settled(): void {
    if (--this.open === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  get inFlight(): number {
    return this.open;
  }

  /** Start tracking `message`; undefined when it cannot carry a record (frozen; the caller then reports it delivered once published). */
  attach(message: object, listener: DeliveryListener, token: number): PendingDelivery | undefined {
    const holder = message as Record<symbol, PendingDelivery | undefined>;
    if (Object.hasOwn(message, PENDING)) {
      if (holder[PENDING] !== undefined) return undefined; // still on its way from an earlier publish
    } else if (!Object.isExtensible(message)) {
      return undefined;
    }
    const pending = new PendingDelivery(message, listener, token, this);
    if (Object.hasOwn(message, PENDING)) holder[PENDING] = pending;
    else Object.defineProperty(message, PENDING, { value: pending, configurable: true, writable: true });
    this.open++;
    return pending;
  }

  /** Stop reporting deliveries: what apps discard while stopping was not taken. */
  close(): void {
    this.closed = true;
  }

  /** Resolves true once nothing is in flight, false after `timeoutMs`. */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.open === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      this.idleWaiters.push(done);
    });
  }
}

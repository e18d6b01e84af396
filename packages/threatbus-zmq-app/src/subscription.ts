/**
 * One app subscription: a p2p topic, the bus topics it covers and its own
 * bounded queue. It is the `Subscriber` the plugin registers at the bus, so
 * the core can tell whose snapshot request is whose.
 */
import { MessageQueue, markDelivered, warnOnOverflow } from 'threatbus';
import type { Logger, Message, Subscriber } from 'threatbus';

/**
 * Where the app's SUB socket stands, as the XPUB socket reports it:
 * `waiting` — not seen yet (messages are held until it connects or the join
 * timeout passes); `joined` — connected and subscribed to the p2p topic;
 * `left` — it disconnected (messages are held until it comes back or the
 * subscription expires).
 */
export type JoinState = 'waiting' | 'joined' | 'left';

export class Subscription implements Subscriber {
  readonly queue: MessageQueue<Message>;
  /** A message counts as delivered (for Kafka offsets, delivery.ts) once its frame is handed to the socket. */
  readonly tracksDelivery = true;
  /** The message of the frame being sent (or `pending`); settled by `frameDone`. */
  private sending: Message | undefined;
  /** Last sign of life: subscribe, heartbeat, the app's SUB socket (dis)connecting. Milliseconds. */
  lastSeen: number;
  join: JoinState = 'waiting';
  /** App SUB connections subscribed to the p2p topic (XPUB events, counted per connection). */
  sockets = 0;
  /** Messages may be sent while `waiting` once this time has passed (ms). */
  readonly joinDeadline: number;
  /** A frame ZeroMQ refused (high-water mark reached); sent before anything else. */
  pending: string | undefined;
  /** Set while the frame sender backs off after ZeroMQ refused a frame. */
  backoff: NodeJS.Timeout | undefined;
  /** Fires at `joinDeadline`. */
  joinTimer: NodeJS.Timeout | undefined;
  removed = false;

  constructor(
    readonly p2pTopic: string,
    readonly topics: readonly string[],
    capacity: number,
    logger: Logger,
    now: number,
    joinTimeoutMs: number,
    /** Tells the frame sender this subscription has something to send. */
    private readonly wake: (s: Subscription) => void,
    /** Messages this subscription's full queue dropped (threatbus_messages_dropped_total{reason="queue_full"}). */
    onQueueFull?: (dropped: number) => void,
  ) {
    const warn = warnOnOverflow(logger, p2pTopic);
    const onOverflow = onQueueFull
      ? (dropped: number) => {
          onQueueFull(dropped);
          warn(dropped);
        }
      : warn;
    this.queue = new MessageQueue<Message>({ capacity, onOverflow, deliveredOnTake: false });
    this.lastSeen = now;
    this.joinDeadline = now + joinTimeoutMs;
  }

  push(message: Message): void {
    if (this.removed) {
      markDelivered(message);
      return;
    }
    this.queue.push(message);
    // Only the transition from empty needs a wake-up; the sender drains the rest.
    if (this.queue.size === 1) this.wake(this);
  }

  /** Take the next message to send; the one taken before counts as delivered now if `frameDone` did not settle it (skipped). */
  take(): Message | undefined {
    this.frameDone();
    return (this.sending = this.queue.shift());
  }

  /** The frame of the message last taken was handed to the socket, or dropped for good. */
  frameDone(): void {
    const m = this.sending;
    this.sending = undefined;
    if (m !== undefined) markDelivered(m);
  }

  /** Whether frames may go out now. */
  canSend(now: number): boolean {
    if (this.removed || this.backoff) return false;
    return this.join === 'joined' || (this.join === 'waiting' && now >= this.joinDeadline);
  }

  get hasWork(): boolean {
    return this.pending !== undefined || this.queue.size > 0;
  }
}

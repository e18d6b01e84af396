/**
 * One app subscription: a p2p topic, the bus topics it covers and its own
 * bounded queue. It is the `MessageSubscriber` the plugin registers at the bus, so
 * the core can tell whose snapshot request is whose. Its state changes only
 * through its methods (the registry and the frame sender call them).
 */
import { MessageQueue, markDelivered, warnOnOverflow } from 'threatbus';
import type { Logger, Message, MessageSubscriber } from 'threatbus';

/**
 * Where the app's SUB socket stands, as the XPUB socket reports it:
 * `waiting` — not seen yet (messages are held until it connects or the join
 * timeout passes); `joined` — connected and subscribed to the p2p topic;
 * `left` — it disconnected (messages are held until it comes back or the
 * subscription expires).
 */
export type JoinState = 'waiting' | 'joined' | 'left';

export class Subscription implements MessageSubscriber {
  readonly queue: MessageQueue<Message>;
  /** A message counts as delivered (for Kafka offsets, delivery.ts) once its frame is handed to the socket. */
  readonly tracksDelivery = true;
  /** The message of the frame being sent (or `pendingFrame`); settled by `frameDone`. */
  private sending: Message | undefined;
  private seenAt: number;
  private joinState: JoinState = 'waiting';
  /** App SUB connections subscribed to the p2p topic (XPUB events, counted per connection). */
  private sockets = 0;
  /** Messages may be sent while `waiting` once this time has passed (ms). */
  private readonly joinDeadline: number;
  /** A frame ZeroMQ refused (high-water mark reached); sent before anything else. */
  private refusedFrame: string | undefined;
  /** Set while the frame sender backs off after ZeroMQ refused a frame. */
  private backoff: NodeJS.Timeout | undefined;
  /** Fires at `joinDeadline`. */
  private joinTimer: NodeJS.Timeout | undefined;
  private isRemoved = false;

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
    this.seenAt = now;
    this.joinDeadline = now + joinTimeoutMs;
    // Apps whose SUB socket subscribes to a shorter prefix never "join"; start sending at the deadline.
    this.joinTimer = setTimeout(() => {
      this.joinTimer = undefined;
      this.wake(this);
    }, joinTimeoutMs);
    this.joinTimer.unref();
  }

  /** Last sign of life: subscribe, heartbeat, the app's SUB socket (dis)connecting. Milliseconds. */
  get lastSeen(): number {
    return this.seenAt;
  }

  get join(): JoinState {
    return this.joinState;
  }

  get removed(): boolean {
    return this.isRemoved;
  }

  /** A sign of life (a heartbeat) at `now`. */
  touch(now: number): void {
    this.seenAt = now;
  }

  /**
   * One app SUB connection subscribed to (`joined`) or left the p2p topic.
   * Each connection reports on its own (manual XPUB): joined while at least one is there.
   */
  appSocket(joined: boolean, now: number): void {
    this.seenAt = now;
    this.sockets = Math.max(0, this.sockets + (joined ? 1 : -1));
    this.joinState = this.sockets > 0 ? 'joined' : 'left';
    if (joined) this.wake(this);
  }

  /** The publishing socket was replaced: no app is connected to the new one yet. */
  socketsLost(): void {
    this.sockets = 0;
    if (this.joinState === 'joined') this.joinState = 'left';
  }

  push(message: Message): void {
    if (this.isRemoved) {
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

  /** The frame ZeroMQ refused last, to be sent before anything else. */
  get pendingFrame(): string | undefined {
    return this.refusedFrame;
  }

  /** ZeroMQ refused `frame` (high-water mark): keep it, and wait `delayMs` before sending again. */
  frameRefused(frame: string, delayMs: number): void {
    this.refusedFrame = frame;
    this.backoff = setTimeout(() => {
      this.backoff = undefined;
      this.wake(this);
    }, delayMs);
  }

  /** The frame of the message last taken was handed to the socket, or dropped for good. */
  frameDone(): void {
    this.refusedFrame = undefined;
    const m = this.sending;
    this.sending = undefined;
    if (m !== undefined) markDelivered(m);
  }

  /** The frame sender lets go of it (stopping, or the subscription is gone): no back-off timer left. */
  cancelBackoff(): void {
    if (this.backoff) clearTimeout(this.backoff);
    this.backoff = undefined;
  }

  /** Whether frames may go out now. */
  canSend(now: number): boolean {
    if (this.isRemoved || this.backoff) return false;
    return this.joinState === 'joined' || (this.joinState === 'waiting' && now >= this.joinDeadline);
  }

  get hasWork(): boolean {
    return this.refusedFrame !== undefined || this.queue.size > 0;
  }

  /**
   * The subscription is gone: later pushes count as delivered at once, what
   * is queued is dropped. Returns how many messages (and a refused frame) were dropped.
   */
  remove(): number {
    this.isRemoved = true;
    if (this.joinTimer) clearTimeout(this.joinTimer);
    this.joinTimer = undefined;
    const discarded = this.queue.size + (this.refusedFrame === undefined ? 0 : 1);
    this.queue.clear();
    this.queue.close();
    this.frameDone();
    return discarded;
  }
}

/**
 * The management endpoint's logic: one request → one reply (spec §3). Never
 * throws: whatever goes wrong becomes `{"status": "error"}` and a
 * (rate-limited) log line, and the endpoint goes on to the next request.
 *
 * The socket is a ROUTER, not the original's REP (same wire protocol for
 * REQ clients): a REP socket's state machine is what a hostile frame broke
 * (a DEALER sending `hello` without the empty delimiter left the original
 * design's loop dead), while with a ROUTER every message is just parts that
 * either have the REQ envelope `[id, '', request]` or are dropped.
 *
 * Amplification limits (issue 13.7): topics per subscribe request, and
 * subscribe requests asking for a snapshot per minute.
 */
import type { Logger } from 'threatbus';
import type { LogLimiter } from 'threatbus';
import { encodeStatusReply, encodeSubscribeReply, ManagementRequestError, parseManagementRequest } from './protocol';
import type { SubscriptionRegistry } from './registry';

const MAX_SHOWN = 200;
const MINUTE_MS = 60_000;

export interface ManagementLimits {
  maxMessageSize: number;
  maxTopicsPerSubscription: number;
  /** 0 = no limit. */
  snapshotRequestsPerMinute: number;
}

export class ManagementHandler {
  /** When the snapshot-bearing subscribe requests of the last minute were accepted (ms). */
  private readonly snapshotTimes: number[] = [];

  constructor(
    private readonly registry: SubscriptionRegistry,
    private readonly ports: { pub: number; sub: number },
    private readonly logger: Logger,
    private readonly limited: LogLimiter,
    private readonly limits: ManagementLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * One ROUTER message → the reply's parts, or undefined when it has no REQ
   * envelope (nothing sensible to answer; logged and dropped).
   */
  handleRouterMessage(parts: Buffer[]): Buffer[] | undefined {
    if (parts.length !== 3 || parts[1].length !== 0) {
      this.limited.warn(
        'management.framing',
        'Dropping a management message without the REQ envelope (expected: one request frame after an empty delimiter, as REQ sockets send)',
        { parts: parts.length - 1, first_part_bytes: parts[1]?.length ?? 0 },
      );
      return undefined;
    }
    return [parts[0], parts[1], Buffer.from(this.handleRequest(parts[2]), 'utf8')];
  }

  /** One request frame → the reply text. */
  handleRequest(frame: Buffer): string {
    if (frame.length > this.limits.maxMessageSize) {
      // ZeroMQ normally drops these before they get here (ZMQ_MAXMSGSIZE); checked before any toString.
      this.limited.warn('management.oversize', 'Refusing an over-size management request', { bytes: frame.length, max_message_size: this.limits.maxMessageSize });
      return encodeStatusReply('error', `request larger than max_message_size (${this.limits.maxMessageSize} bytes)`);
    }
    const text = frame.toString('utf8');
    try {
      const request = parseManagementRequest(text);
      switch (request.action) {
        case 'subscribe': {
          const refusal = this.refuseSubscribe(request.topics.length, request.snapshotDays);
          if (refusal) return refusal;
          const sub = this.registry.subscribe(request.topics, request.snapshotDays);
          return encodeSubscribeReply(sub.p2pTopic, this.ports.pub, this.ports.sub);
        }
        case 'unsubscribe':
          if (this.registry.unsubscribe(request.p2pTopic)) return encodeStatusReply('success');
          this.limited.warn('management.unknown-unsubscribe', 'No one was subscribed for that topic. Skipping.', { p2p_topic: request.p2pTopic.slice(0, 40) });
          return encodeStatusReply('error');
        case 'heartbeat':
          if (this.registry.heartbeat(request.p2pTopic)) return encodeStatusReply('success');
          this.logger.debug('Heartbeat for an unknown p2p topic; the app should subscribe again', { p2p_topic: request.p2pTopic.slice(0, 40) });
          return encodeStatusReply('error');
      }
    } catch (e) {
      const shown = text.length > MAX_SHOWN ? text.slice(0, MAX_SHOWN) + '...' : text;
      if (e instanceof ManagementRequestError) {
        this.limited.warn('management.bad-request', `Bad management request: ${e.message}`, { request: shown, reply: e.reply });
        return encodeStatusReply(e.reply);
      }
      this.limited.error('management.failed', 'Error handling management message', { request: shown, error: e instanceof Error ? e.message : String(e) });
      return encodeStatusReply('error');
    }
  }

  /** The error reply for a subscribe request over a limit, or undefined when it may go ahead. */
  private refuseSubscribe(topics: number, snapshotDays: number): string | undefined {
    const { maxTopicsPerSubscription: maxTopics, snapshotRequestsPerMinute: perMinute } = this.limits;
    if (topics > maxTopics) {
      const reason = `too many topics in one subscribe request: ${topics}, at most ${maxTopics} (max_topics_per_subscription)`;
      this.limited.warn('management.too-many-topics', `Refusing subscription: ${reason}`);
      return encodeStatusReply('error', reason);
    }
    if (snapshotDays <= 0 || perMinute <= 0) return undefined;
    const now = this.now();
    while (this.snapshotTimes.length > 0 && now - this.snapshotTimes[0] >= MINUTE_MS) this.snapshotTimes.shift();
    if (this.snapshotTimes.length >= perMinute) {
      const retryIn = Math.ceil((this.snapshotTimes[0] + MINUTE_MS - now) / 1000);
      const reason = `too many snapshot requests: at most ${perMinute} per minute (snapshot_requests_per_minute); retry in ${retryIn} s`;
      this.limited.warn('management.snapshot-rate', `Refusing subscription: ${reason}`);
      return encodeStatusReply('error', reason);
    }
    this.snapshotTimes.push(now);
    return undefined;
  }
}

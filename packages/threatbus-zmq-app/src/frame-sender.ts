/**
 * Moves queued messages onto the PUB socket (bus → apps).
 *
 * zeromq v6 allows one `send` in flight per socket, so a single loop drains
 * every subscription that has work, round-robin, a few messages per
 * subscription per round (fair to all apps, cheap for one). Each message is
 * encoded once per subscription (the frame carries the p2p topic).
 *
 * The socket is an XPUB with `noDrop` and a zero send timeout: when one app's
 * pipe reaches the high-water mark ZeroMQ refuses the frame (EAGAIN) instead
 * of dropping it silently as the original's PUB did (spec/quirks.md D7). The frame is
 * kept, that subscription backs off briefly, and the others go on; a stalled
 * app therefore fills its own bounded queue, where the oldest messages are
 * dropped with a warning.
 */
import { encodeMessage } from 'threatbus';
import type { Logger, Message, MetricMessageType, PluginMetrics } from 'threatbus';
import type { XPublisher } from 'zeromq';
import type { LogLimiter } from 'threatbus';
import { encodeAppFrame } from './protocol';
import type { FrameSuffix } from './protocol';
import type { Subscription } from './subscription';

/** Messages taken from one subscription before moving to the next. */
const BATCH = 32;
const MIN_BACKOFF_MS = 1;
const MAX_BACKOFF_MS = 100;

const SUFFIX: Partial<Record<Message['type'], FrameSuffix>> = {
  indicator: 'indicator',
  sighting: 'sighting',
  snapshotrequest: 'snapshotrequest',
};

/** The message type of a frame `<p2p topic><suffix> <json>` (messages_out's type label), read without parsing. */
function frameType(frame: string, p2pLength: number): MetricMessageType {
  const c = frame.charCodeAt(p2pLength);
  // indicator, sighting, snapshotrequest
  if (c === 0x69) return 'indicator';
  return frame.charCodeAt(p2pLength + 1) === 0x69 ? 'sighting' : 'snapshotrequest';
}

function isEagain(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'EAGAIN';
}

export class FrameSender {
  private readonly ready = new Set<Subscription>();
  private draining = false;
  private stopped = false;
  /** Frames handed to ZeroMQ, for diagnostics and tests. */
  sent = 0;
  /** Messages dropped because they could not be encoded (e.g. nesting too deep for the encoder). */
  encodeErrors = 0;
  private readonly backoffMs = new WeakMap<Subscription, number>();

  constructor(
    /** Replaced when the plugin restarts a broken socket. */
    public socket: XPublisher,
    private readonly logger: Logger,
    private readonly limited: LogLimiter,
    /** messages_out per frame handed to ZeroMQ; drops of messages no frame could be made of. */
    private readonly metrics?: Pick<PluginMetrics, 'messageOut' | 'dropped'>,
  ) {}

  /** A subscription has (new) work or may send again. */
  wake = (sub: Subscription): void => {
    if (this.stopped || !sub.hasWork || !sub.canSend(Date.now())) return;
    this.ready.add(sub);
    if (!this.draining) {
      this.draining = true;
      // Not right away: the intake goes on taking what ZeroMQ has queued (it yields to the event
      // loop every so often), and the drain then sends a burst. Sending each frame as it comes
      // woke ZeroMQ's I/O thread once per frame.
      setImmediate(this.drainSoon);
    }
  };

  private readonly drainSoon = (): void => {
    // drain() catches everything itself; this is the last line so that no rejection can ever escape.
    this.drain().catch((e: unknown) => this.limited.error('sender.bug', 'Frame sender failed; continuing', { error: e }));
  };

  forget(sub: Subscription): void {
    this.ready.delete(sub);
    sub.cancelBackoff();
  }

  stop(): void {
    this.stopped = true;
    for (const sub of this.ready) this.forget(sub);
    this.ready.clear();
  }

  private async drain(): Promise<void> {
    try {
      while (this.ready.size > 0 && !this.stopped) {
        for (const sub of this.ready) {
          if (!sub.canSend(Date.now())) {
            // It lost its app meanwhile (or was removed); a later wake brings it back.
            this.ready.delete(sub);
            continue;
          }
          for (let n = 0; n < BATCH; n++) {
            const frame = sub.pendingFrame ?? this.nextFrame(sub);
            if (frame === undefined) {
              this.ready.delete(sub);
              break;
            }
            try {
              await this.socket.send(frame);
            } catch (e) {
              if (this.stopped) return;
              if (isEagain(e)) {
                this.backOff(sub, frame);
              } else {
                // Not retriable (socket state): drop this frame, keep going.
                sub.frameDone();
                this.metrics?.dropped('error');
                this.limited.error('sender.send', 'Could not publish a frame; dropped it', { p2p_topic: sub.p2pTopic, error: e });
              }
              break;
            }
            sub.frameDone();
            this.sent++;
            this.metrics?.messageOut(frameType(frame, sub.p2pTopic.length));
            this.backoffMs.delete(sub);
          }
          if (this.stopped) return;
        }
      }
    } catch (e) {
      // Not expected (every step above handles its own errors): log, and go on with whatever is left.
      this.limited.error('sender.unexpected', 'Frame sender failed unexpectedly; continuing', { error: e });
      this.draining = false;
      if (!this.stopped && this.ready.size > 0) setTimeout(() => this.wakeAll(), MAX_BACKOFF_MS).unref();
      return;
    } finally {
      this.draining = false;
    }
  }

  private wakeAll(): void {
    for (const sub of [...this.ready]) {
      this.ready.delete(sub);
      this.wake(sub);
    }
  }

  /** The next frame of `sub`, skipping messages apps cannot receive. */
  private nextFrame(sub: Subscription): string | undefined {
    for (;;) {
      const message = sub.take();
      if (message === undefined || sub.removed) return undefined;
      const suffix = SUFFIX[message.type];
      if (suffix === undefined) {
        this.metrics?.dropped('not_mappable');
        this.logger.warn(`Skipping unknown message type '${message.type}' for topic subscription ${sub.p2pTopic}`);
        continue;
      }
      let json: string;
      try {
        json = encodeMessage(message);
      } catch (e) {
        // One message the encoder cannot write (say, nesting deeper than it allows) is dropped
        // for this subscriber only; the next one goes out as usual.
        this.encodeErrors++;
        this.metrics?.dropped('error');
        this.limited.error('sender.encode', 'Could not encode a message for an app; dropped it', {
          p2p_topic: sub.p2pTopic,
          type: message.type,
          error: e instanceof Error ? e.message : String(e),
          dropped_total: this.encodeErrors,
        });
        continue;
      }
      if (this.logger.isDebugEnabled()) this.logger.debug(`Published ${json} on topic ${sub.p2pTopic}${suffix}`);
      return encodeAppFrame(sub.p2pTopic, suffix, json);
    }
  }

  /** ZeroMQ refused `frame`: `sub` keeps it and waits, doubling the wait while refusals go on. */
  private backOff(sub: Subscription, frame: string): void {
    this.ready.delete(sub);
    const delay = Math.min(MAX_BACKOFF_MS, (this.backoffMs.get(sub) ?? MIN_BACKOFF_MS / 2) * 2);
    this.backoffMs.set(sub, delay);
    sub.frameRefused(frame, delay);
  }
}

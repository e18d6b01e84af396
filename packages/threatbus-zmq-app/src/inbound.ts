/**
 * Frames from apps (SUB socket): `<topic> <JSON>` → validated message → bus
 * (spec §5). Anything wrong is logged with what and where, and dropped; the
 * loop never stops for bad input.
 *
 * Change from the original (spec/quirks.md D1): a topic that passes ZeroMQ's prefix
 * filter but is neither `stix2/…` nor exactly `threatbus/snapshotenvelope`
 * is dropped, instead of re-publishing the previously decoded message.
 */
import { decodeMessage, MessageDecodeError } from 'threatbus';
import type { Logger, Message } from 'threatbus';
import type { LogLimiter } from 'threatbus';
import { INBOUND_ENVELOPE_TOPIC, INBOUND_STIX_PREFIX, splitFrame } from './protocol';

export type InboundResult = { ok: true; message: Message } | { ok: false; level: 'warn' | 'error'; reason: string };

const MAX_SHOWN = 200;

function excerpt(text: string): string {
  return text.length > MAX_SHOWN ? text.slice(0, MAX_SHOWN) + '...' : text;
}

/** Decode one inbound frame. Pure, so every rule is testable without sockets. */
export function decodeInboundFrame(frame: string): InboundResult {
  const parts = splitFrame(frame);
  if (!parts) return { ok: false, level: 'error', reason: `Error decoding message: no space between topic and payload in ${JSON.stringify(excerpt(frame))}` };
  const { topic, payload } = parts;
  const isStix = topic.startsWith(INBOUND_STIX_PREFIX);
  if (!isStix && topic !== INBOUND_ENVELOPE_TOPIC) {
    return { ok: false, level: 'warn', reason: `Ignoring message on unknown topic '${excerpt(topic)}', expected stix2/... or ${INBOUND_ENVELOPE_TOPIC}` };
  }
  let message: Message;
  try {
    message = decodeMessage(payload);
  } catch (e) {
    const what = e instanceof MessageDecodeError ? e.message : String(e);
    return { ok: false, level: 'error', reason: `Error decoding message on topic '${excerpt(topic)}': ${what}` };
  }
  if (isStix && message.type !== 'indicator' && message.type !== 'sighting') {
    return { ok: false, level: 'warn', reason: `Ignoring unknown message type, expected STIX-2 Indicator or Sighting: got a ${message.type} on topic '${excerpt(topic)}'` };
  }
  if (!isStix && message.type !== 'snapshotenvelope') {
    return { ok: false, level: 'warn', reason: `Ignoring unknown message type, expected SnapshotEnvelope: got a ${message.type} on topic '${excerpt(topic)}'` };
  }
  return { ok: true, message };
}

/** Publishes decoded messages without waiting for each one, but bounds how many are unconfirmed. */
export class InboundPublisher {
  private inFlight = 0;
  private waiters: (() => void)[] = [];
  received = 0;
  dropped = 0;
  /** Frames dropped because they were larger than `maxMessageSize` (part of `dropped`). */
  oversize = 0;

  constructor(
    private readonly publish: (m: Message) => Promise<void>,
    private readonly logger: Logger,
    private readonly limited: LogLimiter,
    private readonly maxMessageSize: number,
    private readonly maxInFlight = 1024,
  ) {}

  /** Handle one ZeroMQ message (its parts); resolves when there is room for the next one. */
  handleParts(parts: Buffer[]): Promise<void> | undefined {
    if (parts.length > 1) {
      this.limited.warn('inbound.multipart', 'Ignoring the extra parts of a multipart message from an app; send one frame "<topic> <json>"', { parts: parts.length });
    }
    const frame = parts[0];
    if (frame.length > this.maxMessageSize) {
      // ZeroMQ normally drops these first (ZMQ_MAXMSGSIZE); checked again before the frame becomes a string.
      this.dropped++;
      this.oversize++;
      this.limited.warn('inbound.oversize', 'Dropping an over-size frame from an app', { bytes: frame.length, max_message_size: this.maxMessageSize, dropped_total: this.oversize });
      return undefined;
    }
    return this.handle(frame.toString('utf8'));
  }

  /** Handle one frame; resolves when there is room for the next one. */
  handle(frame: string): Promise<void> | undefined {
    const result = decodeInboundFrame(frame);
    if (!result.ok) {
      this.dropped++;
      this.limited[result.level](`inbound.${result.level}`, result.reason, { dropped_total: this.dropped });
      return undefined;
    }
    this.received++;
    if (this.logger.isDebugEnabled()) this.logger.debug('Received message from an app', { type: result.message.type });
    this.inFlight++;
    this.publish(result.message)
      .catch((e) => this.limited.error('inbound.publish', 'Could not publish a message from an app to the bus', { type: result.message.type, error: e instanceof Error ? e.message : String(e) }))
      .finally(() => {
        this.inFlight--;
        this.waiters.shift()?.();
      });
    if (this.inFlight < this.maxInFlight) return undefined;
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

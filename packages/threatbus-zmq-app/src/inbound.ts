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
    return { ok: false, level: 'error', reason: `Error decoding message on topic '${topic}': ${what}` };
  }
  if (isStix && message.type !== 'indicator' && message.type !== 'sighting') {
    return { ok: false, level: 'warn', reason: `Ignoring unknown message type, expected STIX-2 Indicator or Sighting: got a ${message.type} on topic '${topic}'` };
  }
  if (!isStix && message.type !== 'snapshotenvelope') {
    return { ok: false, level: 'warn', reason: `Ignoring unknown message type, expected SnapshotEnvelope: got a ${message.type} on topic '${topic}'` };
  }
  return { ok: true, message };
}

/** Publishes decoded messages without waiting for each one, but bounds how many are unconfirmed. */
export class InboundPublisher {
  private inFlight = 0;
  private waiters: (() => void)[] = [];
  received = 0;
  dropped = 0;

  constructor(
    private readonly publish: (m: Message) => Promise<void>,
    private readonly logger: Logger,
    private readonly maxInFlight = 1024,
  ) {}

  /** Handle one frame; resolves when there is room for the next one. */
  handle(frame: string): Promise<void> | undefined {
    const result = decodeInboundFrame(frame);
    if (!result.ok) {
      this.dropped++;
      this.logger[result.level](result.reason);
      return undefined;
    }
    this.received++;
    if (this.logger.isDebugEnabled()) this.logger.debug('Received message from an app', { type: result.message.type });
    this.inFlight++;
    this.publish(result.message)
      .catch((e) => this.logger.error('Could not publish a message from an app to the bus', { type: result.message.type, error: e }))
      .finally(() => {
        this.inFlight--;
        this.waiters.shift()?.();
      });
    if (this.inFlight < this.maxInFlight) return undefined;
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

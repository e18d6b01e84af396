/**
 * JSON encoding of bus messages (spec/core.md §7, §10): what the RabbitMQ backbone
 * puts in AMQP bodies and the zmq app protocol puts in frames. Encoding writes
 * the original's bytes; decoding accepts any key order and whitespace and
 * reports what is wrong, with a property path.
 */
import { pythonJsonStringify } from './pyjson';
import { stixJson } from '../stix/serialize';
import { parseOwnedStixObject, parseStixObject, describe } from '../stix/parse';
import { StixValidationError } from '../stix/errors';
import { MessageType } from '../messages';
import { createMessageMemo } from './message-memo';
import type { Message, SnapshotEnvelope, SnapshotRequest } from '../messages';
import { ErrorCode, ThreatBusError } from '../errors';

/**
 * A message off the wire could not be decoded. `path` points at the offending
 * property (`body.created`). The only error decodeMessage and toMessage
 * throw, whatever the input; values nested deeper than 64 levels are refused
 * with it (stix/nesting.ts).
 */
export class MessageDecodeError extends ThreatBusError {
  override readonly name = 'MessageDecodeError';
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(ErrorCode.MESSAGE_INVALID, path ? `${path}: ${problem}` : problem);
  }
}

/**
 * A message is encoded once, however many wires it goes out on (every zmq
 * subscriber, every Zeek, RabbitMQ).
 */
const encoded = createMessageMemo<string>('threatbus.encoded');

/**
 * Encode any bus message as the original did. The result is memoised on the
 * message object (messages on the bus do not change); `memoise: false` for
 * objects that may change after encoding, such as an app's own objects in the
 * client library.
 */
export function encodeMessage(message: Message, options?: { memoise?: boolean }): string {
  if (options?.memoise === false) return encodeUncached(message, false);
  let text = encoded.get(message);
  if (text === undefined) {
    text = encodeUncached(message, true);
    encoded.set(message, text);
  }
  return text;
}

/**
 * `memoised`: the body of an envelope may use (and keep) its own memoised
 * encoding, so an envelope around a body whose text is known (a stored
 * object, see decodeEncodedMessage) costs a concatenation.
 */
function encodeUncached(message: Message, memoised: boolean): string {
  switch (message.type) {
    case 'indicator':
    case 'sighting':
      return stixJson(message);
    case 'snapshotrequest':
      return pythonJsonStringify({
        type: 'snapshotrequest',
        snapshot_type: message.snapshot_type,
        snapshot_id: message.snapshot_id,
        snapshot: Math.trunc(message.snapshot),
      });
    case 'snapshotenvelope':
      return `{"type": "snapshotenvelope", "snapshot_type": ${pythonJsonStringify(message.snapshot_type)}, ` +
        `"snapshot_id": ${pythonJsonStringify(message.snapshot_id)}, "body": ${memoised ? encodeMessage(message.body) : stixJson(message.body)}}`;
  }
}

/** Parse JSON text; a syntax error becomes a MessageDecodeError. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new MessageDecodeError('', `malformed JSON: ${(e as Error).message}`);
  }
}

/** Decode JSON text into a validated message. */
export function decodeMessage(text: string): Message {
  // The parsed value is ours alone: checked in place, not copied.
  return checkMessage(parseJson(text), true);
}

/**
 * A message from text this bus encoded itself (encodeMessage's output, kept
 * for instance as a row of the store), with the text kept as the message's
 * encoding: no wire encodes it again, and an envelope around it costs a
 * concatenation. Parsed but NOT validated (only that it is a JSON object
 * with a message type): the text must be what encodeMessage returned for a
 * message that was validated when it entered the bus, or other bytes than
 * the original's would go out on every wire. For any other text, use
 * decodeMessage. Throws MessageDecodeError for malformed JSON or a value
 * that is not a message.
 */
export function decodeEncodedMessage(text: string): Message {
  const value = parseJson(text);
  const type = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
  if (type !== 'indicator' && type !== 'sighting' && type !== 'snapshotrequest' && type !== 'snapshotenvelope') {
    throw new MessageDecodeError('type', `not an encoded bus message (type ${describe(type)})`);
  }
  encoded.set(value as Message, text);
  return value as Message;
}

/** Validate a parsed JSON value as a bus message, dispatching on its `type`. */
export function toMessage(value: unknown): Message {
  return checkMessage(value, false);
}

function checkMessage(value: unknown, owned: boolean): Message {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MessageDecodeError('', `expected a JSON object, got ${describe(value)}`);
  }
  const type = (value as Record<string, unknown>).type;
  switch (type) {
    case 'indicator':
    case 'sighting':
      return stix(value, '', owned);
    case 'snapshotrequest':
      return toSnapshotRequest(value as Record<string, unknown>);
    case 'snapshotenvelope':
      return toSnapshotEnvelope(value as Record<string, unknown>, owned);
    default:
      throw new MessageDecodeError('type', `unknown message type ${describe(type)}; expected indicator, sighting, snapshotrequest or snapshotenvelope`);
  }
}

function stix(value: unknown, prefix: string, owned: boolean) {
  try {
    return owned ? parseOwnedStixObject(value) : parseStixObject(value);
  } catch (e) {
    if (e instanceof StixValidationError) throw new MessageDecodeError(prefix + e.property, e.problem);
    // Nothing else may escape a decoder: whatever input made a check fail is still a bad message.
    throw new MessageDecodeError(prefix.replace(/\.$/, ''), `could not be checked: ${(e as Error)?.message ?? String(e)}`);
  }
}

function snapshotType(v: unknown): MessageType {
  if (v === MessageType.INDICATOR || v === MessageType.SIGHTING) return v;
  throw new MessageDecodeError('snapshot_type', `must be 1 (indicator) or 2 (sighting), got ${describe(v)}`);
}

function snapshotId(v: unknown): string {
  if (typeof v === 'string' && v.length > 0) return v;
  throw new MessageDecodeError('snapshot_id', `must be a non-empty string, got ${describe(v)}`);
}

function toSnapshotRequest(o: Record<string, unknown>): SnapshotRequest {
  const seconds = o.snapshot;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) {
    throw new MessageDecodeError('snapshot', `must be a number of seconds, got ${describe(seconds)}`);
  }
  return { type: 'snapshotrequest', snapshot_type: snapshotType(o.snapshot_type), snapshot_id: snapshotId(o.snapshot_id), snapshot: Math.trunc(seconds) };
}

function toSnapshotEnvelope(o: Record<string, unknown>, owned: boolean): SnapshotEnvelope {
  const type = snapshotType(o.snapshot_type);
  const id = snapshotId(o.snapshot_id);
  if (o.body === undefined) throw new MessageDecodeError('body', 'required property is missing');
  const body = stix(o.body, 'body.', owned);
  const expected = type === MessageType.INDICATOR ? 'indicator' : 'sighting';
  if (body.type !== expected) {
    throw new MessageDecodeError('body.type', `snapshot_type ${type} needs a ${expected}, got ${describe(body.type)}`);
  }
  return { type: 'snapshotenvelope', snapshot_type: type, snapshot_id: id, body };
}

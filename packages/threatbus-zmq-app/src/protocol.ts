/**
 * The ZeroMQ app protocol (spec/zmq-app.md §3–5), shared by the plugin and
 * the client library: management requests and replies, and the single-frame
 * `<topic> <JSON>` messages on the pub/sub sockets.
 *
 * Everything here is pure (no sockets), so it is tested directly against the
 * spec's vectors.
 */
import { ErrorCode, ThreatBusError, pythonJsonStringify, Topic } from 'threatbus';

/** Topic prefixes the plugin's SUB socket listens to (apps → bus). */
export const INBOUND_STIX_PREFIX = 'stix2/';
export const INBOUND_ENVELOPE_TOPIC = Topic.SNAPSHOT_ENVELOPE;

/** Suffixes appended to the p2p topic on frames to apps (bus → apps). */
export const FRAME_SUFFIXES = ['indicator', 'sighting', 'snapshotrequest'] as const;
export type FrameSuffix = (typeof FRAME_SUFFIXES)[number];

export const P2P_TOPIC_LENGTH = 32;
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/**
 * A fresh p2p topic: 32 lower-case letters, as the original. Drawn from
 * crypto-quality randomness (the original used Python's `random`; spec/quirks.md D6):
 * the topic is still no access control, anyone can subscribe to the empty prefix.
 */
export function newP2pTopic(random: (n: number) => Uint8Array): string {
  const bytes = random(P2P_TOPIC_LENGTH * 2);
  let out = '';
  // Rejection sampling keeps the letters uniform: 26 * 9 = 234 ≤ 256.
  for (let i = 0; i < bytes.length && out.length < P2P_TOPIC_LENGTH; i++) {
    if (bytes[i] < 234) out += LETTERS[bytes[i] % 26];
  }
  return out.length === P2P_TOPIC_LENGTH ? out : out + newP2pTopic(random).slice(out.length);
}

export function isP2pTopic(value: unknown): value is string {
  return typeof value === 'string' && /^[a-z]{32}$/.test(value);
}

// ------------------------------------------------------------ management

export type ManagementRequest =
  | { action: 'subscribe'; topics: string[]; snapshotDays: number }
  | { action: 'unsubscribe'; p2pTopic: string }
  | { action: 'heartbeat'; p2pTopic: string };

/** Why a request was refused; `reply` is what the original answered in that case. */
export class ManagementRequestError extends ThreatBusError {
  override readonly name = 'ManagementRequestError';
  constructor(
    message: string,
    readonly reply: 'error' | 'unknown request',
  ) {
    super(ErrorCode.REQUEST_INVALID, message);
  }
}

/**
 * Python's `int(x)` on a JSON value, the original's conversion of `snapshot`:
 * numbers truncate toward zero, booleans are 0/1, strings must spell an
 * integer. Anything else throws (the original replied `error`).
 */
export function pythonInt(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && /^\s*[+-]?\d+(_\d+)*\s*$/.test(value)) return Number(value.replace(/_/g, '').trim());
  throw new TypeError(`not an integer: ${describeValue(value)}`);
}

/** A short description of a value from the wire, for error messages; never walks nested structures. */
export function describeValue(v: unknown): string {
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === 'object' && v !== null) return 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? v.slice(0, 60) + '...' : v);
  return String(v);
}

function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object' && v !== null) return Object.keys(v).length > 0;
  return v !== undefined && v !== null && v !== false && v !== 0 && v !== '';
}

/**
 * Parse one management frame (spec §3.2). Throws ManagementRequestError with
 * the reply the original gave. Deliberate changes (spec/quirks.md D3, D5): `snapshot`
 * is only looked at for `subscribe`, and must not be negative; a topic list
 * with a non-string element is refused before anything is registered.
 */
export function parseManagementRequest(frame: string): ManagementRequest {
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch (e) {
    throw new ManagementRequestError(`not JSON: ${(e as Error).message}`, 'error');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ManagementRequestError(`expected a JSON object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`, 'error');
  }
  const { action, topic, snapshot } = value as Record<string, unknown>;
  if (action === 'subscribe') {
    // As the original: a bad snapshot is an error even before the topic is looked at.
    let days = 0;
    if (snapshot !== undefined) {
      try {
        days = pythonInt(snapshot);
      } catch {
        throw new ManagementRequestError(`'snapshot' must be a whole number of days, got ${describeValue(snapshot)}`, 'error');
      }
      if (days < 0) throw new ManagementRequestError(`'snapshot' must not be negative, got ${days}`, 'error');
    }
    if (!truthy(topic)) throw new ManagementRequestError("subscribe needs a 'topic' (a string or a non-empty list of strings)", 'unknown request');
    const topics = typeof topic === 'string' ? [topic] : Array.isArray(topic) ? topic : undefined;
    if (!topics) throw new ManagementRequestError(`'topic' must be a string or a list of strings, got ${typeof topic}`, 'error');
    const bad = topics.findIndex((t) => typeof t !== 'string');
    if (bad >= 0) throw new ManagementRequestError(`'topic[${bad}]' must be a string, got ${describeValue(topics[bad])}`, 'error');
    return { action, topics: [...new Set(topics as string[])], snapshotDays: days };
  }
  if (action === 'unsubscribe' || action === 'heartbeat') {
    if (!truthy(topic)) throw new ManagementRequestError(`${action} needs a 'topic' (the p2p topic)`, 'unknown request');
    if (typeof topic !== 'string') throw new ManagementRequestError(`${action}: 'topic' must be the p2p topic string, got ${describeValue(topic)}`, 'error');
    return { action, p2pTopic: topic };
  }
  throw new ManagementRequestError(`unknown action ${action === undefined ? 'missing' : describeValue(action)}; expected subscribe, unsubscribe or heartbeat`, 'unknown request');
}

export interface SubscribeReply {
  topic: string;
  pub_port: number;
  sub_port: number;
  status: 'success';
}

export type StatusReply = { status: 'success' | 'error' | 'unknown request' };

/** Replies in the original's bytes: Python separators, key order topic, pub_port, sub_port, status. */
export function encodeSubscribeReply(p2pTopic: string, pubPort: number, subPort: number): string {
  return pythonJsonStringify({ topic: p2pTopic, pub_port: pubPort, sub_port: subPort, status: 'success' });
}

export function encodeStatusReply(status: StatusReply['status'], reason?: string): string {
  // `reason` only on refusals the original did not have (limits); apps read `status` alone.
  return pythonJsonStringify(reason === undefined ? { status } : { status, reason });
}

// ------------------------------------------------------------------ frames

/** Split `<topic> <payload>` at the first space; undefined when there is none. */
export function splitFrame(frame: string): { topic: string; payload: string } | undefined {
  const i = frame.indexOf(' ');
  if (i < 0) return undefined;
  return { topic: frame.slice(0, i), payload: frame.slice(i + 1) };
}

/** The frame the plugin publishes to an app: `<p2p><suffix> <json>`. */
export function encodeAppFrame(p2pTopic: string, suffix: FrameSuffix, json: string): string {
  return p2pTopic + suffix + ' ' + json;
}

/**
 * The WebSocket JSON v1 envelopes (spec/zeek-websocket.md §1–2) and the Zeek
 * event layout inside data messages (§4):
 *
 *     [count 1 (format), count 1 (event), [string name, vector args, vector metadata?]]
 *
 * `metadata` is a vector of `[count key, value]` pairs; key 1 is the network
 * timestamp, which Zeek ≥ 6 always sends.
 */
import { B, BrokerDecodeError, decodeBrokerData, encodeBrokerDataMembers } from './broker-data';
import type { BrokerData, DecodeOptions } from './broker-data';
import { isLosslessObject, parseLosslessJson } from './lossless-json';
import { ErrorCode, ThreatBusError } from 'threatbus';

export interface ZeekEvent {
  name: string;
  args: BrokerData[];
  /** `[key, value]` pairs; absent when the sender sent none. */
  metadata?: [bigint, BrokerData][];
}

/** Metadata key of the network timestamp. */
export const METADATA_NETWORK_TIMESTAMP = 1n;

export type ServerMessage =
  | { type: 'ack'; endpoint: string; version: string }
  | { type: 'data-message'; topic: string; data: BrokerData }
  | { type: 'error'; code: string; context: string };

/** A frame that is not a valid server message; `reason` says what was wrong. */
export class ProtocolError extends ThreatBusError {
  constructor(readonly reason: string) {
    super(ErrorCode.PROTOCOL_VIOLATION, reason);
    this.name = 'ProtocolError';
  }
}

export function eventToData(event: ZeekEvent): BrokerData {
  const inner = [B.string(event.name), B.vector(event.args)];
  if (event.metadata) inner.push(B.vector(event.metadata.map(([k, v]) => B.vector([B.count(k), v]))));
  return B.vector([B.count(1), B.count(1), B.vector(inner)]);
}

/** The event in a data value, or a BrokerDecodeError saying why it is none. */
export function dataToEvent(data: BrokerData): ZeekEvent {
  const fail = (problem: string): never => {
    throw new BrokerDecodeError('event', problem);
  };
  if (data.type !== 'vector' || data.value.length !== 3) return fail('not a Zeek message: expected a vector [format, type, content]');
  const [format, kind, content] = data.value;
  if (format.type !== 'count' || format.value !== 1n) return fail('unsupported message format (expected count 1)');
  if (kind.type !== 'count') return fail('message type is not a count');
  if (kind.value !== 1n) return fail(`not an event (message type ${kind.value})`);
  if (content.type !== 'vector' || content.value.length < 2 || content.value.length > 3) {
    return fail('event content must be a vector [name, args, metadata?]');
  }
  const [name, args, metadata] = content.value;
  if (name.type !== 'string') return fail('event name is not a string');
  if (args.type !== 'vector') return fail(`arguments of ${name.value} are not a vector`);
  const event: ZeekEvent = { name: name.value, args: args.value };
  if (metadata) {
    if (metadata.type !== 'vector') return fail(`metadata of ${name.value} is not a vector`);
    event.metadata = metadata.value.map((entry) => {
      if (entry.type !== 'vector' || entry.value.length !== 2 || entry.value[0].type !== 'count') {
        return fail(`metadata of ${name.value} must hold [count, value] pairs`);
      }
      return [entry.value[0].value, entry.value[1]];
    });
  }
  return event;
}

/** `{"type":"data-message","topic":…,"@data-type":…,"data":…}`, in Broker's key order. */
export function encodeDataMessage(topic: string, data: BrokerData): string {
  return `{"type":"data-message","topic":${JSON.stringify(topic)},${encodeBrokerDataMembers(data)}}`;
}

export function encodeEventMessage(topic: string, event: ZeekEvent): string {
  return encodeDataMessage(topic, eventToData(event));
}

/** The client's first frame: the topic prefixes it subscribes to. */
export function encodeHandshake(subscriptions: string[]): string {
  return JSON.stringify(subscriptions);
}

/** Decode one text frame from the server. Throws ProtocolError naming what was wrong. */
export function decodeServerMessage(text: string, options?: DecodeOptions): ServerMessage {
  let json;
  try {
    json = parseLosslessJson(text);
  } catch (e) {
    throw new ProtocolError(`malformed JSON (${(e as Error).message})`);
  }
  if (!isLosslessObject(json)) throw new ProtocolError('expected a JSON object');
  const { type } = json;
  switch (type) {
    case 'ack': {
      const { endpoint, version } = json;
      if (typeof endpoint !== 'string' || typeof version !== 'string') throw new ProtocolError('ack without string "endpoint" and "version"');
      return { type, endpoint, version };
    }
    case 'error': {
      const { code, context } = json;
      if (typeof code !== 'string') throw new ProtocolError('error message without a string "code"');
      return { type, code, context: typeof context === 'string' ? context : '' };
    }
    case 'data-message': {
      const { topic } = json;
      if (typeof topic !== 'string') throw new ProtocolError('data message without a string "topic"');
      try {
        return { type, topic, data: decodeBrokerData(json, options, 'message') };
      } catch (e) {
        if (e instanceof BrokerDecodeError) throw new ProtocolError(`invalid data on topic ${topic}: ${e.message}`);
        throw e;
      }
    }
    default:
      throw new ProtocolError(`unknown message type ${JSON.stringify(type)}`);
  }
}

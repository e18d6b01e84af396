/**
 * Broker's JSON data model (spec/zeek-websocket.md §3): every value is
 * `{"@data-type": T, "data": V}`. Values are decoded into a tagged union
 * that loses nothing: counts and integers are bigints (Broker's are 64-bit),
 * timestamps and timespans are nanoseconds.
 *
 * Decoding is as strict as Broker's own decoder; the fake Zeek server in the
 * tests uses the same code with `strict: true` to refuse what Zeek refuses.
 */
import { isIP } from 'node:net';
import { JsonNumber, isLosslessObject, parseLosslessJson } from './lossless-json';
import type { LosslessJson } from './lossless-json';
import { formatBrokerTimespan, formatBrokerTimestamp, parseBrokerTimespan, parseBrokerTimestamp } from './broker-time';
import { ErrorCode, ThreatBusError } from 'threatbus';

export type BrokerTableEntry = { key: BrokerData; value: BrokerData };

export type BrokerData =
  | { type: 'none' }
  | { type: 'boolean'; value: boolean }
  | { type: 'count'; value: bigint }
  | { type: 'integer'; value: bigint }
  | { type: 'real'; value: number }
  | { type: 'timespan'; ns: bigint }
  | { type: 'timestamp'; ns: bigint }
  | { type: 'string'; value: string }
  | { type: 'enum-value'; value: string }
  | { type: 'address'; value: string }
  | { type: 'subnet'; value: string }
  | { type: 'port'; value: string }
  | { type: 'vector'; value: BrokerData[] }
  | { type: 'set'; value: BrokerData[] }
  | { type: 'table'; value: BrokerTableEntry[] };

export type BrokerType = BrokerData['type'];
export const BROKER_TYPES: readonly BrokerType[] = [
  'none', 'boolean', 'count', 'integer', 'real', 'timespan', 'timestamp', 'string',
  'enum-value', 'address', 'subnet', 'port', 'vector', 'set', 'table',
];

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

/** Short constructors, e.g. `B.vector([B.string('x'), B.count(1)])`. */
export const B = {
  none: (): BrokerData => ({ type: 'none' }),
  boolean: (value: boolean): BrokerData => ({ type: 'boolean', value }),
  count: (value: number | bigint): BrokerData => ({ type: 'count', value: BigInt(value) }),
  integer: (value: number | bigint): BrokerData => ({ type: 'integer', value: BigInt(value) }),
  real: (value: number): BrokerData => ({ type: 'real', value }),
  timespan: (ns: bigint): BrokerData => ({ type: 'timespan', ns }),
  timestamp: (ns: bigint): BrokerData => ({ type: 'timestamp', ns }),
  string: (value: string): BrokerData => ({ type: 'string', value }),
  enumValue: (value: string): BrokerData => ({ type: 'enum-value', value }),
  address: (value: string): BrokerData => ({ type: 'address', value }),
  subnet: (value: string): BrokerData => ({ type: 'subnet', value }),
  port: (value: string): BrokerData => ({ type: 'port', value }),
  vector: (value: BrokerData[]): BrokerData => ({ type: 'vector', value }),
  set: (value: BrokerData[]): BrokerData => ({ type: 'set', value }),
  table: (value: BrokerTableEntry[]): BrokerData => ({ type: 'table', value }),
};

export class BrokerDecodeError extends ThreatBusError {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(ErrorCode.MESSAGE_INVALID, `${path}: ${problem}`);
    this.name = 'BrokerDecodeError';
  }
}

export interface DecodeOptions {
  /**
   * Refuse what Broker's decoder refuses although it is harmless to us:
   * reals written without fraction or exponent (`2`), the `d` timespan unit.
   * Off by default: the plugin reads what Zeek sends, which is always valid.
   */
  strict?: boolean;
}

function describe(v: LosslessJson | undefined): string {
  if (v === undefined) return 'nothing';
  if (v instanceof JsonNumber) return v.raw;
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function isValidSubnet(text: string): boolean {
  const slash = text.lastIndexOf('/');
  if (slash < 0) return false;
  const family = isIP(text.slice(0, slash));
  const len = text.slice(slash + 1);
  if (!family || !/^\d{1,3}$/.test(len)) return false;
  return Number(len) <= (family === 4 ? 32 : 128);
}

const PORT_RE = /^(\d{1,5})(?:\/(tcp|udp|icmp|\?))?$/;

/** Decode one `{"@data-type", "data"}` object; `path` names it in errors. */
export function decodeBrokerData(json: LosslessJson | undefined, options: DecodeOptions = {}, path = '$'): BrokerData {
  if (!isLosslessObject(json)) throw new BrokerDecodeError(path, `expected a {"@data-type", "data"} object, got ${describe(json)}`);
  const type = json['@data-type'];
  const data = json.data;
  if (typeof type !== 'string') throw new BrokerDecodeError(path, `"@data-type" must be a string, got ${describe(type)}`);
  if (!('data' in json)) throw new BrokerDecodeError(path, `"data" is missing`);
  const bad = (expected: string): never => {
    throw new BrokerDecodeError(`${path}.data`, `${type} needs ${expected}, got ${describe(data)}`);
  };
  switch (type) {
    case 'none':
      return { type };
    case 'boolean':
      return typeof data === 'boolean' ? { type, value: data } : bad('true or false');
    case 'count':
    case 'integer': {
      if (!(data instanceof JsonNumber) || !data.isInteger) return bad('a JSON integer');
      const value = data.toBigInt();
      const [min, max] = type === 'count' ? [0n, U64_MAX] : [I64_MIN, I64_MAX];
      if (value < min || value > max) return bad(type === 'count' ? 'an unsigned 64-bit integer' : 'a signed 64-bit integer');
      return { type, value };
    }
    case 'real': {
      if (!(data instanceof JsonNumber)) return bad('a JSON number');
      if (options.strict && data.isInteger) return bad('a number with a fraction or exponent (2.0, not 2)');
      const value = data.toNumber();
      return Number.isFinite(value) ? { type, value } : bad('a finite number');
    }
    case 'timespan': {
      const ns = typeof data === 'string' ? parseBrokerTimespan(data, !options.strict) : undefined;
      return ns === undefined ? bad('a string like "1500ms" (units ns, us, ms, s, min, h)') : { type, ns };
    }
    case 'timestamp': {
      const ns = typeof data === 'string' ? parseBrokerTimestamp(data) : undefined;
      return ns === undefined ? bad('an ISO-8601 string like "2023-11-14T22:13:20.123"') : { type, ns };
    }
    case 'string':
    case 'enum-value':
      return typeof data === 'string' ? { type, value: data } : bad('a string');
    case 'address':
      return typeof data === 'string' && isIP(data) ? { type, value: data } : bad('an IPv4 or IPv6 address');
    case 'subnet':
      return typeof data === 'string' && isValidSubnet(data) ? { type, value: data } : bad('a subnet like "10.0.0.0/8"');
    case 'port': {
      const m = typeof data === 'string' ? PORT_RE.exec(data) : null;
      return m && Number(m[1]) <= 65535 ? { type, value: data as string } : bad('a port like "53/udp"');
    }
    case 'vector':
    case 'set': {
      if (!Array.isArray(data)) return bad('an array');
      return { type, value: data.map((item, i) => decodeBrokerData(item, options, `${path}.data[${i}]`)) };
    }
    case 'table': {
      if (!Array.isArray(data)) return bad('an array of {"key", "value"} objects');
      return {
        type,
        value: data.map((entry, i) => {
          if (!isLosslessObject(entry)) throw new BrokerDecodeError(`${path}.data[${i}]`, `expected a {"key", "value"} object, got ${describe(entry)}`);
          return {
            key: decodeBrokerData(entry.key, options, `${path}.data[${i}].key`),
            value: decodeBrokerData(entry.value, options, `${path}.data[${i}].value`),
          };
        }),
      };
    }
    default:
      throw new BrokerDecodeError(path, `unknown "@data-type" ${JSON.stringify(type)}`);
  }
}

/** Parse JSON text holding one data object. */
export function parseBrokerData(text: string, options?: DecodeOptions): BrokerData {
  return decodeBrokerData(parseLosslessJson(text), options);
}

/**
 * A real as JSON text that keeps its decimal point: Broker refuses `2` for a
 * real (type clash), so `2` is written `2.0`; `1e300` keeps its exponent.
 */
export function formatReal(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`a Broker real must be finite, got ${value}`);
  const text = String(value);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

/** The data value (`"data": …`) as JSON text. */
function encodeValue(d: BrokerData): string {
  switch (d.type) {
    case 'none':
      return '{}';
    case 'boolean':
      return d.value ? 'true' : 'false';
    case 'count':
    case 'integer':
      return d.value.toString();
    case 'real':
      return formatReal(d.value);
    case 'timespan':
      return JSON.stringify(formatBrokerTimespan(d.ns));
    case 'timestamp':
      return JSON.stringify(formatBrokerTimestamp(d.ns));
    case 'string':
    case 'enum-value':
    case 'address':
    case 'subnet':
    case 'port':
      return JSON.stringify(d.value);
    case 'vector':
    case 'set':
      return `[${d.value.map(encodeBrokerData).join(',')}]`;
    case 'table':
      return `[${d.value.map((e) => `{"key":${encodeBrokerData(e.key)},"value":${encodeBrokerData(e.value)}}`).join(',')}]`;
  }
}

/** Compact JSON in Broker's key order: `{"@data-type":"…","data":…}`. */
export function encodeBrokerData(d: BrokerData): string {
  return `{"@data-type":"${d.type}","data":${encodeValue(d)}}`;
}

/** The `"@data-type":…,"data":…` members, for envelopes that flatten the data object into themselves. */
export function encodeBrokerDataMembers(d: BrokerData): string {
  return `"@data-type":"${d.type}","data":${encodeValue(d)}`;
}

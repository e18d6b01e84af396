/**
 * Broker `timestamp` and `timespan` values, held as nanoseconds (bigint) so
 * nothing is rounded on the way through; Broker itself counts nanoseconds.
 *
 * Wire forms (spec/zeek-websocket.md §3): a timestamp is ISO-8601
 * `YYYY-MM-DDThh:mm:ss[.fraction][Z|±hh:mm]` (no zone = UTC; Broker answers
 * in UTC, truncated to milliseconds, without a zone); a timespan is
 * `<number><unit>` with units ns, us, ms, s, min, h (and d, which Broker's
 * documentation names but its parser refuses).
 */

const NS_PER_MS = 1_000_000n;
const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?$/;
const TIMESPAN_RE = /^(-?)(\d+)(?:\.(\d+))?(ns|us|ms|s|min|h|d)$/;

export const TIMESPAN_UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  ms: NS_PER_MS,
  s: 1_000_000_000n,
  min: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
};

/** Nanoseconds since the epoch, or undefined when `text` is not a Broker timestamp. */
export function parseBrokerTimestamp(text: string): bigint | undefined {
  const m = TIMESTAMP_RE.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return undefined;
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  let ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC maps years 0–99 to 1900–1999.
  if (year < 100) ms = new Date(ms).setUTCFullYear(year);
  const zone = m[8];
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const [zh, zm] = zone.slice(1).split(':').map(Number);
    if (zh > 23 || zm > 59) return undefined;
    ms -= sign * (zh * 60 + zm) * 60_000;
  }
  // Digits beyond nanoseconds are dropped, as Broker truncates.
  const fraction = BigInt((m[7] ?? '').slice(0, 9).padEnd(9, '0'));
  return BigInt(ms) * NS_PER_MS + fraction;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

/**
 * Broker's wire form `YYYY-MM-DDThh:mm:ss.fff[ffffff]`, UTC, no zone: the
 * fraction keeps sub-millisecond digits only when they are not zero.
 */
export function formatBrokerTimestamp(ns: bigint): string {
  const ms = floorDiv(ns, NS_PER_MS);
  const subMs = ns - ms * NS_PER_MS;
  const iso = new Date(Number(ms)).toISOString().slice(0, -1); // drop the Z
  if (subMs === 0n) return iso;
  return iso + subMs.toString().padStart(6, '0').replace(/0+$/, '');
}

/** STIX form (`…T15:15:58.919Z`, millisecond precision, as the original's last_seen). */
export function brokerTimestampToStix(ns: bigint): string {
  return new Date(Number(floorDiv(ns, NS_PER_MS))).toISOString();
}

/** A STIX/RFC 3339 timestamp to nanoseconds (keeps sub-millisecond digits). */
export function stixToBrokerTimestamp(stix: string): bigint {
  const ns = parseBrokerTimestamp(stix);
  if (ns === undefined) throw new RangeError(`not a timestamp: ${JSON.stringify(stix)}`);
  return ns;
}

/** Nanoseconds, or undefined when `text` is not a timespan. `allowDays`: accept the `d` unit Broker's parser refuses. */
export function parseBrokerTimespan(text: string, allowDays = true): bigint | undefined {
  const m = TIMESPAN_RE.exec(text);
  if (!m) return undefined;
  const [, sign, whole, fraction, unit] = m;
  if (unit === 'd' && !allowDays) return undefined;
  const unitNs = TIMESPAN_UNIT_NS[unit];
  let ns = BigInt(whole) * unitNs;
  if (fraction) {
    const scale = 10n ** BigInt(fraction.length);
    ns += (BigInt(fraction) * unitNs) / scale;
  }
  return sign ? -ns : ns;
}

/** The largest exact unit of ns/us/ms/s, as Broker emits it (`1500ms`, `5400s`, `0s`). */
export function formatBrokerTimespan(ns: bigint): string {
  if (ns === 0n) return '0s';
  for (const unit of ['s', 'ms', 'us'] as const) {
    const u = TIMESPAN_UNIT_NS[unit];
    if (ns % u === 0n) return `${ns / u}${unit}`;
  }
  return `${ns}ns`;
}

/** Seconds as a JS number (for snapshot lengths and JSON context values). */
export function timespanToSeconds(ns: bigint): number {
  return Number(ns) / 1e9;
}

export function secondsToTimespan(seconds: number): bigint {
  return BigInt(Math.round(seconds * 1e9));
}

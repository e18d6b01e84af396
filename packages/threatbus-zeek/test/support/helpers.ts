/** Test helpers: vector-format values; waiting and log records from the kit (threatbus/testing). */
import { B } from '../../src/broker-data';
import type { BrokerData } from '../../src/broker-data';
import { parseBrokerTimestamp, secondsToTimespan } from '../../src/broker-time';

export { sleep, waitFor } from 'threatbus/testing';
export type { LogRecord } from 'threatbus/testing';

/**
 * The vectors' notation for Broker values (spec/vectors/README.md): `{"@time"}`,
 * `{"@timespan_seconds"}`, `{"@count"}`; JSON arrays are vectors, objects are
 * tables, integers are Broker integers (Python int), other numbers reals.
 */
export function fromVectorNotation(v: unknown): BrokerData {
  if (v === null) return B.none();
  if (typeof v === 'boolean') return B.boolean(v);
  if (typeof v === 'string') return B.string(v);
  if (typeof v === 'number') return Number.isInteger(v) ? B.integer(v) : B.real(v);
  if (Array.isArray(v)) return B.vector(v.map(fromVectorNotation));
  const o = v as Record<string, unknown>;
  if (typeof o['@time'] === 'string') {
    const ns = parseBrokerTimestamp(o['@time']);
    if (ns === undefined) throw new Error(`bad @time ${o['@time']}`);
    return B.timestamp(ns);
  }
  if (typeof o['@timespan_seconds'] === 'number') return B.timespan(secondsToTimespan(o['@timespan_seconds']));
  if (typeof o['@count'] === 'number') return B.count(o['@count']);
  return B.table(Object.entries(o).map(([k, val]) => ({ key: B.string(k), value: fromVectorNotation(val) })));
}

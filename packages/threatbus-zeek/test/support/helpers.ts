/** Test helpers: a logger that records, polling, a probe app on the bus, vector-format values. */
import { defineAppPlugin } from 'threatbus';
import type { AppBus, Indicator, Logger, LogMeta, Message, SnapshotReply, SnapshotRequest } from 'threatbus';
import { B } from '../../src';
import type { BrokerData } from '../../src';
import { parseBrokerTimestamp, secondsToTimespan } from '../../src';

export interface LogRecord {
  level: 'debug' | 'info' | 'warn' | 'error' | 'critical';
  message: string;
  meta?: LogMeta;
}

export function recordingLogger(records: LogRecord[] = []): Logger & { records: LogRecord[] } {
  const make = (): Logger & { records: LogRecord[] } => ({
    records,
    debug: (message, meta) => records.push({ level: 'debug', message, meta }),
    info: (message, meta) => records.push({ level: 'info', message, meta }),
    warn: (message, meta) => records.push({ level: 'warn', message, meta }),
    error: (message, meta) => records.push({ level: 'error', message, meta }),
    critical: (message, meta) => records.push({ level: 'critical', message, meta }),
    child: () => make(),
    isDebugEnabled: () => true,
  });
  return make();
}

import { waitFor as poll } from '../../../../tools/wait';

export { sleep } from '../../../../tools/wait';

/** Zeek's tests wait 10 s at most by default. */
export const waitFor = (what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> => poll(what, check, timeoutMs, 10);

/**
 * An app on the same bus: publishes what the test gives it, records
 * sightings, and answers indicator snapshots with `history`.
 */
export function probeApp(history: Indicator[] = []) {
  const sightings: Message[] = [];
  const snapshotRequests: SnapshotRequest[] = [];
  let bus: AppBus | undefined;
  const definition = defineAppPlugin({
    name: 'probe',
    create: (ctx) => {
      bus = ctx.bus;
      return {
        start: async () => {
          ctx.bus.subscribe('stix2/sighting', { push: (m) => sightings.push(m) });
        },
        stop: async () => {},
        snapshot: async (request: SnapshotRequest, reply: SnapshotReply) => {
          snapshotRequests.push(request);
          if (request.snapshot_type === 1) for (const i of history) await reply.send(i);
        },
      };
    },
  });
  return {
    definition,
    sightings,
    snapshotRequests,
    publish: (m: Message) => {
      if (!bus) throw new Error('bus not started');
      return bus.publish(m);
    },
  };
}

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

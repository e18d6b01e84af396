/**
 * Events Zeek sends to Threat Bus (spec/zeek.md §5, §7): `<NS>::sighting`, and the
 * management events `<NS>::subscribe` / `<NS>::unsubscribe`.
 *
 * Name matching as the original: a `<NS>::` prefix is stripped, names without
 * any namespace are accepted too, other namespaces are not; the number of
 * arguments must match exactly.
 */
import { createSighting, isStixId } from 'threatbus';
import type { Sighting } from 'threatbus';
import type { BrokerData } from './broker-data';
import { brokerTimestampToStix, timespanToSeconds } from './broker-time';
import type { ZeekEvent } from './messages';
import { brokerToJson } from './to-json';

/** The event name without `<namespace>::`, or undefined for another namespace. */
export function localEventName(name: string, namespace: string): string | undefined {
  if (namespace && name.startsWith(`${namespace}::`)) return name.slice(namespace.length + 2);
  return name.includes('::') ? undefined : name;
}

export type SightingResult = { ok: true; sighting: Sighting } | { ok: false; reason: string };

/** `<NS>::sighting(ts: time, intel_id: string, context: table[string] of any)` → STIX-2.1 Sighting. */
export function eventToSighting(event: ZeekEvent, namespace: string): SightingResult {
  if (localEventName(event.name, namespace) !== 'sighting') return { ok: false, reason: `not a sighting event: ${event.name}` };
  if (event.args.length !== 3) return { ok: false, reason: `${event.name} needs 3 arguments (ts, intel_id, context), got ${event.args.length}` };
  const [ts, intelId, context] = event.args;
  if (ts.type !== 'timestamp') return { ok: false, reason: `${event.name}: ts must be a time, got ${ts.type}` };
  if (intelId.type !== 'string') return { ok: false, reason: `${event.name}: intel_id must be a string, got ${intelId.type}` };
  if (!isStixId(intelId.value)) return { ok: false, reason: `${event.name}: intel_id ${JSON.stringify(intelId.value)} is not a STIX id` };
  try {
    const sighting = createSighting({
      last_seen: brokerTimestampToStix(ts.ns),
      sighting_of_ref: intelId.value,
      x_threatbus_sighting_context: brokerToJson(context),
    });
    return { ok: true, sighting };
  } catch (e) {
    return { ok: false, reason: `${event.name}: ${(e as Error).message}` };
  }
}

export type ManagementRequest =
  | { kind: 'Subscription'; topic: string; snapshotSeconds: number }
  | { kind: 'Unsubscription'; topic: string };

/** `<NS>::subscribe(topic, snapshot_intel: interval)` / `<NS>::unsubscribe(topic)`; undefined for anything else. */
export function eventToManagement(event: ZeekEvent, namespace: string): ManagementRequest | undefined {
  const local = localEventName(event.name, namespace);
  const str = (d: BrokerData | undefined): string | undefined => (d?.type === 'string' && d.value !== '' ? d.value : undefined);
  if (local === 'subscribe' && event.args.length === 2) {
    const topic = str(event.args[0]);
    const span = event.args[1];
    if (topic === undefined || span.type !== 'timespan') return undefined;
    return { kind: 'Subscription', topic, snapshotSeconds: timespanToSeconds(span.ns) };
  }
  if (local === 'unsubscribe' && event.args.length === 1) {
    const topic = str(event.args[0]);
    return topic === undefined ? undefined : { kind: 'Unsubscription', topic };
  }
  return undefined;
}

/**
 * How a STIX object becomes a row. Timestamps are kept twice: as
 * milliseconds (windows, expiry, retention) and, for `modified`, as a
 * fixed-width string, because STIX allows sub-millisecond digits and
 * "newest modified wins" must compare them exactly.
 */
import { encodeMessage, parseStixTimestamp } from 'threatbus';
import type { Indicator, Sighting } from 'threatbus';

export const ObjectKind = { INDICATOR: 1, SIGHTING: 2 } as const;
export type ObjectKind = (typeof ObjectKind)[keyof typeof ObjectKind];

export interface ObjectRow {
  id: string;
  kind: ObjectKind;
  /** max(created, modified) in ms: what snapshot windows, retention and eviction look at. */
  changed: number;
  /** `modified` with its fraction padded to 9 digits, so strings compare like instants. */
  modified: string;
  /** valid_until in ms, null when open-ended (sightings: always null). */
  valid_until: number | null;
  /** 1 for a removal (tombstone). */
  removed: 0 | 1;
  /** The object as it travels on the wire (the core's encoding). */
  body: string;
}

/** `2021-01-01T00:00:00Z` → `2021-01-01T00:00:00.000000000Z` (more than 9 fraction digits are cut). */
export function sortableTimestamp(ts: string): string {
  const dot = ts.indexOf('.', 19);
  const fraction = dot === -1 ? '' : ts.slice(dot + 1, ts.length - 1);
  return `${ts.slice(0, 19)}.${(fraction + '000000000').slice(0, 9)}Z`;
}

export function toRow(obj: Indicator | Sighting): ObjectRow {
  return rowWithBody(obj, encodeMessage(obj));
}

/** The row of `obj` whose wire text is at hand (the write worker gets objects as text). */
export function rowWithBody(obj: Indicator | Sighting, body: string): ObjectRow {
  const modified = parseStixTimestamp(obj.modified);
  const created = parseStixTimestamp(obj.created);
  const isIndicator = obj.type === 'indicator';
  return {
    id: obj.id,
    kind: isIndicator ? ObjectKind.INDICATOR : ObjectKind.SIGHTING,
    changed: Math.max(created, modified),
    modified: sortableTimestamp(obj.modified),
    valid_until: isIndicator && obj.valid_until !== undefined ? parseStixTimestamp(obj.valid_until) : null,
    removed: isIndicator && obj.x_threatbus_update === 'REMOVE' ? 1 : 0,
    body,
  };
}

/**
 * The properties a row is made of, flattened into strings: what the bus's
 * thread sends the write worker with each body, so the worker need not parse
 * the body again.
 */
export const HEAD_FIELDS = 6;

export function pushHead(out: string[], obj: Indicator | Sighting): void {
  const indicator = obj.type === 'indicator';
  // Only fields whose format is validated (no line feed: batches travel joined by them), and the removal as a flag.
  out.push(obj.id, obj.type, obj.created, obj.modified, (indicator && obj.valid_until) || '', indicator && obj.x_threatbus_update === 'REMOVE' ? 'REMOVE' : '');
}

/** The row of the `index`th object of a batch sent as heads and bodies (as rowWithBody, without building an object first). */
export function rowFromHead(heads: readonly string[], index: number, body: string): ObjectRow {
  const at = index * HEAD_FIELDS;
  const isIndicator = heads[at + 1] === 'indicator';
  const created = heads[at + 2];
  const modified = heads[at + 3];
  const modifiedMs = parseStixTimestamp(modified);
  const validUntil = heads[at + 4];
  return {
    id: heads[at],
    kind: isIndicator ? ObjectKind.INDICATOR : ObjectKind.SIGHTING,
    // created is usually modified: parse it once then.
    changed: created === modified ? modifiedMs : Math.max(parseStixTimestamp(created), modifiedMs),
    modified: sortableTimestamp(modified),
    valid_until: isIndicator && validUntil ? parseStixTimestamp(validUntil) : null,
    removed: isIndicator && heads[at + 5] === 'REMOVE' ? 1 : 0,
    body,
  };
}

/**
 * The fast encoder (stixJson: wire order written straight from the object)
 * must produce exactly the bytes of the straightforward one it replaced:
 * an ordered copy (orderStixProperties) written by pythonJsonStringify.
 * Checked on every STIX object and message in the spec vectors and on
 * generated objects with the awkward cases (custom keys out of order,
 * undefined and function values, nested STIX objects, non-ASCII text,
 * objects built in any key order).
 */
import { readdirSync } from 'node:fs';
import { loadVectors, VECTORS_DIR } from '../../../tools/vectors';
import { encodeMessage, orderStixProperties, pythonJsonStringify, serializeStix } from '../src';
import type { Message, StixObject } from '../src';

/** What encodeMessage wrote before the fast encoder. */
function reference(m: Message): string {
  switch (m.type) {
    case 'indicator':
    case 'sighting':
      return pythonJsonStringify(orderStixProperties(m));
    case 'snapshotrequest':
      return pythonJsonStringify({ type: 'snapshotrequest', snapshot_type: m.snapshot_type, snapshot_id: m.snapshot_id, snapshot: Math.trunc(m.snapshot) });
    case 'snapshotenvelope':
      return pythonJsonStringify({ type: 'snapshotenvelope', snapshot_type: m.snapshot_type, snapshot_id: m.snapshot_id, body: orderStixProperties(m.body) });
  }
}

/** Every object in the vectors that looks like a STIX indicator or sighting. */
function stixObjectsIn(value: unknown, found: StixObject[] = []): StixObject[] {
  if (Array.isArray(value)) for (const v of value) stixObjectsIn(v, found);
  else if (typeof value === 'object' && value !== null) {
    const rec = value as Record<string, unknown>;
    if (rec.type === 'indicator' || rec.type === 'sighting') found.push(rec as unknown as StixObject);
    for (const v of Object.values(rec)) stixObjectsIn(v, found);
  }
  return found;
}

const vectorObjects: StixObject[] = readdirSync(VECTORS_DIR)
  .filter((f) => f.endsWith('.json'))
  .flatMap((f) => stixObjectsIn(loadVectors(f)));

const shuffled = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).reverse());

const generated: StixObject[] = [
  {
    x_threatbus_update: 'REMOVE', pattern: "[domain-name:value = 'ä.example']", valid_from: '2021-05-04T15:15:58.300Z',
    spec_version: '2.1', type: 'indicator', id: 'indicator--a8ec25ca-2bde-4f26-9a0c-2b8e0e1e1e1e',
    created: '2021-05-04T15:15:58.300Z', modified: '2021-05-04T15:15:58.300Z', pattern_type: 'stix',
    name: undefined, x_b: 1.5, x_a: [1, 'zwei', { c: null, 'ü': '\u2028' }], x_fn: (() => 1) as unknown,
    labels: ['a', 'b'], confidence: 50, external_references: [{ source_name: 'x', url: 'http://e' }],
    // (No integer-like keys: the old encoder's ordered copy moved them first, as JavaScript orders
    // such keys; the new one sorts them as strings, like Python. STIX objects cannot have them:
    // custom property names must start with a lower-case letter.)
  } as unknown as StixObject,
  {
    type: 'sighting', spec_version: '2.1', id: 'sighting--a8ec25ca-2bde-4f26-9a0c-2b8e0e1e1e1e',
    created: '2021-05-04T15:15:58.300Z', modified: '2021-05-04T15:15:58.300Z',
    sighting_of_ref: 'indicator--a8ec25ca-2bde-4f26-9a0c-2b8e0e1e1e1e', count: 3,
    x_threatbus_source: 'zeek', x_threatbus_sighting_context: { ts: 1, uid: 'C', note: '\u00e9\u4e2d' },
    x_threatbus_indicator: shuffled({
      type: 'indicator', spec_version: '2.1', id: 'indicator--a8ec25ca-2bde-4f26-9a0c-2b8e0e1e1e1e',
      created: '2021-05-04T15:15:58.300Z', modified: '2021-05-04T15:15:58.300Z', pattern: "[ipv4-addr:value = '1.2.3.4']",
      pattern_type: 'stix', pattern_version: '2.1', valid_from: '2021-05-04T15:15:58.300Z', x_zz: true, x_aa: false,
    }),
  } as unknown as StixObject,
];

describe('fast STIX encoder is byte-identical to the ordered copy + pythonJsonStringify', () => {
  test('the vectors hold STIX objects to compare', () => {
    expect(vectorObjects.length).toBeGreaterThan(20);
  });

  test.each([...vectorObjects, ...generated].map((o, i) => [i, o] as const))('object %i', (_i, o) => {
    for (const obj of [o, shuffled(o as unknown as Record<string, unknown>) as unknown as StixObject]) {
      const expected = reference(obj);
      expect(serializeStix(obj)).toBe(expected);
      // encodeMessage caches per object; a fresh copy is encoded anew.
      expect(encodeMessage({ ...obj } as Message)).toBe(expected);
      const envelope: Message = { type: 'snapshotenvelope', snapshot_type: obj.type === 'indicator' ? 1 : 2, snapshot_id: 'ü-id', body: obj };
      expect(encodeMessage(envelope)).toBe(reference(envelope));
    }
  });
});

describe('objects already in wire order', () => {
  test('an indicator built in wire order with sorted custom keys is written as the reference writes it', () => {
    const ind = {
      type: 'indicator', spec_version: '2.1', id: 'indicator--a8ec25ca-2bde-4f26-9a0c-2b8e0e1e1e1e', created: '2021-05-04T15:15:58.300Z',
      modified: '2021-05-04T15:15:58.300Z', pattern: "[x:y = 'é']", pattern_type: 'stix', pattern_version: '2.1',
      valid_from: '2021-05-04T15:15:58.300Z', x_a: undefined, x_b: { type: 'sighting', id: 'sighting--1', z: 1, created: 'c' }, x_threatbus_update: 'REMOVE',
    } as unknown as StixObject;
    expect(serializeStix(ind)).toBe(reference(ind));
    expect(serializeStix(ind)).toContain('"x_b": {"type": "sighting", "id": "sighting--1", "created": "c", "z": 1}');
  });
});

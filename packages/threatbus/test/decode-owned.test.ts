/**
 * decodeMessage checks the freshly parsed value in place (no copy); toMessage
 * gets values the caller still holds and must leave them untouched. Both must
 * give the same messages and the same errors.
 */
import { decodeMessage, encodeMessage, MessageDecodeError, toMessage } from '../src';

const indicator = {
  type: 'indicator', spec_version: '2.1', id: 'indicator--a8ec25ca-2bde-4f26-9a0c-2b8e0e1e1e1e', created: '2021-05-04T15:15:58.300Z',
  pattern: "[domain-name:value = 'evil.example']", pattern_type: 'stix', x_threatbus_update: 'REMOVE',
};
const texts = [
  JSON.stringify(indicator),
  JSON.stringify({ type: 'snapshotenvelope', snapshot_type: 1, snapshot_id: 's', body: indicator }),
  JSON.stringify({ type: 'sighting', spec_version: '2.1', sighting_of_ref: indicator.id, x_threatbus_indicator: indicator }),
];

describe('decodeMessage (in place) and toMessage (copy) agree', () => {
  test.each(texts)('%s', (text) => {
    const held = JSON.parse(text) as unknown;
    const before = JSON.stringify(held);
    const viaTo = toMessage(held);
    expect(JSON.stringify(held)).toBe(before); // toMessage filled defaults into a copy, not into `held`
    const viaDecode = decodeMessage(text);
    // Generated parts (ids, now-timestamps) aside, the same message.
    const strip = (m: unknown) => JSON.parse(JSON.stringify(m, (k, v) => (k === 'id' || k === 'modified' || k === 'valid_from' || k === 'created' ? undefined : v)));
    expect(strip(viaDecode)).toEqual(strip(viaTo));
    if (viaDecode.type === 'indicator') expect(encodeMessage(viaDecode)).toBe(encodeMessage(viaTo));
  });

  test('errors are the same', () => {
    const bad = JSON.stringify({ ...indicator, pattern: "[x:y = 'a'" });
    expect(() => decodeMessage(bad)).toThrow(MessageDecodeError);
    let a: unknown;
    let b: unknown;
    try { decodeMessage(bad); } catch (e) { a = (e as Error).message; }
    try { toMessage(JSON.parse(bad)); } catch (e) { b = (e as Error).message; }
    expect(a).toBe(b);
    expect(a).toMatch(/^pattern: invalid STIX pattern/);
  });
});

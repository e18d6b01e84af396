/**
 * decodeEncodedMessage: a message made from the bus's own encoding keeps that
 * text as its encoding, so what goes out on the wire is byte for byte what
 * encodeMessage writes (the original's bytes), also inside an envelope.
 */
import { loadVectors } from '../../../tools/vectors';
import {
  createIndicator, createSighting, createSnapshotEnvelope, decodeEncodedMessage, decodeMessage, encodeMessage, MessageDecodeError,
  MessageType, parseIndicator,
} from '../src';
import type { Indicator, Message } from '../src';
import { SeenIds } from '../src/runtime/seen-ids';

interface EnvelopeInput { operation: string; kind?: string; snapshot_type: MessageType; snapshot_id: string; body: Indicator }

/** Objects with what makes encoding tricky: non-ASCII text, custom properties, nesting, sub-millisecond timestamps. */
function samples(): Message[] {
  return [
    createIndicator({ pattern: "[domain-name:value = 'exämple.com']", pattern_type: 'stix', name: 'ünïcode \u2028 "quoted" \\ slash', labels: ['a', 'b'] }),
    parseIndicator({
      type: 'indicator', spec_version: '2.1', id: 'indicator--df0f9a0e-c3b6-4f53-b0cf-5e9c454ee0cc', created: '2021-05-04T15:15:58.123456Z',
      modified: '2021-05-04T15:15:58.123456Z', pattern: "[ipv4-addr:value = '1.2.3.4']", pattern_type: 'stix', valid_from: '2021-05-04T15:15:58Z',
      valid_until: '2031-05-04T15:15:58Z', x_threatbus_update: 'REMOVE', x_custom: { nested: [1, 2.5, null, true, { deep: 'x' }] },
    }),
    createSighting({ sighting_of_ref: 'indicator--df0f9a0e-c3b6-4f53-b0cf-5e9c454ee0cc', count: 3 }),
  ];
}

test.each(samples().map((m) => [m.type, m] as const))('a %s from its own encoding encodes to the same bytes and equals the validated decode', (_type, message) => {
  const text = encodeMessage(message, { memoise: false });
  const restored = decodeEncodedMessage(text);
  expect(restored).toEqual(decodeMessage(text));
  expect(encodeMessage(restored)).toBe(text);
  // The kept text is what the encoder writes anyway: encoding without the memo agrees.
  expect(encodeMessage(restored, { memoise: false })).toBe(text);
});

test('an envelope around a restored body is the original envelope bytes (snapshot-encoding vectors)', () => {
  const vectors = loadVectors<EnvelopeInput, string>('snapshot-encoding.json').filter((v) => v.input.operation === 'encode_bytes' && v.input.kind === 'SnapshotEnvelope');
  expect(vectors.length).toBeGreaterThan(0);
  for (const v of vectors) {
    const body = decodeEncodedMessage(encodeMessage(parseIndicator(v.input.body), { memoise: false })) as Indicator;
    expect(encodeMessage(createSnapshotEnvelope(v.input.snapshot_type, v.input.snapshot_id, body))).toBe(v.expected);
  }
});

test('envelopes encode the same with and without the memo', () => {
  for (const m of samples()) {
    if (m.type !== 'indicator' && m.type !== 'sighting') continue;
    const type = m.type === 'indicator' ? MessageType.INDICATOR : MessageType.SIGHTING;
    const fresh = encodeMessage(createSnapshotEnvelope(type, 'snap', m), { memoise: false });
    expect(encodeMessage(createSnapshotEnvelope(type, 'snap', decodeEncodedMessage(encodeMessage(m)) as typeof m))).toBe(fresh);
  }
});

test('text that is not an encoded message is a MessageDecodeError', () => {
  for (const bad of ['{"type": ', '[]', 'null', '"indicator"', '{"type": "identity"}', '{}']) {
    expect(() => decodeEncodedMessage(bad)).toThrow(MessageDecodeError);
  }
});

test('SeenIds tells apart ids that differ in any one hex digit, and keeps malformed UUIDs apart too', () => {
  const base = 'df0f9a0e-c3b6-4f53-b0cf-5e9c454ee0cc';
  const seen = new SeenIds();
  expect(seen.add(`indicator--${base}`)).toBe(true);
  let added = 1;
  for (let i = 0; i < base.length; i++) {
    if (base[i] === '-') continue;
    const variant = base.slice(0, i) + (base[i] === 'f' ? '0' : 'f') + base.slice(i + 1);
    expect(seen.add(`indicator--${variant}`)).toBe(true);
    expect(seen.add(`indicator--${variant}`)).toBe(false);
    added++;
  }
  // Not lower-case hex in 8-4-4-4-12: kept as strings, still once each.
  for (const odd of [base.replace('-', 'x'), `${base}0`, base.slice(1), base.replace('d', 'g'), `${base.slice(0, 8)}--${base.slice(10)}`]) {
    expect(seen.add(`indicator--${odd}`)).toBe(true);
    expect(seen.add(`indicator--${odd}`)).toBe(false);
    added++;
  }
  expect(seen.size).toBe(added);
});

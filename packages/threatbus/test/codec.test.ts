import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadVectors, withoutIgnored } from '../../../tools/vectors';
import {
  createSnapshotEnvelope, createSnapshotRequest, decodeMessage, encodeMessage, MessageDecodeError,
  snapshotTypesForTopic, pythonJsonStringify, serializeStix, parseIndicator, parseSighting, StixValidationError,
} from '../src';
import type { Indicator, Message, MessageType, Sighting } from '../src';

interface CodecInput {
  operation: string;
  kind?: 'SnapshotRequest' | 'SnapshotEnvelope';
  snapshot_type?: MessageType;
  snapshot_id?: string;
  snapshot_seconds?: number;
  body?: Indicator | Sighting;
  json?: string;
  topic?: string;
}

/** The vectors' neutral form of an internal object (spec/vectors/README.md). */
function neutral(m: Message): unknown {
  if (m.type === 'snapshotrequest') return { kind: 'SnapshotRequest', snapshot_type: m.snapshot_type, snapshot_id: m.snapshot_id, snapshot_seconds: m.snapshot };
  if (m.type === 'snapshotenvelope') return { kind: 'SnapshotEnvelope', snapshot_type: m.snapshot_type, snapshot_id: m.snapshot_id, body: JSON.parse(serializeStix(m.body)) };
  return m;
}

function build(i: CodecInput): Message {
  return i.kind === 'SnapshotRequest'
    ? createSnapshotRequest(i.snapshot_type!, i.snapshot_id!, i.snapshot_seconds!)
    : createSnapshotEnvelope(i.snapshot_type!, i.snapshot_id!, i.body!.type === 'indicator' ? parseIndicator(i.body) : parseSighting(i.body));
}

describe('snapshot-encoding vectors', () => {
  for (const v of loadVectors<CodecInput>('snapshot-encoding.json')) {
    test(v.name, () => {
      const i = v.input;
      switch (i.operation) {
        case 'encode':
          expect(JSON.parse(encodeMessage(build(i)))).toEqual(v.expected);
          // Key order on the wire is part of the original's bytes.
          expect(Object.keys(JSON.parse(encodeMessage(build(i))))).toEqual(Object.keys(v.expected as object));
          break;
        case 'encode_bytes':
          expect(encodeMessage(build(i))).toBe(v.expected);
          break;
        case 'roundtrip':
          expect(neutral(decodeMessage(encodeMessage(build(i))))).toEqual(v.expected);
          break;
        case 'decode': {
          const expected = v.expected as Record<string, unknown> | null;
          if (expected === null || (expected && ('error' in expected || !('kind' in expected)))) {
            // The original returned plain objects or null for malformed input and let them travel on;
            // we refuse them with an error that names the problem (spec/quirks.md B11).
            expect(() => decodeMessage(i.json!)).toThrow(MessageDecodeError);
          } else {
            expect(neutral(decodeMessage(i.json!))).toEqual(expected);
          }
          break;
        }
        case 'snapshot_types_for_topic': {
          const types = snapshotTypesForTopic(i.topic!);
          const requests = types.map((t) => createSnapshotRequest(t, 'SNAP', i.snapshot_seconds!));
          expect(withoutIgnored({ requests, registered_snapshot_id: types.length > 0 }, v.ignore)).toEqual(withoutIgnored(v.expected, v.ignore));
          break;
        }
        default:
          throw new Error(`unknown operation ${i.operation}`);
      }
    });
  }
});

describe('decoding bad input names the problem', () => {
  test('malformed JSON', () => {
    expect(() => decodeMessage('{"type": ')).toThrow(/malformed JSON/);
  });
  test('unknown type', () => {
    expect(() => decodeMessage('{"type": "identity"}')).toThrow(/type: unknown message type "identity"/);
  });
  test('bad timestamp inside an envelope body gives the property path', () => {
    const text = JSON.stringify({ type: 'snapshotenvelope', snapshot_type: 1, snapshot_id: 'x', body: {
      type: 'indicator', spec_version: '2.1', id: 'indicator--df0f9a0e-c3b6-4f53-b0cf-5e9c454ee0cc',
      created: '2021-05-04 15:15:58', modified: '2021-05-04T15:15:58Z', pattern: "[ipv4-addr:value = '1.2.3.4']", pattern_type: 'stix', valid_from: '2021-05-04T15:15:58Z' } });
    expect(() => decodeMessage(text)).toThrow('body.created: must be an RFC 3339 UTC timestamp');
  });
  test('envelope body type must match snapshot_type', () => {
    const text = JSON.stringify({ type: 'snapshotenvelope', snapshot_type: 2, snapshot_id: 'x', body: {
      type: 'indicator', spec_version: '2.1', pattern: "[ipv4-addr:value = '1.2.3.4']", pattern_type: 'stix' } });
    expect(() => decodeMessage(text)).toThrow(/body.type: snapshot_type 2 needs a sighting/);
  });
});

describe('STIX parsing and serialisation', () => {
  const indicator = {
    type: 'indicator', spec_version: '2.1', id: 'indicator--df0f9a0e-c3b6-4f53-b0cf-5e9c454ee0cc',
    created: '2021-05-04T15:15:58.300Z', modified: '2021-05-04T15:15:58.300Z',
    pattern: "[domain-name:value = 'ex\u00e4mple.com']", pattern_type: 'stix', valid_from: '2021-05-04T15:15:58Z',
    x_zzz: 1, x_threatbus_update: 'REMOVE',
  };

  test('serialises in stix2 property order, custom properties sorted, non-ASCII escaped, Python separators', () => {
    const text = serializeStix(parseIndicator(indicator));
    expect(text).toBe(
      '{"type": "indicator", "spec_version": "2.1", "id": "indicator--df0f9a0e-c3b6-4f53-b0cf-5e9c454ee0cc", ' +
        '"created": "2021-05-04T15:15:58.300Z", "modified": "2021-05-04T15:15:58.300Z", ' +
        '"pattern": "[domain-name:value = \'ex\\u00e4mple.com\']", "pattern_type": "stix", "pattern_version": "2.1", ' +
        '"valid_from": "2021-05-04T15:15:58Z", "x_threatbus_update": "REMOVE", "x_zzz": 1}',
    );
  });

  test('STIX 2.0 objects (no spec_version) are refused', () => {
    const { spec_version: _omit, ...v20 } = indicator;
    expect(() => parseIndicator(v20)).toThrow(/spec_version: required property is missing \(STIX 2.0/);
  });

  test('missing id and timestamps are filled in, as the original', () => {
    const i = parseIndicator({ type: 'indicator', spec_version: '2.1', pattern: "[ipv4-addr:value = '1.2.3.4']", pattern_type: 'stix' });
    expect(i.id).toMatch(/^indicator--[0-9a-f-]{36}$/);
    expect(i.created).toBe(i.modified);
    expect(i.valid_from).toBe(i.modified);
  });

  test.each([
    ['id', { id: 'indicator--nope' }, /id: must be indicator--<uuid>/],
    ['created with offset', { created: '2021-05-04T15:15:58+02:00' }, /created: must be an RFC 3339 UTC/],
    ['created on 31 February', { created: '2021-02-31T15:15:58Z' }, /created: must be an RFC 3339 UTC/],
    ['custom property name', { Foo: 1 }, /Foo: custom property names must start with a lower-case/],
    ['invalid stix pattern', { pattern: "[ipv4-addr:value = '1.2.3.4'" }, /pattern: invalid STIX pattern/],
    ['confidence', { confidence: 101 }, /confidence: must be an integer between 0 and 100/],
    ['update value', { x_threatbus_update: 'DELETE' }, /x_threatbus_update: must be "EDIT" or "REMOVE"/],
  ])('refuses a bad %s with the property named', (_name, patch, message) => {
    expect(() => parseIndicator({ ...indicator, ...patch })).toThrow(message);
  });

  test('the error object carries the property', () => {
    try {
      parseSighting({ type: 'sighting', spec_version: '2.1' });
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(StixValidationError);
      expect((e as StixValidationError).property).toBe('sighting_of_ref');
    }
  });

  test('non-stix pattern types are not parsed as STIX patterns and get no pattern_version', () => {
    const i = parseIndicator({ ...indicator, pattern: 'alert tcp any any -> any any (msg:"x";)', pattern_type: 'snort' });
    expect(i.pattern_version).toBeUndefined();
  });

  test('pythonJsonStringify matches json.dumps for nesting, unicode outside the BMP and control characters', () => {
    expect(pythonJsonStringify({ a: [1, 'x', null, true, { b: '\u{1F600}\n' }] })).toBe('{"a": [1, "x", null, true, {"b": "\\ud83d\\ude00\\n"}]}');
  });

  test('pythonJsonStringify writes every code unit 0-255, line separators, surrogates and keys byte for byte as json.dumps', () => {
    // fixtures/python-json-dumps.txt was written by CPython 3.11:
    //   s = ''.join(chr(i) for i in range(0, 0x100)) + '\u2028\u2029\ud83d\ude00\ud800x"\\\\'
    //   print(json.dumps({'k\u00e9y': s, 'del\x7f': 1}))
    // DEL (0x7f) is escaped by Python but not by JSON.stringify: the case the fast path must not miss.
    let s = '';
    for (let i = 0; i < 0x100; i++) s += String.fromCharCode(i);
    s += '\u2028\u2029\ud83d\ude00\ud800x"\\';
    const expected = readFileSync(join(__dirname, 'fixtures/python-json-dumps.txt'), 'utf8').trimEnd();
    expect(pythonJsonStringify({ 'k\u00e9y': s, 'del\x7f': 1 })).toBe(expected);
  });
});

/**
 * Bounded nesting (issue 13.1): decoders refuse values nested deeper than 64
 * levels with a MessageDecodeError naming the path; encoders never overflow
 * the stack, whatever they are given.
 */
import fc from 'fast-check';
import {
  createIndicator, decodeMessage, encodeMessage, MAX_ENCODE_DEPTH, MAX_VALUE_DEPTH, MessageDecodeError, MessageEncodeError,
  parseStixObject, pythonJsonStringify, StixValidationError, toMessage,
} from '../src';

/** `levels` nested objects: {a: {a: ... {}}}. */
function nest(levels: number, key = 'a'): Record<string, unknown> {
  let v: Record<string, unknown> = {};
  for (let i = 1; i < levels; i++) v = { [key]: v };
  return v;
}

const indicator = (extra: Record<string, unknown>) => ({
  type: 'indicator', spec_version: '2.1', id: 'indicator--6c6b6bd0-cb39-4e67-a6fd-98a4e0c4a5f6',
  created: '2021-05-04T15:15:58.300Z', modified: '2021-05-04T15:15:58.300Z', valid_from: '2021-05-04T15:15:58.300Z',
  pattern: "[ipv4-addr:value = '6.6.6.6']", pattern_type: 'stix', ...extra,
});
const sighting = (extra: Record<string, unknown>) => ({
  type: 'sighting', spec_version: '2.1', id: 'sighting--6c6b6bd0-cb39-4e67-a6fd-98a4e0c4a5f7',
  sighting_of_ref: 'indicator--6c6b6bd0-cb39-4e67-a6fd-98a4e0c4a5f6', ...extra,
});

function decodeError(text: string): MessageDecodeError {
  try {
    decodeMessage(text);
  } catch (e) {
    expect(e).toBeInstanceOf(MessageDecodeError);
    return e as MessageDecodeError;
  }
  throw new Error('decoded');
}

test('64 levels are accepted, 65 refused with the path of the value too deep', () => {
  expect(MAX_VALUE_DEPTH).toBe(64);
  // The indicator is level 1, x_custom's object level 2: 63 more objects make 64.
  expect(() => decodeMessage(JSON.stringify(indicator({ x_custom: nest(63) })))).not.toThrow();
  const e = decodeError(JSON.stringify(indicator({ x_custom: nest(64) })));
  expect(e.problem).toBe('nested deeper than 64 levels');
  expect(e.path).toBe(`x_custom${'.a'.repeat(62)}`.slice(0, 117) + '...');
  const inList = decodeError(JSON.stringify(indicator({ external_references: [nest(70, 'b')] })));
  expect(inList.path).toMatch(/^external_references\[0\]\.b\.b/);
});

test.each([
  ['a custom property', (deep: unknown) => indicator({ x_custom: deep }), 'x_custom'],
  ['external_references', (deep: unknown) => indicator({ external_references: [deep] }), 'external_references[0]'],
  ['extensions', (deep: unknown) => indicator({ extensions: { 'x-ext': deep } }), 'extensions.x-ext'],
  ['x_threatbus_sighting_context', (deep: unknown) => sighting({ x_threatbus_sighting_context: deep }), 'x_threatbus_sighting_context'],
  ['an indicator inside a sighting', (deep: unknown) => sighting({ x_threatbus_indicator: indicator({ x_custom: deep }) }), 'x_threatbus_indicator.x_custom'],
  ['a list of lists', (deep: unknown) => indicator({ x_custom: [[[deep]]] }), 'x_custom[0][0][0]'],
  ['a snapshot envelope body', (deep: unknown) => ({ type: 'snapshotenvelope', snapshot_type: 1, snapshot_id: 'x', body: indicator({ x_custom: deep }) }), 'body.x_custom'],
])('20,000 levels in %s: a MessageDecodeError, not a crash', (_, make, path) => {
  // ~120 KB of JSON, as the frame that killed the bus (written as text: JSON.stringify itself cannot go that deep).
  const text = JSON.stringify(make('DEEP')).replace('"DEEP"', '{"a": '.repeat(19_999) + '{}' + '}'.repeat(19_999));
  const e = decodeError(text);
  expect(e.path.startsWith(path)).toBe(true);
  expect(e.message).toContain('nested deeper than 64 levels');
  // The same through toMessage (a parsed value) and the STIX parser (its own error type).
  expect(() => toMessage(JSON.parse(text))).toThrow(MessageDecodeError);
  if (!text.includes('snapshotenvelope')) expect(() => parseStixObject(JSON.parse(text))).toThrow(StixValidationError);
});

test('deep lists and wrong types at depth are refused without a stack overflow', () => {
  const deepList = '['.repeat(100_000) + ']'.repeat(100_000);
  expect(decodeError(`{"type": "indicator", "id": ${deepList}}`).path).toBe('id');
  expect(decodeError(`{"type": "indicator", "extensions": ${deepList}}`).message).toMatch(/id|extensions/);
  expect(decodeError(deepList).message).toMatch(/expected a JSON object, got a list/);
});

test('encoders never overflow the stack: a MessageEncodeError past MAX_ENCODE_DEPTH', () => {
  expect(() => pythonJsonStringify(nest(100_000))).toThrow(MessageEncodeError);
  expect(pythonJsonStringify(nest(MAX_ENCODE_DEPTH))).toContain('{"a": {"a": ');
  // An app's own object (not decoded, so not checked) is refused by the encoder, not crashing it.
  const own = createIndicator({ pattern: "[ipv4-addr:value = '6.6.6.6']", pattern_type: 'stix' }) as unknown as Record<string, unknown>;
  own.x_custom = nest(50_000);
  expect(() => encodeMessage(own as never, { memoise: false })).toThrow(MessageEncodeError);
  // STIX-like objects nested in custom properties recurse through the STIX writer.
  let stixLike: Record<string, unknown> = { type: 'x-thing', id: 'x-thing--1' };
  for (let i = 0; i < 50_000; i++) stixLike = { type: 'x-thing', id: 'x-thing--1', x_inner: stixLike };
  own.x_custom = stixLike;
  expect(() => encodeMessage(own as never, { memoise: false })).toThrow(MessageEncodeError);
});

test('property: any JSON value inside an indicator decodes, or fails with a MessageDecodeError only', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 8 })), fc.jsonValue({ maxDepth: 80 }), (props, deep) => {
      const text = JSON.stringify({ ...indicator({}), ...props, x_deep: deep });
      try {
        encodeMessage(decodeMessage(text), { memoise: false });
      } catch (e) {
        if (!(e instanceof MessageDecodeError)) throw e;
      }
    }),
    { numRuns: 300 },
  );
});

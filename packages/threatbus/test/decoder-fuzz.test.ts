/**
 * Property tests of what the core decodes off the wire (issue 13): whatever
 * the text, `decodeMessage` returns a message or throws MessageDecodeError,
 * `parseStixObject`/`toMessage` throw StixValidationError/MessageDecodeError,
 * the pattern parser throws PatternSyntaxError; nothing else (no TypeError,
 * no RangeError from deep nesting), and every decoded message encodes again.
 * The config loader has its own properties (config-fuzz.test.ts).
 */
import fc from 'fast-check';
import { createIndicator, decodeMessage, encodeMessage, MessageDecodeError, parsePattern, parseStixObject, PatternSyntaxError, StixValidationError, toMessage } from '../src';

function onlyThese(errors: (abstract new (...a: never[]) => Error)[], run: () => unknown): void {
  try {
    run();
  } catch (e) {
    if (!errors.some((E) => e instanceof E)) throw e;
  }
}

const valid = JSON.parse(encodeMessage(createIndicator({ pattern: "[ipv4-addr:value = '10.0.0.1']", pattern_type: 'stix' }))) as Record<string, unknown>;
const deep = (levels: number, leaf: string, open = '[', close = ']') => open.repeat(levels) + leaf + close.repeat(levels);
const deepObject = (levels: number) => '{"a": '.repeat(levels) + '1' + '}'.repeat(levels);

/** A valid indicator with one property replaced by an arbitrary JSON value: the checks' paths, not only JSON.parse's. */
const mutatedIndicator = fc
  .tuple(fc.constantFrom(...Object.keys(valid), 'x_custom', 'external_references', 'extensions', 'x_threatbus_sighting_context', '__proto__'), fc.jsonValue({ maxDepth: 4 }))
  .map(([key, value]) => JSON.stringify({ ...valid, [key]: value }));

const wireText = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.json({ maxDepth: 5 }),
  mutatedIndicator,
  fc.integer({ min: 60, max: 30_000 }).map((n) => `{"type": "indicator", "x_deep": ${deep(n, '1')}}`),
  fc.integer({ min: 60, max: 30_000 }).map((n) => JSON.stringify({ ...valid, x_custom: 0 }).replace('"x_custom": 0', `"x_custom": ${deepObject(n)}`)),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')),
);

test('decodeMessage: a message that encodes again, or MessageDecodeError', () => {
  fc.assert(
    fc.property(wireText, (text) =>
      onlyThese([MessageDecodeError], () => {
        const m = decodeMessage(text);
        encodeMessage(m);
      }),
    ),
    { numRuns: 3000 },
  );
});

test('toMessage / parseStixObject on arbitrary values: only the documented errors', () => {
  const value = fc.oneof(fc.jsonValue({ maxDepth: 5 }), mutatedIndicator.map((t) => JSON.parse(t) as unknown), fc.anything({ maxDepth: 3 }));
  fc.assert(
    fc.property(value, (v) => {
      onlyThese([MessageDecodeError, StixValidationError], () => toMessage(v));
      onlyThese([StixValidationError], () => parseStixObject(v));
    }),
    { numRuns: 3000 },
  );
});

const patternParts = ['[', ']', '(', ')', "'", '\\', ':', '.', '=', '!=', ' AND ', ' OR ', ' FOLLOWEDBY ', ' WITHIN ', ' SECONDS', ' REPEATS ', ' TIMES', ' START ', ' STOP ', "t'2020-01-01T00:00:00Z'", 'ipv4-addr:value', 'file:hashes.', "'MD5'", 'x-custom:a[*].b', ' LIKE ', ' MATCHES ', ' IN ', ' ISSUBSET ', 'NOT ', "h'00'", "b'AA=='", '1', '-2.5', 'true', ','];

test('parsePattern: a pattern or PatternSyntaxError, also for deep nesting and non-strings', () => {
  const text = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.array(fc.constantFrom(...patternParts), { maxLength: 40 }).map((p) => p.join('')),
    fc.integer({ min: 1, max: 20_000 }).map((n) => deep(n, "[ipv4-addr:value = '1.2.3.4']", '(', ')')),
    fc.integer({ min: 1, max: 20_000 }).map((n) => '['.repeat(n)),
    fc.jsonValue({ maxDepth: 2 }),
  );
  fc.assert(fc.property(text, (t) => onlyThese([PatternSyntaxError], () => parsePattern(t as string))), { numRuns: 3000 });
});

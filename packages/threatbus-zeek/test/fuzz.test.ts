/**
 * Property tests of the Broker JSON codec (issue 13): whatever a peer sends,
 * `parseLosslessJson` gives a value or a JsonSyntaxError, `parseBrokerData`
 * gives Broker data or a JsonSyntaxError/BrokerDecodeError, and decoded data
 * encodes and decodes to the same thing.
 */
import fc from 'fast-check';
import { BrokerDecodeError, encodeBrokerData, parseBrokerData } from '../src/broker-data';
import { JsonSyntaxError, parseLosslessJson } from '../src/lossless-json';

function onlyThese(errors: (abstract new (...a: never[]) => Error)[], run: () => unknown): void {
  try {
    run();
  } catch (e) {
    if (!errors.some((E) => e instanceof E)) throw e;
  }
}

const TYPES = ['none', 'boolean', 'count', 'integer', 'real', 'timespan', 'timestamp', 'string', 'enum-value', 'address', 'subnet', 'port', 'vector', 'set', 'table', 'bogus'];

/** Broker-shaped JSON with arbitrary (often wrong) data. */
const brokerish: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    fc.record({ '@data-type': fc.constantFrom(...TYPES), data: fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.constantFrom('1.2.3.4', '10.0.0.0/8', '80/tcp', '1s', '2020-01-01T00:00:00.000', '18446744073709551615', '-1')) }),
    fc.record({ '@data-type': fc.constantFrom('vector', 'set'), data: fc.array(tie('node'), { maxLength: 4 }) }),
    fc.record({ '@data-type': fc.constant('table'), data: fc.array(fc.record({ key: tie('node'), value: tie('node') }), { maxLength: 3 }) }),
  ),
})).node;

const deep = (n: number) => '{"@data-type": "vector", "data": ['.repeat(n) + ']}'.repeat(n);

const text = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.json({ maxDepth: 5 }),
  brokerish.map((v) => JSON.stringify(v)),
  fc.integer({ min: 1, max: 20_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
  fc.integer({ min: 200, max: 5_000 }).map(deep),
  fc.array(fc.constantFrom('{', '}', '[', ']', '"', '\\u', 'd800', ':', ',', '1e999', '-0', '0.', 'true', 'nul', ' '), { maxLength: 60 }).map((p) => p.join('')),
);

test('parseLosslessJson: a value or JsonSyntaxError', () => {
  fc.assert(fc.property(text, (t) => onlyThese([JsonSyntaxError], () => parseLosslessJson(t))), { numRuns: 3000 });
});

test('parseBrokerData: Broker data that round-trips, or JsonSyntaxError/BrokerDecodeError', () => {
  fc.assert(
    fc.property(text, fc.boolean(), (t, strict) =>
      onlyThese([JsonSyntaxError, BrokerDecodeError], () => {
        const data = parseBrokerData(t, { strict });
        expect(parseBrokerData(encodeBrokerData(data))).toEqual(data);
      }),
    ),
    { numRuns: 3000 },
  );
});

/**
 * Property tests of the MISP attribute mapper (issue 13): whatever MISP (or
 * someone on its ZeroMQ port) sends, `mapAttribute` gives an indicator whose
 * pattern parses, null, or a MispMappingError; nothing else.
 */
import fc from 'fast-check';
import { encodeMessage, parsePattern } from 'threatbus';
import { mapAttribute } from '../src/mapping/attribute';
import { MispMappingError } from '../src/mapping/errors';
import { MISP_ATTRIBUTE_TYPES } from '../src/mapping/misp-types';
import { notification } from './helpers';

const ACTIONS = ['add', 'edit', 'delete', 'soft-delete', 'publish', '', 'ADD'];

/** Mostly well-formed attributes with hostile values, plus some wrong shapes. */
const attribute = fc.oneof(
  { weight: 8, arbitrary: fc
    .record({
      type: fc.oneof(fc.constantFrom(...MISP_ATTRIBUTE_TYPES), fc.string({ maxLength: 20 })),
      value: fc.oneof(
        fc.string({ maxLength: 80 }),
        fc.constantFrom("'", '\\', "a'] OR [x:y = 'z", '1.2.3.4|80', 'a|b|c', 'evil.example|1.2.3.4', '\u0000', '\ud800', '10.0.0.0/8', 'http://x/\'"'),
        fc.string({ maxLength: 20 }).map((s) => `${s}|${s}`),
      ),
      uuid: fc.oneof({ weight: 5, arbitrary: fc.uuid() }, fc.string({ maxLength: 40 })),
      to_ids: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, fc.boolean(), fc.jsonValue({ maxDepth: 0 })),
      deleted: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, fc.boolean(), fc.constantFrom(0, 1, '0', '1')),
      timestamp: fc.oneof(fc.integer().map(String), fc.string({ maxLength: 12 }), { weight: 5, arbitrary: fc.constant('1614599635') }),
    })
    .map((over) => ({ ...notification().Attribute, ...over })) },
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(fc.constantFrom('type', 'value', 'uuid', 'to_ids', 'timestamp', '__proto__', 'deleted'), fc.jsonValue({ maxDepth: 2 })),
);

test('mapAttribute: an indicator with a parseable pattern, null, or MispMappingError', () => {
  let mapped = 0;
  fc.assert(
    fc.property(attribute, fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...ACTIONS) }, fc.jsonValue({ maxDepth: 1 })), (a, action) => {
      try {
        const indicator = mapAttribute(a, action);
        if (indicator) {
          mapped++;
          parsePattern(indicator.pattern);
          encodeMessage(indicator);
        }
      } catch (e) {
        if (!(e instanceof MispMappingError)) throw e;
      }
    }),
    { numRuns: 4000 },
  );
  // The generator reaches the mapping itself, not only the shape checks.
  expect(mapped).toBeGreaterThan(20);
});

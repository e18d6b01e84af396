import { B, BrokerDecodeError, encodeBrokerData, parseBrokerData } from '../src/broker-data';
import { brokerToJson } from '../src/to-json';
import { dataToEvent, decodeServerMessage, encodeDataMessage, encodeEventMessage, eventToData, ProtocolError } from '../src/messages';
import { formatBrokerTimespan, formatBrokerTimestamp, parseBrokerTimespan, parseBrokerTimestamp } from '../src/broker-time';
import { parseLosslessJson, JsonNumber } from '../src/lossless-json';
import type { BrokerData } from '../src/broker-data';

// Frames observed on the wire (spec/zeek-websocket.md §5–§7).
const UNSUBSCRIBE_FRAME =
  '{"type":"data-message","topic":"threatbus/intel","@data-type":"vector","data":[{"@data-type":"count","data":1},{"@data-type":"count","data":1},{"@data-type":"vector","data":[{"@data-type":"string","data":"Tenzir::unsubscribe"},{"@data-type":"vector","data":[{"@data-type":"string","data":"threatbus/intel"}]}]}]}';
const INTEL_FRAME = `{"type":"data-message","topic":"threatbus/intel","@data-type":"vector","data":[
 {"@data-type":"count","data":1},{"@data-type":"count","data":1},
 {"@data-type":"vector","data":[
  {"@data-type":"string","data":"Tenzir::intel"},
  {"@data-type":"vector","data":[
   {"@data-type":"vector","data":[
    {"@data-type":"timestamp","data":"2024-01-02T03:04:05.678"},
    {"@data-type":"string","data":"indicator-1"},
    {"@data-type":"table","data":[
     {"key":{"@data-type":"string","data":"indicator"},"value":{"@data-type":"string","data":"example.com"}},
     {"key":{"@data-type":"string","data":"intel_type"},"value":{"@data-type":"string","data":"DOMAIN"}}]},
    {"@data-type":"string","data":"ADD"}]}]}]}]}`;
const ALL_TYPES_FRAME =
  '{"type":"data-message","topic":"threatbus/sighting","@data-type":"vector","data":[{"@data-type":"count","data":1},{"@data-type":"count","data":1},{"@data-type":"vector","data":[{"@data-type":"string","data":"Tenzir::sighting"},{"@data-type":"vector","data":[{"@data-type":"string","data":"example.com"},{"@data-type":"enum-value","data":"Intel::DOMAIN"},{"@data-type":"count","data":42},{"@data-type":"integer","data":-7},{"@data-type":"real","data":1.500000},{"@data-type":"boolean","data":true},{"@data-type":"address","data":"10.0.0.1"},{"@data-type":"subnet","data":"10.0.0.0/8"},{"@data-type":"port","data":"53/udp"},{"@data-type":"timespan","data":"1500ms"},{"@data-type":"timestamp","data":"2023-11-14T22:13:20.123"},{"@data-type":"none","data":{}},{"@data-type":"set","data":[{"@data-type":"string","data":"a"},{"@data-type":"string","data":"b"}]},{"@data-type":"table","data":[{"key":{"@data-type":"string","data":"k"},"value":{"@data-type":"count","data":1}}]},{"@data-type":"vector","data":[{"@data-type":"string","data":"x"},{"@data-type":"none","data":{}}]}]},{"@data-type":"vector","data":[{"@data-type":"vector","data":[{"@data-type":"count","data":1},{"@data-type":"timestamp","data":"2023-11-14T22:13:20.500"}]}]}]}]}';

const ts = (iso: string): bigint => {
  const ns = parseBrokerTimestamp(iso);
  if (ns === undefined) throw new Error(iso);
  return ns;
};

describe('observed frames', () => {
  test('the client frame of §5 decodes to the unsubscribe event and re-encodes byte for byte', () => {
    const m = decodeServerMessage(UNSUBSCRIBE_FRAME);
    if (m.type !== 'data-message') throw new Error('not data');
    expect(m.topic).toBe('threatbus/intel');
    expect(dataToEvent(m.data)).toEqual({ name: 'Tenzir::unsubscribe', args: [B.string('threatbus/intel')] });
    expect(encodeDataMessage(m.topic, m.data)).toBe(UNSUBSCRIBE_FRAME);
    expect(encodeEventMessage('threatbus/intel', { name: 'Tenzir::unsubscribe', args: [B.string('threatbus/intel')] })).toBe(UNSUBSCRIBE_FRAME);
  });

  test('the intel frame of §6 round-trips to its compact form', () => {
    const m = decodeServerMessage(INTEL_FRAME);
    if (m.type !== 'data-message') throw new Error('not data');
    const event = dataToEvent(m.data);
    expect(event.name).toBe('Tenzir::intel');
    const record = event.args[0];
    expect(record.type).toBe('vector');
    expect(encodeDataMessage(m.topic, m.data)).toBe(INTEL_FRAME.replace(/\n\s*/g, ''));
  });

  test('the every-type frame of §7 decodes each type, with metadata', () => {
    const m = decodeServerMessage(ALL_TYPES_FRAME);
    if (m.type !== 'data-message') throw new Error('not data');
    const event = dataToEvent(m.data);
    expect(event.name).toBe('Tenzir::sighting');
    expect(event.args).toEqual<BrokerData[]>([
      B.string('example.com'), B.enumValue('Intel::DOMAIN'), B.count(42), B.integer(-7), B.real(1.5), B.boolean(true),
      B.address('10.0.0.1'), B.subnet('10.0.0.0/8'), B.port('53/udp'), B.timespan(1_500_000_000n),
      B.timestamp(ts('2023-11-14T22:13:20.123')), B.none(), B.set([B.string('a'), B.string('b')]),
      B.table([{ key: B.string('k'), value: B.count(1) }]), B.vector([B.string('x'), B.none()]),
    ]);
    expect(event.metadata).toEqual([[1n, B.timestamp(ts('2023-11-14T22:13:20.500'))]]);
    // Re-encoding loses only the 6-decimal spelling of the real.
    const again = encodeDataMessage(m.topic, m.data);
    expect(again).toBe(ALL_TYPES_FRAME.replace('1.500000', '1.5'));
    expect(decodeServerMessage(again)).toEqual(m);
    expect(brokerToJson(B.vector(event.args))).toEqual([
      'example.com', 'Intel::DOMAIN', 42, -7, 1.5, true, '10.0.0.1', '10.0.0.0/8', '53/udp', 1.5,
      '2023-11-14T22:13:20.123Z', null, ['a', 'b'], { k: 1 }, ['x', null],
    ]);
  });

  test('ack and error messages', () => {
    expect(decodeServerMessage('{"type":"ack","endpoint":"49a4dfe2-2de5-515d-8a48-2cfb364e3735","version":"2.8.0-dev"}')).toEqual({
      type: 'ack', endpoint: '49a4dfe2-2de5-515d-8a48-2cfb364e3735', version: '2.8.0-dev',
    });
    expect(decodeServerMessage('{"type":"error","code":"deserialization_failed","context":"input #3 contained malformed JSON -> caf::pec::unexpected_character(1, 1)"}')).toEqual({
      type: 'error', code: 'deserialization_failed', context: 'input #3 contained malformed JSON -> caf::pec::unexpected_character(1, 1)',
    });
  });

  test.each([
    ['not json', 'malformed JSON'],
    ['[1,2]', 'expected a JSON object'],
    ['{"type":"hello"}', 'unknown message type "hello"'],
    ['{"type":"ack","endpoint":1,"version":"x"}', 'ack without'],
    ['{"type":"data-message","@data-type":"count","data":1}', 'without a string "topic"'],
    ['{"type":"data-message","topic":"t","@data-type":"count","data":-1}', 'invalid data on topic t: message.data: count needs an unsigned 64-bit integer, got -1'],
    ['{"type":"data-message","topic":"t","@data-type":"vector","data":[{"@data-type":"bogus","data":1}]}', 'message.data[0]: unknown "@data-type" "bogus"'],
  ])('bad server frame %s', (frame, reason) => {
    expect(() => decodeServerMessage(frame)).toThrow(ProtocolError);
    expect(() => decodeServerMessage(frame)).toThrow(reason);
  });
});

describe('data model', () => {
  const enc = (d: BrokerData): string => encodeBrokerData(d);
  const dec = (type: string, data: string, strict = false): BrokerData => parseBrokerData(`{"@data-type":"${type}","data":${data}}`, { strict });

  test('reals keep a decimal point (Broker refuses 2 for a real)', () => {
    expect(enc(B.real(2))).toBe('{"@data-type":"real","data":2.0}');
    expect(enc(B.real(-0.5))).toBe('{"@data-type":"real","data":-0.5}');
    expect(enc(B.real(1e300))).toBe('{"@data-type":"real","data":1e+300}');
    expect(enc(B.real(1e-9))).toBe('{"@data-type":"real","data":1e-9}');
    expect(() => enc(B.real(NaN))).toThrow(RangeError);
    expect(dec('real', '1.500000')).toEqual(B.real(1.5));
    expect(dec('real', '2')).toEqual(B.real(2));
    expect(() => dec('real', '2', true)).toThrow('fraction or exponent');
    expect(dec('real', '2.0', true)).toEqual(B.real(2));
  });

  test('counts and integers are 64-bit without rounding', () => {
    const big = 2n ** 53n + 1n;
    expect(enc(B.count(big))).toBe(`{"@data-type":"count","data":${big}}`);
    expect(dec('count', String(big))).toEqual(B.count(big));
    expect(dec('count', '18446744073709551615')).toEqual(B.count(2n ** 64n - 1n));
    expect(() => dec('count', '18446744073709551616')).toThrow(BrokerDecodeError);
    expect(dec('integer', '-9223372036854775808')).toEqual(B.integer(-(2n ** 63n)));
    expect(() => dec('integer', '9223372036854775808')).toThrow('signed 64-bit');
    expect(() => dec('count', '1.0')).toThrow('JSON integer');
    expect(() => dec('count', '1.5')).toThrow('JSON integer');
    expect(brokerToJson(B.count(big))).toBe(big.toString());
    expect(brokerToJson(B.count(7))).toBe(7);
  });

  test('timestamps: zones, fractions, ms output, invalid forms', () => {
    expect(formatBrokerTimestamp(ts('2024-01-02T03:04:05.5+01:00'))).toBe('2024-01-02T02:04:05.500');
    expect(formatBrokerTimestamp(ts('2024-01-02T03:04:05Z'))).toBe('2024-01-02T03:04:05.000');
    expect(formatBrokerTimestamp(ts('2024-01-02T03:04:05.123456789'))).toBe('2024-01-02T03:04:05.123456789');
    expect(formatBrokerTimestamp(ts('2024-01-02T03:04:05.1234'))).toBe('2024-01-02T03:04:05.1234');
    expect(formatBrokerTimestamp(ts('1969-12-31T23:59:59.999'))).toBe('1969-12-31T23:59:59.999');
    for (const bad of ['2024-01-02 03:04:05', '1700000000', '2024-02-30T00:00:00', '2024-01-02T03:04:05+25:00']) {
      expect(parseBrokerTimestamp(bad)).toBeUndefined();
    }
    expect(() => dec('timestamp', '1700000000')).toThrow('ISO-8601');
    expect(enc(B.timestamp(ts('2024-01-02T03:04:05.678Z')))).toBe('{"@data-type":"timestamp","data":"2024-01-02T03:04:05.678"}');
  });

  test('timespans: units in and the largest exact unit out', () => {
    expect(formatBrokerTimespan(parseBrokerTimespan('1500000ns')!)).toBe('1500us');
    expect(formatBrokerTimespan(parseBrokerTimespan('90min')!)).toBe('5400s');
    expect(formatBrokerTimespan(parseBrokerTimespan('2h')!)).toBe('7200s');
    expect(formatBrokerTimespan(parseBrokerTimespan('1.5s')!)).toBe('1500ms');
    expect(formatBrokerTimespan(0n)).toBe('0s');
    expect(formatBrokerTimespan(-3n)).toBe('-3ns');
    expect(parseBrokerTimespan('2d')).toBe(172_800_000_000_000n);
    expect(() => dec('timespan', '"2d"', true)).toThrow(BrokerDecodeError);
    expect(() => dec('timespan', '"5 sec"')).toThrow('timespan needs');
    expect(brokerToJson(B.timespan(432_000_000_000_000n))).toBe(432000);
  });

  test('addresses, subnets, ports', () => {
    expect(dec('address', '"::ffff:10.0.0.1"')).toEqual(B.address('::ffff:10.0.0.1'));
    expect(() => dec('address', '"10.0.0.256"')).toThrow('IPv4 or IPv6');
    expect(dec('subnet', '"2001:db8::/32"')).toEqual(B.subnet('2001:db8::/32'));
    expect(() => dec('subnet', '"10.0.0.0/33"')).toThrow('subnet');
    expect(dec('port', '"7/?"')).toEqual(B.port('7/?'));
    expect(dec('port', '"7"')).toEqual(B.port('7'));
    expect(() => dec('port', '"70000/tcp"')).toThrow('port');
  });

  test('errors name the path of the bad value', () => {
    expect(() => parseBrokerData('{"@data-type":"table","data":[{"key":{"@data-type":"string","data":"k"},"value":{"@data-type":"boolean","data":1}}]}'))
      .toThrow('$.data[0].value.data: boolean needs true or false, got 1');
    expect(() => parseBrokerData('{"@data-type":"vector","data":[{"data":1}]}')).toThrow('$.data[0]: "@data-type" must be a string');
    expect(() => parseBrokerData('{"@data-type":"none"}')).toThrow('"data" is missing');
  });

  test('strings and escapes round-trip', () => {
    const s = 'a"b\\c\n\u0001é😀';
    expect(parseBrokerData(enc(B.string(s)))).toEqual(B.string(s));
  });
});

describe('lossless JSON', () => {
  test('keeps number text and refuses malformed input with a position', () => {
    const v = parseLosslessJson('{"a":[1, 2.50, -3e2, 18446744073709551615], "__proto__": {"x": true}}') as Record<string, unknown>;
    expect((v.a as JsonNumber[]).map((n) => n.raw)).toEqual(['1', '2.50', '-3e2', '18446744073709551615']);
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(['a', '__proto__']);
    for (const bad of ['{', '[1,]', '01', '"\\x"', '{"a" 1}', 'tru', '[1] 2', '"a\u0001"']) expect(() => parseLosslessJson(bad)).toThrow(SyntaxError);
    expect(() => parseLosslessJson('['.repeat(1000) + ']'.repeat(1000))).toThrow('nesting too deep');
    expect(parseLosslessJson('"\\u00e9\\n"')).toBe('é\n');
  });
});

describe('events', () => {
  test('event layout with and without metadata', () => {
    const event = { name: 'Tenzir::intel', args: [B.string('x')], metadata: [[1n, B.timestamp(0n)]] as [bigint, BrokerData][] };
    expect(dataToEvent(eventToData(event))).toEqual(event);
    expect(encodeBrokerData(eventToData({ name: 'e', args: [] }))).toBe(
      '{"@data-type":"vector","data":[{"@data-type":"count","data":1},{"@data-type":"count","data":1},{"@data-type":"vector","data":[{"@data-type":"string","data":"e"},{"@data-type":"vector","data":[]}]}]}',
    );
  });

  test.each<[string, BrokerData, string]>([
    ['a string', B.string('x'), 'not a Zeek message'],
    ['format 2', B.vector([B.count(2), B.count(1), B.vector([B.string('e'), B.vector([])])]), 'unsupported message format'],
    ['a log write', B.vector([B.count(1), B.count(3), B.vector([])]), 'not an event (message type 3)'],
    ['a nameless event', B.vector([B.count(1), B.count(1), B.vector([B.count(5), B.vector([])])]), 'event name is not a string'],
    ['args not a vector', B.vector([B.count(1), B.count(1), B.vector([B.string('e'), B.string('a')])]), 'arguments of e are not a vector'],
    ['bad metadata', B.vector([B.count(1), B.count(1), B.vector([B.string('e'), B.vector([]), B.vector([B.string('m')])])]), 'metadata of e must hold'],
  ])('not an event: %s', (_name, data, problem) => {
    expect(() => dataToEvent(data)).toThrow(problem);
  });
});

import { loadVectors, withoutIgnored } from '../../../tools/vectors';
import { eventToManagement, eventToSighting } from '../src/zeek-events';
import { indicatorToIntelItem, intelItemToEvent, zeekUrl } from '../src/intel-mapping';
import { parseBrokerTimestamp } from '../src/broker-time';
import type { ZeekEvent } from '../src/messages';
import { fromVectorNotation } from './support/helpers';

interface IntelVectorInput {
  indicator: unknown;
  module_namespace: string | null;
}
interface IntelVectorExpected {
  name: string;
  args: [[{ '@time': string }, string, string, string, string]];
}

/**
 * Cases where this plugin deliberately differs from the original (spec/quirks.md),
 * with what it produces instead: `null` = skipped, else [intel_type, indicator].
 */
const FIXED_QUIRKS: Record<string, null | [string, string]> = {
  // E3: no scheme, so nothing is stripped.
  "derived: url without scheme but '://' inside loses it (QUIRK)": ['URL', 'evil.com/redirect?u=http://x'],
  // A15: an OR of two comparisons is not a point IoC.
  'derived: same-type OR accepted as point IoC (QUIRK)': null,
  // E4: STIX's user-account is mapped like the non-standard user.
  'derived: STIX user-account:user_id not mapped (QUIRK)': ['USER_NAME', 'root'],
};

describe('indicator → intel (vectors/indicator-to-zeek-intel.json)', () => {
  const vectors = loadVectors<IntelVectorInput, IntelVectorExpected | null>('indicator-to-zeek-intel.json');
  test('the vector file has its cases', () => expect(vectors.length).toBe(35));

  test.each(vectors.map((v) => [v.name, v] as const))('%s', (name, v) => {
    const ns = v.input.module_namespace ?? '';
    const mapped = indicatorToIntelItem(v.input.indicator);
    if (name in FIXED_QUIRKS) {
      const fixed = FIXED_QUIRKS[name];
      if (fixed === null) expect(mapped.ok).toBe(false);
      else expect(mapped.ok && [mapped.item.intelType, mapped.item.indicator]).toEqual(fixed);
      return;
    }
    if (v.expected === null) {
      expect(mapped).toMatchObject({ ok: false });
      if (!mapped.ok) expect(mapped.reason).toMatch(/\S/);
      return;
    }
    if (!mapped.ok) throw new Error(`expected an intel item, got: ${mapped.reason}`);
    const [[time, id, intelType, indicator, operation]] = v.expected.args;
    expect(mapped.item).toEqual({ ts: parseBrokerTimestamp(time['@time']), id, intelType, indicator, operation });
    const event = intelItemToEvent(mapped.item, ns);
    expect(event.name).toBe(v.expected.name);
    expect(event.args).toEqual([fromVectorNotation(v.expected.args[0])]);
  });
});

describe('mapping details beyond the vectors', () => {
  const indicator = (pattern: string, extra: Record<string, unknown> = {}) => ({
    type: 'indicator', spec_version: '2.1', id: 'indicator--42d31a5b-2da0-4bdd-9823-1723a98fc2fb',
    created: '2021-05-04T15:15:58.919Z', modified: '2021-05-04T15:15:58.919Z', valid_from: '2021-05-04T15:15:58.919Z',
    pattern, pattern_type: 'stix', ...extra,
  });

  test('escaped quotes in the constant are decoded (quirk A15)', () => {
    const m = indicatorToIntelItem(indicator("[file:name = 'it\\'s.exe']"));
    expect(m.ok && m.item.indicator).toBe("it's.exe");
  });

  test('a / in an address that is not a prefix stays ADDR; a bad pattern type is named', () => {
    const m = indicatorToIntelItem(indicator("[ipv4-addr:value = 'a/b']"));
    expect(m.ok && m.item.intelType).toBe('ADDR');
    expect(indicatorToIntelItem(indicator('x', { pattern_type: 'sigma' }))).toEqual({ ok: false, reason: "pattern_type 'sigma' is not stix" });
    expect(indicatorToIntelItem(indicator("[mac-addr:value = 'x']"))).toEqual({ ok: false, reason: "no Zeek intel type for STIX object path 'mac-addr:value'" });
  });

  test('an empty namespace gives a plain event name (quirk E11: the original sent ::intel)', () => {
    const m = indicatorToIntelItem(indicator("[domain-name:value = 'x.com']"));
    if (!m.ok) throw new Error(m.reason);
    expect(intelItemToEvent(m.item, '').name).toBe('intel');
  });

  test.each([
    ['https://evil.com/a?b=c#', 'evil.com/a?b=c'],
    ['https://evil.com/?#', 'evil.com/'],
    ['mailto:a@b.c', 'mailto:a@b.c'],
    ['svn+ssh://host/x', 'host/x'],
    ['evil.com:8080/x', 'evil.com:8080/x'],
  ])('zeekUrl(%s)', (url, expected) => expect(zeekUrl(url)).toBe(expected));
});

interface EventVectorInput {
  event: { name: string; args: unknown[] };
  module_namespace: string | null;
}

function toEvent(e: { name: string; args: unknown[] }): ZeekEvent {
  return { name: e.name, args: e.args.map(fromVectorNotation) };
}

describe('Zeek sighting → STIX (vectors/zeek-sighting-to-stix.json)', () => {
  const vectors = loadVectors<EventVectorInput, Record<string, unknown> | null>('zeek-sighting-to-stix.json');
  test('the vector file has its cases', () => expect(vectors.length).toBe(16));

  test.each(vectors.map((v) => [v.name, v] as const))('%s', (name, v) => {
    const result = eventToSighting(toEvent(v.input.event), v.input.module_namespace ?? '');
    if (v.expected === null) {
      expect(result.ok).toBe(false);
      return;
    }
    if (!result.ok) throw new Error(result.reason);
    const s = result.sighting;
    expect(s.id).toMatch(/^sighting--[0-9a-f-]{36}$/);
    expect(s.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    if ('dropped' in v.expected) {
      // spec/quirks.md E5 fixed: a Zeek count in the context becomes a number instead of silently losing the sighting.
      expect(name).toContain('count');
      expect(s.x_threatbus_sighting_context).toEqual({ count: 3 });
      expect(s.last_seen).toBe('2021-05-04T00:00:00.000Z');
      return;
    }
    expect(withoutIgnored(s, v.ignore)).toEqual(withoutIgnored(v.expected, v.ignore));
    if (!v.ignore?.includes('/last_seen')) expect(s.last_seen).toBe(v.expected.last_seen);
  });

  test('a sighting whose intel id is not a STIX id is refused with a reason', () => {
    const r = eventToSighting(toEvent({ name: 'Tenzir::sighting', args: [{ '@time': '2021-05-04T00:00:00Z' }, 'item-1', {}] }), 'Tenzir');
    expect(r).toEqual({ ok: false, reason: 'Tenzir::sighting: intel_id "item-1" is not a STIX id' });
  });
});

describe('management events (vectors/zeek-management.json)', () => {
  const vectors = loadVectors<EventVectorInput, { kind: string; topic: string; snapshot_seconds?: number } | null>('zeek-management.json')
    .filter((v) => 'event' in v.input);
  // The other cases exercise the original's Broker p2p handshake, which the WebSocket design replaced.
  test('the vector file has its event cases', () => expect(vectors.length).toBe(18));

  test.each(vectors.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const request = eventToManagement(toEvent(v.input.event), v.input.module_namespace ?? '');
    if (v.expected === null) return expect(request).toBeUndefined();
    const { kind, topic, snapshot_seconds } = v.expected;
    expect(request).toEqual(kind === 'Subscription' ? { kind, topic, snapshotSeconds: snapshot_seconds } : { kind, topic });
  });
});

import { createMessageMemo, encodeMessage, createIndicator } from '../src';

describe('createMessageMemo', () => {
  test('a memoised value is found again, per memo, and invisible to keys, JSON and deep equality', () => {
    const a = createMessageMemo<string>('a');
    const b = createMessageMemo<number>('b');
    const message = { type: 'indicator', id: 'x' };
    expect(a.get(message)).toBeUndefined();
    a.set(message, 'text');
    b.set(message, 7);
    expect(a.get(message)).toBe('text');
    expect(b.get(message)).toBe(7);
    expect(Object.keys(message)).toEqual(['type', 'id']);
    expect(JSON.stringify(message)).toBe('{"type":"indicator","id":"x"}');
    expect(structuredClone(message)).toEqual({ type: 'indicator', id: 'x' });
    expect(message).toStrictEqual({ type: 'indicator', id: 'x' });
    const keys: string[] = [];
    for (const k in message) keys.push(k);
    expect(keys).toEqual(['type', 'id']);
  });

  test('an object made with Object.create(message) does not inherit the memoised value', () => {
    const memo = createMessageMemo<string>('inherit');
    const parent = { type: 'indicator' };
    memo.set(parent, 'parent text');
    expect(memo.get(Object.create(parent) as object)).toBeUndefined();
  });

  test('memoise: false encodes again (for objects that may change, like an app\'s own)', () => {
    const indicator = createIndicator({ pattern: "[ipv4-addr:value = '10.0.0.1']", pattern_type: 'stix' });
    const before = encodeMessage(indicator, { memoise: false });
    (indicator as { name?: string }).name = 'changed';
    expect(encodeMessage(indicator, { memoise: false })).not.toBe(before);
    expect(encodeMessage(indicator, { memoise: false })).toContain('"name": "changed"');
  });

  test('frozen objects are not memoised (and do not throw)', () => {
    const memo = createMessageMemo<string>('f');
    const message = Object.freeze({ type: 'indicator' });
    memo.set(message, 'text');
    expect(memo.get(message)).toBeUndefined();
  });

  test('encodeMessage returns the same text for the same message, and encodes an equal copy on its own', () => {
    const indicator = createIndicator({ pattern: "[ipv4-addr:value = '10.0.0.1']", pattern_type: 'stix' });
    const first = encodeMessage(indicator);
    expect(encodeMessage(indicator)).toBe(first);
    expect(encodeMessage({ ...indicator })).toBe(first);
  });
});

describe('STIX checks walk own properties only', () => {
  test('an enumerable property on Object.prototype does not make every indicator invalid', () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto.Polluted = 1;
    try {
      expect(() => createIndicator({ pattern: "[ipv4-addr:value = '10.0.0.1']", pattern_type: 'stix' })).not.toThrow();
    } finally {
      delete proto.Polluted;
    }
  });
});

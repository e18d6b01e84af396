/** The one- and two-entry caches of the timestamp helpers must never change an answer. */
import { formatStixTimestamp, isStixTimestamp } from '../src';

describe('timestamp caches', () => {
  test('isStixTimestamp answers the same with and without cached neighbours', () => {
    const cases: [unknown, boolean][] = [
      ['2021-05-04T15:15:58.300Z', true], ['2021-05-04T15:15:58.300Z', true], ['2021-02-29T00:00:00Z', false],
      ['2020-02-29T00:00:00Z', true], ['2021-05-04T15:15:58.300', false], ['2021-05-04T15:15:58.300Z', true],
      ['2020-02-29T00:00:00Z', true], [new String('2020-02-29T00:00:00Z'), false], ['2021-13-01T00:00:00Z', false],
      ['2021-05-04T15:15:58.300Z ', false], [undefined, false],
    ];
    for (let round = 0; round < 3; round++) for (const [value, valid] of cases) expect([value, isStixTimestamp(value)]).toEqual([value, valid]);
  });

  test('formatStixTimestamp answers the same with and without a cached last value', () => {
    const ms = [1601906335000, 1601906335000, 0, 1601906335123, 0, -1, 1601906335000];
    for (const m of ms) expect(formatStixTimestamp(m)).toBe(new Date(m).toISOString());
    expect(formatStixTimestamp(new Date(5))).toBe('1970-01-01T00:00:00.005Z');
    expect(formatStixTimestamp(1601906335000)).toBe('2020-10-05T13:58:55.000Z');
    expect(() => formatStixTimestamp(NaN)).toThrow(RangeError);
    expect(() => formatStixTimestamp(NaN)).toThrow(RangeError);
  });
});

/** The store's rules on real SQLite files: upsert by id, newest modified wins, tombstones, expiry, retention, the bound, snapshot windows. */
import { join } from 'node:path';
import { MessageType, isJsonObject, parseIndicator } from 'threatbus';
import type { Indicator } from 'threatbus';
import { loadVectors } from '../../../tools/vectors';
import { sortableTimestamp } from '../src';
import { DAY, detachedStore, ids, indicator, removeTempDirs, sighting, tempDir } from './helpers';
import type { DetachedStore } from './helpers';

const open: DetachedStore[] = [];
async function store(config = {}): Promise<DetachedStore> {
  const s = await detachedStore(join(tempDir(), 'store.db'), config);
  open.push(s);
  return s;
}
afterEach(async () => {
  for (const s of open.splice(0)) await s.app.stop();
  removeTempDirs();
});

const WEEK_S = 7 * 86400;
const ID = 'indicator--0f6b1c1e-8d55-4a1e-9a8e-3d6a1d2c4b5a';

test('sortableTimestamp compares sub-millisecond instants as strings', () => {
  expect(sortableTimestamp('2021-01-01T00:00:00Z')).toBe('2021-01-01T00:00:00.000000000Z');
  expect(sortableTimestamp('2021-01-01T00:00:00.5Z') > sortableTimestamp('2021-01-01T00:00:00Z')).toBe(true);
  expect(sortableTimestamp('2021-01-01T00:00:00.0001Z') > sortableTimestamp('2021-01-01T00:00:00.000099Z')).toBe(true);
});

describe('upsert by STIX id', () => {
  test('the newest modified wins, in whatever order the versions arrive', async () => {
    const s = await store();
    const t = s.clock.now - DAY;
    const v1 = indicator({ id: ID, at: t, value: '10.0.0.1' });
    const v2 = { ...indicator({ id: ID, at: t, value: '10.0.0.2' }), modified: '2099-01-01T00:00:00.000001Z' };
    const v3 = { ...v2, pattern: "[ipv4-addr:value = '10.0.0.3']", modified: '2099-01-01T00:00:00Z' };
    s.take(v1, v2, v3, v1);
    const got = await s.snapshot(MessageType.INDICATOR, WEEK_S);
    expect(got).toEqual([v2]);
  });

  test('a removal leaves a tombstone: not served, and an older copy arriving late does not come back', async () => {
    const s = await store();
    const t = s.clock.now - DAY;
    const add = indicator({ id: ID, at: t });
    const remove = indicator({ id: ID, at: t + 1000, remove: true });
    const other = indicator({ at: t });
    s.take(add, other, remove, add);
    expect(ids(await s.snapshot(MessageType.INDICATOR, WEEK_S))).toEqual([other.id]);
    expect((await s.app.stats()).removals).toBe(1);
  });

  test('a removal with the same modified as the indicator wins; a newer version after it resurrects the indicator', async () => {
    const s = await store();
    const t = s.clock.now - DAY;
    const add = indicator({ id: ID, at: t });
    s.take(add, { ...add, x_threatbus_update: 'REMOVE' });
    expect(await s.snapshot(MessageType.INDICATOR, WEEK_S)).toEqual([]);
    const readded = indicator({ id: ID, at: t + 5000 });
    s.take(readded);
    expect(await s.snapshot(MessageType.INDICATOR, WEEK_S)).toEqual([readded]);
  });

  test('sightings are stored by id too, and served for sighting snapshots only', async () => {
    const s = await store();
    const i = indicator({ at: s.clock.now - DAY });
    const seen = sighting(i, s.clock.now - DAY);
    s.take(i, seen, seen);
    expect(await s.snapshot(MessageType.SIGHTING, WEEK_S)).toEqual([seen]);
    expect(await s.snapshot(MessageType.INDICATOR, WEEK_S)).toEqual([i]);
  });
});

describe('expiry, retention and the bound', () => {
  test('an indicator past valid_until is not served and is pruned', async () => {
    const s = await store();
    const t = s.clock.now - DAY;
    const expiring = indicator({ at: t, valid_until: s.clock.now + 60_000 });
    const lasting = indicator({ at: t });
    s.take(expiring, lasting);
    expect(ids(await s.snapshot(MessageType.INDICATOR, WEEK_S))).toEqual(ids([expiring, lasting]));
    s.clock.now += 60_000;
    expect(await s.snapshot(MessageType.INDICATOR, WEEK_S)).toEqual([lasting]);
    expect(await s.app.prune()).toMatchObject({ expired: 1 });
    expect(await s.app.stats()).toMatchObject({ indicators: 1, expired: 0 });
  });

  test('sightings older than sighting_retention days and tombstones older than tombstone_retention are pruned', async () => {
    const s = await store({ sighting_retention: 2, tombstone_retention: 3 });
    const now = s.clock.now;
    const i = indicator({ at: now - 10 * DAY });
    const recent = sighting(i, now - 1 * DAY);
    const old = sighting(i, now - 2 * DAY - 1000);
    const removedLongAgo = indicator({ at: now - 4 * DAY, remove: true });
    const removedLately = indicator({ at: now - 1 * DAY, remove: true });
    s.take(i, recent, old, removedLongAgo, removedLately);
    expect(await s.app.prune()).toEqual({ expired: 0, sightings: 1, tombstones: 1, evicted: 0 });
    expect(await s.snapshot(MessageType.SIGHTING, 30 * 86400)).toEqual([recent]);
    expect(await s.app.stats()).toMatchObject({ removals: 1, sightings: 1 });
  });

  test('max_indicators evicts the oldest with a warning', async () => {
    const s = await store({ max_indicators: 3 });
    const t = s.clock.now - 10 * DAY;
    const all = [0, 1, 2, 3, 4].map((n) => indicator({ at: t + n * DAY }));
    s.take(...all);
    expect(await s.app.prune()).toMatchObject({ evicted: 2 });
    expect(ids(await s.snapshot(MessageType.INDICATOR, 30 * 86400))).toEqual(ids(all.slice(2)));
    expect(s.logger.records.some((r) => r.level === 'warn' && /max_indicators=3.*evicted the 2 oldest/.test(r.message))).toBe(true);
  });
});

describe('snapshot window', () => {
  test('objects changed at or after now - seconds are in, older ones are out; oldest first', async () => {
    const s = await store();
    const now = s.clock.now;
    const window = 3600;
    const edge = indicator({ at: now - window * 1000 });
    const justOutside = indicator({ at: now - window * 1000 - 1 });
    const inside = indicator({ at: now - 10_000 });
    // Created long ago, but modified within the window: in.
    const modifiedLately = { ...indicator({ at: now - 30 * DAY }), modified: new Date(now - 5000).toISOString() };
    s.take(inside, justOutside, modifiedLately, edge);
    const got = await s.snapshot(MessageType.INDICATOR, window);
    expect(got.map((o) => o.id)).toEqual([edge.id, inside.id, modifiedLately.id]);
  });

  test('a snapshot is sent in pages of snapshot_page, each object once, and includes what still waited in the batch', async () => {
    const s = await store({ snapshot_page: 7, batch_size: 1000, flush_interval: 60 });
    const all = Array.from({ length: 50 }, (_, n) => indicator({ at: s.clock.now - 1000 * (n + 1) }));
    s.take(...all);
    const got = await s.snapshot(MessageType.INDICATOR, 3600);
    expect(ids(got)).toEqual(ids(all));
  });
});

describe('on the MISP mapping vectors (spec/vectors/misp-attribute-to-indicator.json)', () => {
  // 23 of these are versions of one indicator id (adds, edits, a REMOVE), with sub-millisecond `modified`.
  const versions = loadVectors<unknown, unknown>('misp-attribute-to-indicator.json')
    .map((v) => v.expected)
    .filter((e): e is Record<string, unknown> => isJsonObject(e) && e.type === 'indicator')
    .map((e) => parseIndicator(e));

  /** Nanoseconds since the epoch, exact for any number of fraction digits up to 9 (a model independent of the store's). */
  const nanos = (ts: string): bigint => {
    const [whole, fraction = ''] = ts.replace(/Z$/, '').split('.');
    return BigInt(Date.parse(whole + 'Z')) * 1_000_000n + BigInt((fraction + '000000000').slice(0, 9));
  };
  /** The expected state: per id the newest modified, a removal winning a tie. */
  const model = (): Map<string, Indicator> => {
    const state = new Map<string, Indicator>();
    for (const v of versions) {
      const old = state.get(v.id);
      const newer = !old || nanos(v.modified) > nanos(old.modified) || (nanos(v.modified) === nanos(old.modified) && v.x_threatbus_update === 'REMOVE' && old.x_threatbus_update !== 'REMOVE');
      if (newer) state.set(v.id, v);
    }
    return state;
  };

  for (const order of ['as listed', 'reversed']) {
    test(`the store's state equals the model, versions applied ${order}`, async () => {
      expect(versions.length).toBeGreaterThan(20);
      const s = await store();
      s.take(...(order === 'reversed' ? [...versions].reverse() : versions));
      const expected = [...model().values()];
      const live = expected.filter((i) => i.x_threatbus_update !== 'REMOVE');
      const got = await s.snapshot(MessageType.INDICATOR, 100 * 365 * 86400);
      expect(ids(got)).toEqual(ids(live));
      for (const g of got) expect(g).toEqual(live.find((i) => i.id === g.id));
      expect((await s.app.stats()).removals).toBe(expected.length - live.length);
    });
  }
});

/**
 * The store inside a real bus: the app contract, persistence across a
 * restart (seen by a real ZeroMQ app subscribing with a snapshot), and one
 * copy per id when MISP (the HTTP double) answers the same snapshot.
 */
import { join } from 'node:path';
import { appContract, startTestBus, waitFor } from 'threatbus/testing';
import type { TestBus } from 'threatbus/testing';
import type { AppPluginDefinition, Indicator, Message, Sighting } from 'threatbus';
import zmqPlugin from 'threatbus-zmq-app';
import { ThreatBusClient } from 'threatbus-zmq-app/client';
import type { ZmqApp } from 'threatbus-zmq-app';
import mispPlugin from 'threatbus-misp';
import { mapAttribute } from 'threatbus-misp/mapping';
import { MispDouble, storedAttribute } from '../../threatbus-misp/test/misp-double';
import storePlugin, { StoreDatabase, toRow } from '../src';
import type { StoreApp } from '../src';
import { DAY, ids, indicator, removeTempDirs, sighting, tempDir } from './helpers';

appContract(storePlugin, () => ({ config: { path: join(tempDir(), 'contract.db') }, close: async () => removeTempDirs() }));

const buses: TestBus[] = [];
afterEach(async () => {
  for (const b of buses.splice(0)) await b.close();
  removeTempDirs();
});

type AnyApp = AppPluginDefinition<never>;

async function bus(config: Record<string, unknown>, plugins: AnyApp[] = [storePlugin as AnyApp, zmqPlugin as AnyApp]): Promise<TestBus> {
  const b = await startTestBus({ plugins, config: { plugins: { apps: config } } });
  buses.push(b);
  return b;
}

const zmqSection = { host: '127.0.0.1', manage: 0, pub: 0, sub: 0 };

test('stop the bus, start it, subscribe with a snapshot through the zmq app: the same set', async () => {
  const path = join(tempDir(), 'restart.db');
  const first = await bus({ store: { path }, zmq: zmqSection });
  const now = Date.now();
  const kept = [0, 1, 2, 3].map((n) => indicator({ at: now - n * DAY }));
  const removed = indicator({ at: now - DAY });
  const seen = sighting(kept[0], now - DAY);
  for (const m of [...kept, removed, seen, indicator({ id: removed.id, at: now - DAY + 1000, remove: true })]) await first.probe.publish(m);
  await first.close();

  const second = await bus({ store: { path }, zmq: zmqSection });
  const manage = second.plugin<ZmqApp>('zmq').ports!.manage;
  const client = new ThreatBusClient({ endpoint: `127.0.0.1:${manage}`, topics: 'stix2', snapshot: 30 });
  const got: Message[] = [];
  client.onMessage((m) => void got.push(m));
  try {
    await client.start();
    const expected = ids([...kept, seen]);
    await waitFor('the snapshot through the zmq app', () => got.length >= expected.length);
    expect(ids(got as (Indicator | Sighting)[])).toEqual(expected);
    expect(await second.plugin<StoreApp>('store').stats()).toMatchObject({ indicators: 4, removals: 1, sightings: 1 });
  } finally {
    await client.close();
  }
});

test('a requester gets each id once when the store and MISP answer with the same indicators', async () => {
  const attributes = [1, 2, 3].map((n) => storedAttribute(n));
  const mapped = attributes.map((a) => mapAttribute(a, 'add') as Indicator);
  const path = join(tempDir(), 'dedupe.db');
  // The store already holds two of MISP's indicators, and one of its own.
  const own = indicator({ at: Date.parse(mapped[0].modified) });
  const db = StoreDatabase.open(path);
  db.write([mapped[0], mapped[1], own].map(toRow));
  db.close();
  const misp = await new MispDouble().start();
  misp.attributes = attributes;
  try {
    const b = await bus(
      {
        store: { path },
        misp: { zmq: { host: '127.0.0.1', port: 9 }, api: { host: misp.url, ssl: false, key: misp.key, timeout: 2 } },
      },
      [storePlugin as AnyApp, mispPlugin as AnyApp],
    );
    const got: Message[] = [];
    b.probe.bus().subscribe('stix2/indicator', { push: (m) => void got.push(m) }, { snapshotSeconds: 20 * 365 * 86400 });
    await waitFor('MISP was searched', () => misp.requests.some((r) => r.path.includes('restSearch')));
    await waitFor('four indicators', () => got.length >= 4);
    // MISP's answer may still be arriving: give the envelopes time to reach the requester, then count.
    await waitFor('the snapshot is quiet', async () => {
      const before = got.length;
      await new Promise((r) => setTimeout(r, 200));
      return got.length === before;
    });
    expect(ids(got as Indicator[])).toEqual(ids([...mapped, own]));
    expect(misp.violations).toEqual([]);
  } finally {
    await misp.stop();
  }
});

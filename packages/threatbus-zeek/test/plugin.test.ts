/**
 * The plugin end to end: a real bus in-process, real WebSocket connections to
 * servers that behave like Zeek 8 with threatbus.zeek loaded (support/fake-zeek.ts).
 */
import { createIndicator, silentLogger, startThreatBus } from 'threatbus';
import type { Indicator, Sighting } from 'threatbus';
import plugin from '../src';
import { B } from '../src/broker-data';
import { parseBrokerTimestamp } from '../src/broker-time';
import type { ZeekEvent } from '../src/messages';
import { domain, intelArgs, startBus } from './support/bus';
import { FakeZeek, threatbusEvents } from './support/fake-zeek';
import { sleep, waitFor } from './support/helpers';
import type { LogRecord } from './support/helpers';

const warnings = (logs: LogRecord[], text: string): LogRecord[] => logs.filter((l) => l.level === 'warn' && l.message.includes(text));

describe('threatbus-zeek against a Zeek-like WebSocket server', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  const zeek = async (options?: Parameters<typeof FakeZeek.start>[0]) => {
    const z = await FakeZeek.start(options);
    cleanup.push(() => z.close());
    return z;
  };
  const bus = async (config: Record<string, unknown>, history?: Indicator[]) => {
    const h = await startBus(config, history);
    cleanup.push(() => h.close());
    return h;
  };

  test('intel is delivered as Tenzir::intel; unmappable indicators are skipped; the handshake is as Zeek expects', async () => {
    const z = await zeek();
    const h = await bus({ endpoints: [{ url: z.url }] });
    await waitFor('the handshake', () => h.app().connections[0].isReady);
    const [client] = z.ackedClients;
    expect(client.subscriptions).toEqual(['threatbus/sighting', 'threatbus/manage']);
    expect(client.applicationName).toBe('threatbus');
    // Once at start: what it connects to, then what it is connected to.
    const infos = h.logs.filter((l) => l.level === 'info').map((l) => l.message);
    expect(infos.filter((m) => m.startsWith('Zeek plugin started, connecting to'))).toEqual([`Zeek plugin started, connecting to ${z.url}`]);
    expect(infos.filter((m) => m.startsWith('Connected to Zeek at'))).toEqual([`Connected to Zeek at ${z.url}`]);
    expect(h.logs.filter((l) => l.level === 'warn')).toEqual([]);

    const good = domain('evil.com');
    await h.probe.publish(createIndicator({ pattern: "[ipv4-addr:value = '1.1.1.1'] AND [ipv4-addr:value = '2.2.2.2']", pattern_type: 'stix' }));
    await h.probe.publish(good);
    await h.probe.publish(domain('gone.com', { x_threatbus_update: 'REMOVE' }));
    await waitFor('two intel events', () => z.events('Tenzir::intel').length === 2);
    const [add, remove] = z.events('Tenzir::intel');
    expect(intelArgs(add)).toEqual([parseBrokerTimestamp('2021-05-04T15:15:58.919'), good.id, 'DOMAIN', 'evil.com', 'ADD']);
    expect(intelArgs(remove).slice(2)).toEqual(['DOMAIN', 'gone.com', 'REMOVE']);
    expect(z.received.every((r) => r.topic === 'threatbus/intel')).toBe(true);
    expect(z.errorsSent).toEqual([]);
    expect(h.logs.some((l) => l.level === 'debug' && l.message.startsWith('Skipping indicator for Zeek: Zeek only supports point IoCs'))).toBe(true);
  });

  test('sightings from Zeek reach the bus as STIX-2.1 Sightings, and bad frames are logged without harm', async () => {
    const z = await zeek();
    const h = await bus({ endpoints: [{ url: z.url }] });
    await waitFor('the handshake', () => h.app().connections[0].isReady);
    const ref = 'indicator--42d31a5b-2da0-4bdd-9823-1723a98fc2fb';
    const sighting = (ctx = B.table([{ key: B.string('noisy'), value: B.boolean(false) }]), id = ref): ZeekEvent => ({
      name: 'Tenzir::sighting',
      args: [B.timestamp(parseBrokerTimestamp('2021-05-04T15:15:58.919')!), B.string(id), ctx],
      metadata: [[1n, B.timestamp(0n)]],
    });

    z.sendRaw('this is not JSON');
    z.sendRaw('{"type":"data-message","topic":"threatbus/sighting","@data-type":"count","data":1.5}');
    z.sendRaw('{"type":"data-message","topic":"threatbus/sighting","@data-type":"string","data":"hello"}');
    z.sendRaw('{"type":"error","code":"deserialization_failed","context":"no topic in top-level JSON object"}');
    expect(z.publish('threatbus/sighting', sighting(undefined, 'not-a-stix-id'))).toBe(1);
    z.publish('threatbus/sighting', { name: 'Other::sighting', args: [] });
    z.publish('threatbus/sighting', sighting(B.table([{ key: B.string('hosts'), value: B.set([B.address('10.0.0.1')]) }, { key: B.string('n'), value: B.count(3) }])));
    z.publish('threatbus/sighting', sighting());
    // Zeek's own topic namespace: the plugin did not subscribe to it, so it never arrives.
    expect(z.publish('zeek/other', sighting())).toBe(0);

    await waitFor('two sightings', () => h.probe.sightings().length === 2);
    const [withSet, plain] = h.probe.sightings() as Sighting[];
    expect(plain).toMatchObject({ type: 'sighting', spec_version: '2.1', sighting_of_ref: ref, last_seen: '2021-05-04T15:15:58.919Z', x_threatbus_sighting_context: { noisy: false } });
    expect(plain.count).toBeUndefined();
    expect(withSet.x_threatbus_sighting_context).toEqual({ hosts: ['10.0.0.1'], n: 3 });

    expect(warnings(h.logs, 'Ignoring a bad frame from Zeek').map((l) => l.message)).toEqual([
      expect.stringContaining('malformed JSON'),
      expect.stringContaining('count needs a JSON integer, got 1.5'),
    ]);
    expect(warnings(h.logs, 'not a Zeek event: not a Zeek message')).toHaveLength(1);
    expect(warnings(h.logs, 'reported an error: deserialization_failed: no topic')).toHaveLength(1);
    expect(warnings(h.logs, 'Dropping a sighting from Zeek').map((l) => l.message)).toEqual([expect.stringContaining('"not-a-stix-id" is not a STIX id')]);
    expect(h.logs.some((l) => l.message.includes('Discarding event with unknown type') && l.message.includes('Other::sighting'))).toBe(true);
    // The connection survived all of it.
    expect(h.app().connections[0].isReady).toBe(true);
  });

  test('a snapshot is requested when a Zeek connects and goes to that Zeek only; two Zeeks get live intel', async () => {
    const history = [domain('old-1.com'), domain('old-2.com')];
    const first = await zeek();
    // The second Zeek is not up yet when the bus starts; it comes up later on a port reserved now.
    const reserved = await FakeZeek.start();
    const secondPort = reserved.port;
    await reserved.close();
    const h = await bus({ snapshot: 30, endpoints: [{ url: first.url }, { host: '127.0.0.1', port: secondPort }] }, history);
    await waitFor('the first snapshot', () => first.events('Tenzir::intel').length === 2);
    expect(h.probe.snapshotRequests).toHaveLength(1);
    expect(h.probe.snapshotRequests[0].snapshot).toBe(30 * 86400);
    expect(warnings(h.logs, `Cannot reach Zeek at ws://127.0.0.1:${secondPort}/v1/messages/json`)).toHaveLength(1);

    const second = await zeek({ port: secondPort });
    await waitFor('the second snapshot', () => second.events('Tenzir::intel').length === 2);
    expect(intelArgs(second.events('Tenzir::intel')[1])[3]).toBe('old-2.com');
    await h.probe.publish(domain('live.com'));
    await waitFor('live intel at both', () => first.events('Tenzir::intel').length === 3 && second.events('Tenzir::intel').length === 3);
    // The first Zeek did not get the second one's snapshot again.
    expect(first.events('Tenzir::intel').map((e) => intelArgs(e)[3])).toEqual(['old-1.com', 'old-2.com', 'live.com']);
    expect(h.probe.snapshotRequests).toHaveLength(2);

    // Sightings from both.
    const ref = (n: number) => `indicator--42d31a5b-2da0-4bdd-9823-1723a98fc2f${n}`;
    for (const [z, n] of [[first, 1], [second, 2]] as const) {
      z.publish('threatbus/sighting', { name: 'Tenzir::sighting', args: [B.timestamp(0n), B.string(ref(n)), B.table([])] });
    }
    await waitFor('two sightings', () => h.probe.sightings().length === 2);
    expect((h.probe.sightings() as Sighting[]).map((s) => s.sighting_of_ref).sort()).toEqual([ref(1), ref(2)]);
  });

  test('after Zeek restarts the plugin reconnects, logs lost and back, and asks for the snapshot again; another Zeek is undisturbed', async () => {
    const history = [domain('old.com')];
    let z = await zeek();
    const other = await zeek();
    const { port, url } = z;
    const h = await bus({ snapshot: 1, endpoints: [{ url: z.url }, { url: other.url }] }, history);
    await waitFor('both snapshots', () => z.events('Tenzir::intel').length === 1 && other.events('Tenzir::intel').length === 1);

    await z.close();
    await waitFor('the loss to be noticed', () => warnings(h.logs, `Lost Zeek at ${url}`).length === 1);
    await h.probe.publish(domain('while-away.com'));
    await waitFor('live intel at the other Zeek', () => other.events('Tenzir::intel').length === 2);

    z = await zeek({ port });
    await waitFor('the reconnect snapshot', () => z.events('Tenzir::intel').length === 1);
    expect(h.logs.some((l) => l.level === 'info' && l.message === `Zeek at ${z.url} is back`)).toBe(true);
    expect(intelArgs(z.events('Tenzir::intel')[0])[3]).toBe('old.com');
    await h.probe.publish(domain('after.com'));
    await waitFor('live intel after the reconnect', () => z.events('Tenzir::intel').length === 2 && other.events('Tenzir::intel').length === 3);
    expect(other.events('Tenzir::intel').map((e) => intelArgs(e)[3])).toEqual(['old.com', 'while-away.com', 'after.com']);
    // One connection each: the other Zeek never saw a reconnect.
    expect(h.app().connections.map((c) => c.stats.connects)).toEqual([2, 1]);
  });

  test('a Zeek that rejects the intel event is named once per event type, not per message', async () => {
    // Zeek without threatbus.zeek in this namespace: Tenzir::intel is not a declared event.
    const z = await zeek({ declared: threatbusEvents('Other') });
    const h = await bus({ endpoints: [{ url: z.url }] });
    await waitFor('the handshake', () => h.app().connections[0].isReady);
    for (const d of ['a.com', 'b.com', 'c.com']) await h.probe.publish(domain(d));
    await waitFor('three rejections', () => h.app().connections[0].stats.rejected.get('Tenzir::intel') === 3);
    const rejected = warnings(h.logs, 'rejected the event');
    expect(rejected).toHaveLength(1);
    expect(rejected[0].message).toContain(`Zeek at ${z.url} rejected the event Tenzir::intel (deserialization_failed: failed to create Zeek event)`);
    expect(z.received).toEqual([]);
  });

  test('a Zeek that asks for a snapshot (Tenzir::snapshot_intel) gets one', async () => {
    const z = await zeek();
    z.onClientAdded = (client) => {
      // What threatbus.zeek does in Cluster::websocket_client_added when snapshot_intel is set.
      client.ws.send(
        '{"type":"data-message","topic":"threatbus/manage","@data-type":"vector","data":[{"@data-type":"count","data":1},{"@data-type":"count","data":1},{"@data-type":"vector","data":[{"@data-type":"string","data":"Tenzir::subscribe"},{"@data-type":"vector","data":[{"@data-type":"string","data":"threatbus/intel"},{"@data-type":"timespan","data":"172800s"}]}]}]}',
      );
    };
    const h = await bus({ endpoints: [{ url: z.url }] }, [domain('old.com')]);
    await waitFor('the snapshot', () => z.events('Tenzir::intel').length === 1);
    expect(h.probe.snapshotRequests.map((r) => r.snapshot)).toEqual([2 * 86400]);
  });

  test('a wrong path and a silent server are reported and retried', async () => {
    const silent = await zeek({ neverAck: true });
    const z = await zeek();
    const h = await bus({
      ack_timeout: 0.2,
      endpoints: [
        { url: z.url.replace('/v1/messages/json', '/v1/messages/wrong') },
        { url: silent.url },
      ],
    });
    await waitFor('retries', () => z.errorsSent.length >= 2 && warnings(h.logs, 'did not acknowledge').length === 1);
    // Logged once, however often it is retried.
    expect(warnings(h.logs, 'refused the connection: invalid_uri: unexpected URI /v1/messages/wrong')).toHaveLength(1);
    await waitFor('a second silent attempt', () => silent.clients.size > 0);
    expect(h.app().connections.every((c) => !c.isReady)).toBe(true);
  });
});

describe('start-up warnings and refused handshakes', () => {
  test('verify: false is one warning at start naming the endpoints', async () => {
    const z = await FakeZeek.start();
    const h = await startBus({ endpoints: [{ url: z.url, verify: false }, { url: z.url.replace('/v1', '//v1') }, { host: '127.0.0.1', port: z.port, verify: false, tls: true }] });
    try {
      const w = h.logs.filter((l) => l.level === 'warn' && l.message.includes('verification is off'));
      expect(w.map((l) => l.message)).toEqual([
        `TLS certificate verification is off (verify: false) for Zeek at ${z.url}, wss://127.0.0.1:${z.port}/v1/messages/json: anyone on the path can impersonate that Zeek; set ca: to Zeek's CA instead`,
      ]);
    } finally {
      await h.close();
      await z.close();
    }
  });

  test('a refused subscription list: Zeek keeps the connection open, the ack timeout ends it and the plugin retries', async () => {
    const z = await FakeZeek.start({ refuseSubscriptions: 'invalid topic' });
    const h = await startBus({ ack_timeout: 0.2, endpoints: [{ url: z.url }] });
    try {
      // The fake never closes a refused client: every close here is the plugin's, after its ack timeout.
      await waitFor('two refused attempts, the first closed by the plugin', () => z.errorsSent.length >= 2 && z.connections.closed >= 1);
      expect(z.connections.accepted).toBeGreaterThanOrEqual(2);
      expect(warnings(h.logs, 'refused the connection: deserialization_failed: invalid topic')).toHaveLength(1);
      expect(warnings(h.logs, 'did not acknowledge the subscription within 0.2s')).toHaveLength(1);
      expect(h.app().connections[0].isReady).toBe(false);
    } finally {
      await h.close();
      await z.close();
    }
  });
});

test('the bus refuses a config with a typo or the original listen keys', async () => {
  const bad = (zeek: Record<string, unknown>) =>
    startThreatBus({ config: { plugins: { apps: { zeek } } }, plugins: [plugin], searchRoots: false, logger: silentLogger() });
  await expect(bad({ port: 47761 })).rejects.toThrow(/plugins\.apps\.zeek/);
  await expect(bad({ endpoints: [{ url: 'http://x' }] })).rejects.toThrow(/endpoints/);
  await expect(bad({ endpoints: [{ hots: 'x' }] })).rejects.toThrow(/hots/);
  await expect(bad({ application_name: 'has space' })).rejects.toThrow(/application_name/);
  await expect(bad({ endpoints: [{ host: 'x', ca: '/nonexistent/ca.pem' }] })).rejects.toThrow('cannot read the TLS CA file /nonexistent/ca.pem');
  await sleep(0);
});

/** The client library against a real bus: delivery, publishing back, snapshots between two clients, reconnect. */
import { MessageType } from 'threatbus';
import type { Indicator, Message } from 'threatbus';
import { ThreatBusClient, parseEndpoint } from '../src/client/client';
import type { IncomingMessage } from '../src/client/decode';
import { startBus, sleep, indicator, sighting, collect, requestJson, waitFor } from './helpers';
import type { TestBus } from './helpers';

const fast = { heartbeatIntervalMs: 100, requestTimeoutMs: 500, retryDelayMs: 50, maxRetryDelayMs: 200 };

test('parseEndpoint', () => {
  expect(parseEndpoint('localhost:13370')).toEqual({ host: 'localhost', port: 13370 });
  expect(parseEndpoint('tcp://127.0.0.1:1')).toEqual({ host: '127.0.0.1', port: 1 });
  expect(() => parseEndpoint('nope')).toThrow(/host:port/);
});

describe('client against a running bus', () => {
  let t: TestBus;
  const clients: ThreatBusClient[] = [];
  const client = (o: Partial<ConstructorParameters<typeof ThreatBusClient>[0]> = {}) => {
    const c = new ThreatBusClient({ endpoint: `127.0.0.1:${t.ports.manage}`, ...fast, ...o });
    clients.push(c);
    return c;
  };
  beforeAll(async () => {
    t = await startBus();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await t.close();
  });

  test('receives indicators as an async iterator and through a callback; sightings go back into the bus', async () => {
    const c = client({ topics: 'stix2/indicator' });
    const viaCallback: IncomingMessage[] = [];
    c.onMessage((m) => viaCallback.push(m));
    await c.start();
    expect(c.p2pTopic).toMatch(/^[a-z]{32}$/);
    expect(c.connected).toBe(true);
    const it = c.messages();
    const sent = [indicator(1), indicator(2), indicator(3)];
    for (const i of sent) await t.started.bus.publish(i);
    const got: IncomingMessage[] = [];
    for (let i = 0; i < 3; i++) got.push((await it.next()).value as IncomingMessage);
    await it.return!();
    expect(got).toEqual(sent);
    await waitFor('callbacks', () => viaCallback.length === 3);

    const sightings = collect(t, 'stix2/sighting');
    const s = sighting(sent[0]);
    await c.publishSighting(s);
    await waitFor('sighting in the bus', () => sightings.length === 1);
    expect(sightings[0]).toEqual(s);
  });

  test('close() unsubscribes and ends iterators', async () => {
    const c = client();
    await c.start();
    const p2p = c.p2pTopic!;
    expect(t.app.registry!.get(p2p)).toBeDefined();
    const it = c.messages();
    const pending = it.next();
    await c.close();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(t.app.registry!.get(p2p)).toBeUndefined();
    await expect(c.publishIndicator(indicator(1))).rejects.toThrow(/closed/);
  });

  test('snapshot round trip: B asks for 2 days, A gets the request (B does not) and answers, B gets the history', async () => {
    const a = client({ topics: 'stix2/indicator' });
    await a.start();
    const history: Indicator[] = [indicator(100), indicator(101)];
    const requests: Message[] = [];
    a.onMessage((m) => {
      if (m.type !== 'snapshotrequest') return;
      requests.push(m);
      if (m.snapshot_type === MessageType.INDICATOR) for (const h of history) void a.answerSnapshot(m, h);
    });
    const b = client({ topics: 'stix2', snapshot: 2 });
    const bGot: IncomingMessage[] = [];
    b.onMessage((m) => bGot.push(m));
    const bystander = collect(t, 'stix2/indicator');
    await b.start();
    await waitFor('history at B', () => bGot.length >= 2);
    expect(requests.map((r) => (r as { snapshot_type: number }).snapshot_type).sort()).toEqual([1, 2]);
    expect(requests.every((r) => (r as { snapshot: number }).snapshot === 172800)).toBe(true);
    expect(bGot.filter((m) => m.type === 'snapshotrequest')).toHaveLength(0);
    expect(bGot).toEqual(history);
    // The history went to B only, not to the rest of the bus.
    await sleep(50);
    expect(bystander).toHaveLength(0);
    await expect(a.answerSnapshot(requests[0] as never, sighting(history[0]) as never)).rejects.toThrow(/asks for indicators/);
  });

  test('publishing before start is refused; messages published right after start arrive', async () => {
    const c = client();
    await expect(c.publishIndicator(indicator(1))).rejects.toThrow(/not started/);
    const seen = collect(t, 'stix2/indicator');
    await c.start();
    const sent = Array.from({ length: 20 }, (_, i) => indicator(200 + i));
    await Promise.all(sent.map((i) => c.publishIndicator(i)));
    await waitFor('20 indicators', () => seen.length === 20);
    expect(seen).toEqual(sent);
  });
});

test('subscriptions of silent apps expire; a connected app keeps its subscription without heartbeats', async () => {
  const t = await startBus({ subscription_timeout: 0.3 });
  const c = new ThreatBusClient({ endpoint: `127.0.0.1:${t.ports.manage}`, heartbeatIntervalMs: 60_000 });
  try {
    const silent = await requestJson(t.manage, { action: 'subscribe', topic: 'stix2/indicator' });
    await c.start();
    await t.started.bus.publish(indicator(1));
    await waitFor('expiry', () => t.app.registry!.get(silent.topic as string) === undefined);
    expect(await requestJson(t.manage, { action: 'heartbeat', topic: silent.topic })).toEqual({ status: 'error' });
    expect(t.started.subscribersOf('stix2/indicator')).toHaveLength(1);
    await sleep(400);
    expect(await requestJson(t.manage, { action: 'heartbeat', topic: c.p2pTopic })).toEqual({ status: 'success' });
  } finally {
    await c.close();
    await t.close();
  }
});

test('subscription_timeout 0: never expire', async () => {
  const t = await startBus({ subscription_timeout: 0 });
  try {
    const s = await requestJson(t.manage, { action: 'subscribe', topic: 'stix2/indicator' });
    await sleep(300);
    expect(t.app.registry!.expire()).toBe(0);
    expect(await requestJson(t.manage, { action: 'heartbeat', topic: s.topic })).toEqual({ status: 'success' });
  } finally {
    await t.close();
  }
});

test('the client re-subscribes when the bus restarts, and traffic flows both ways again', async () => {
  let t = await startBus();
  const ports = { ...t.ports };
  const c = new ThreatBusClient({ endpoint: `127.0.0.1:${ports.manage}`, ...fast });
  const events: string[] = [];
  c.on('subscribed', (i) => events.push(i.resubscribed ? 'resubscribed' : 'subscribed'));
  c.on('disconnected', () => events.push('disconnected'));
  const got: IncomingMessage[] = [];
  c.onMessage((m) => got.push(m));
  try {
    await c.start();
    const first = c.p2pTopic;
    await t.started.bus.publish(indicator(1));
    await waitFor('first indicator', () => got.length === 1);
    await t.close();
    await sleep(300); // heartbeats time out while the bus is down
    t = await startBus({ manage: ports.manage, pub: ports.pub, sub: ports.sub });
    await waitFor('re-subscription', () => events.includes('resubscribed') && t.app.registry!.size === 1);
    expect(events[0]).toBe('subscribed');
    expect(events).toContain('disconnected');
    expect(c.p2pTopic).not.toBe(first);
    const sub = t.app.registry!.get(c.p2pTopic!)!;
    await waitFor('SUB rejoined', () => sub.join === 'joined');
    await t.started.bus.publish(indicator(2));
    await waitFor('indicator after restart', () => got.length === 2);
    expect((got[1] as Indicator).pattern).toBe(indicator(2).pattern);
    const seen = collect(t, 'stix2/sighting');
    await c.publishSighting(sighting(indicator(3)));
    await waitFor('sighting after restart', () => seen.length === 1);
  } finally {
    await c.close();
    await t.close();
  }
});

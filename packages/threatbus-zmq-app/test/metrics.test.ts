/**
 * The zmq app's drops (docs/observability.md): frames from an app that cannot
 * be used count as threatbus_messages_dropped_total{plugin="zmq",
 * reason="invalid"}, by exactly how many were sent; the good ones as
 * messages_in. (Delivery to apps, messages_out and subscribers are checked
 * end to end in packages/threatbus-misp/test/metrics.test.ts.)
 */
import { encodeMessage } from 'threatbus';
import type { Indicator } from 'threatbus';
import { metricValue } from 'threatbus/testing';
import { collect, indicator, rawPublisher, startBus, waitFor } from './helpers';
import type { TestBus } from './helpers';

let t: TestBus | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

test('bad frames from an app are counted as invalid drops, good ones as in', async () => {
  t = await startBus();
  const metrics = t.started.bus.metrics;
  const got = collect(t, 'stix2/indicator') as Indicator[];
  const pub = rawPublisher(t.ports.sub);
  try {
    // Slow joiner: send until the bus sees one.
    const first = indicator(1);
    await waitFor('the PUB socket to connect', () => {
      pub.send(`stix2/indicator ${encodeMessage(first)}`).catch(() => undefined);
      return got.some((m) => m.id === first.id);
    }, 10_000, 50);
    // Frames on one connection arrive in order: once this one is in, so are the extra copies of `first`.
    const sync = indicator(3);
    await pub.send(`stix2/indicator ${encodeMessage(sync)}`);
    await waitFor('the sync frame', () => got.some((m) => m.id === sync.id));
    const value = async (name: string, labels: Record<string, string>) => (await metricValue(metrics, name, labels)) ?? 0;
    const invalidBefore = await value('threatbus_messages_dropped_total', { plugin: 'zmq', reason: 'invalid' });
    const inBefore = await value('threatbus_messages_in_total', { plugin: 'zmq', type: 'indicator' });

    const bad = ['stix2/indicator {nope', 'stix2/indicator', 'threatbus/snapshotenvelopeX {}'];
    for (const f of bad) await pub.send(f);
    const marker = indicator(2);
    await pub.send(`stix2/indicator ${encodeMessage(marker)}`);
    await waitFor('the marker', () => got.some((m) => m.id === marker.id));
    expect((await value('threatbus_messages_dropped_total', { plugin: 'zmq', reason: 'invalid' })) - invalidBefore).toBe(bad.length);
    expect((await value('threatbus_messages_in_total', { plugin: 'zmq', type: 'indicator' })) - inBefore).toBe(1);
    expect(await value('threatbus_subscribers', { plugin: 'zmq' })).toBe(0);
  } finally {
    pub.close();
  }
});

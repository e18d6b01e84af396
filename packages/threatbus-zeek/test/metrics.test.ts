/**
 * The Zeek plugin's metrics (docs/observability.md): indicators delivered to
 * a Zeek count as messages_out, unmappable ones as drops, each Zeek is a peer
 * whose state follows the connection and drives /readyz.
 */
import { createIndicator } from 'threatbus';
import { metricValue, startTestBus, waitFor } from 'threatbus/testing';
import type { TestBus } from 'threatbus/testing';
import plugin from '../src';
import { FakeZeek } from './support/fake-zeek';

describe('threatbus-zeek metrics', () => {
  let zeek: FakeZeek;
  let tb: TestBus;
  afterEach(async () => {
    await tb?.close();
    await zeek?.close();
  });

  test('out, dropped and peer_up follow what reached Zeek', async () => {
    zeek = await FakeZeek.start();
    tb = await startTestBus({
      plugins: [plugin],
      config: { plugins: { apps: { zeek: { endpoints: [{ url: zeek.url }], ping_interval: 0, reconnect: { initial_delay: 0.05, max_delay: 0.2 } } } } },
    });
    const metrics = tb.bus.metrics;
    const url = zeek.url;
    await waitFor('Zeek up', async () => (await metricValue(metrics, 'threatbus_peer_up', { plugin: 'zeek', peer: url })) === 1);
    expect(metrics.health.readiness().ready).toBe(true);

    for (const d of ['a.example', 'b.example', 'c.example']) await tb.probe.publish(createIndicator({ pattern: `[domain-name:value = '${d}']`, pattern_type: 'stix' }));
    // Not a point IoC: Zeek cannot take it.
    await tb.probe.publish(createIndicator({ pattern: "[ipv4-addr:value = '1.1.1.1'] AND [ipv4-addr:value = '2.2.2.2']", pattern_type: 'stix' }));
    await waitFor('three intel events', () => zeek.events('Tenzir::intel').length === 3);
    expect(await metricValue(metrics, 'threatbus_messages_out_total', { plugin: 'zeek', type: 'indicator' })).toBe(3);
    expect(await metricValue(metrics, 'threatbus_messages_dropped_total', { plugin: 'zeek', reason: 'not_mappable' })).toBe(1);
    expect(await metricValue(metrics, 'threatbus_subscribers', { plugin: 'zeek' })).toBe(1);

    await zeek.close();
    await waitFor('Zeek down', async () => (await metricValue(metrics, 'threatbus_peer_up', { plugin: 'zeek', peer: url })) === 0);
    const readiness = metrics.health.readiness();
    expect(readiness.ready).toBe(false);
    expect(readiness.plugins.zeek).toMatch(/reconnecting since \d+ s/);
  });
});

/**
 * The plugin's metrics (docs/observability.md): in/out/dropped for what it
 * took from and gave to OpenCTI, and the stream as a peer for /readyz.
 */
import { createSighting } from 'threatbus';
import { metricValue } from 'threatbus/testing';
import { OpenCtiDouble, envelope, indicatorStix, storeIndicator } from './opencti-double';
import { startBus, streamOpen, waitFor } from './helpers';

test('in, out, dropped and peer_up follow the stream and the sightings', async () => {
  const octi = await new OpenCtiDouble().start();
  const h = await startBus(octi);
  try {
    const metrics = h.test.bus.metrics;
    const value = (name: string, labels: Record<string, string>) => metricValue(metrics, name, { plugin: 'opencti', ...labels });
    const peer = `${octi.url}/stream`;
    await streamOpen(h);
    await waitFor('the stream up', async () => (await value('threatbus_peer_up', { peer })) === 1);
    expect(metrics.health.readiness().ready).toBe(true);

    const stix = indicatorStix('m.example');
    storeIndicator(octi, stix);
    octi.emit('create', envelope('create', stix));
    octi.emit('create', envelope('create', indicatorStix('revoked.example', { revoked: true })));
    octi.emit('create', 'not JSON');
    await waitFor('the indicator', () => h.app.counters.intake.published === 1 && h.app.counters.intake.malformed === 1);
    expect(await value('threatbus_messages_in_total', { type: 'indicator' })).toBe(1);
    expect(await value('threatbus_messages_dropped_total', { reason: 'filtered' })).toBe(1);
    expect(await value('threatbus_messages_dropped_total', { reason: 'invalid' })).toBe(1);

    await h.probe.publish(createSighting({ sighting_of_ref: String(stix.id) }));
    await h.probe.publish(createSighting({ sighting_of_ref: 'malware--5f7b2284-bdd8-4ef4-b457-032ac0a82f02' }));
    await waitFor('the sighting', () => h.app.counters.sightings.sent === 1 && h.app.counters.sightings.skipped === 1);
    expect(await value('threatbus_messages_out_total', { type: 'sighting' })).toBe(1);
    expect(await value('threatbus_messages_dropped_total', { reason: 'not_mappable' })).toBe(1);

    await octi.stop();
    await waitFor('the stream down', async () => (await value('threatbus_peer_up', { peer })) === 0);
    const readiness = metrics.health.readiness();
    expect(readiness.ready).toBe(false);
    expect(readiness.plugins.opencti).toMatch(/reconnecting/);
  } finally {
    await h.closeBus();
    await octi.stop();
  }
  expect(octi.violations).toEqual([]);
});

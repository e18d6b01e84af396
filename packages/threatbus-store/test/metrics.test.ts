/**
 * The store's metrics (docs/observability.md): every object the database
 * took counts as messages_out by type, the stored indicators are a gauge,
 * a snapshot answered is one observation of the snapshot duration.
 */
import { join } from 'node:path';
import { metricValue, startTestBus } from 'threatbus/testing';
import type { TestBus } from 'threatbus/testing';
import { createSnapshotRequest, MessageType } from 'threatbus';
import storePlugin from '../src';
import type { StoreApp } from '../src';
import { DAY, indicator, removeTempDirs, sighting, tempDir } from './helpers';

let tb: TestBus | undefined;
afterEach(async () => {
  await tb?.close();
  tb = undefined;
  removeTempDirs();
});

test('out by type, stored indicators, queue depth and snapshot duration', async () => {
  tb = await startTestBus({ plugins: [storePlugin], config: { plugins: { apps: { store: { path: join(tempDir(), 'metrics.db') } } } } });
  const metrics = tb.bus.metrics;
  const now = Date.now();
  const kept = [0, 1, 2].map((n) => indicator({ at: now - n * DAY }));
  for (const m of [...kept, sighting(kept[0], now - DAY)]) await tb.probe.publish(m);
  await tb.plugin<StoreApp>('store').flush();
  expect(await metricValue(metrics, 'threatbus_messages_out_total', { plugin: 'store', type: 'indicator' })).toBe(3);
  expect(await metricValue(metrics, 'threatbus_messages_out_total', { plugin: 'store', type: 'sighting' })).toBe(1);
  expect(await metricValue(metrics, 'threatbus_messages_dropped_total', { plugin: 'store' })).toBeUndefined();
  expect(await metricValue(metrics, 'threatbus_queue_depth', { plugin: 'store' })).toBe(0);
  expect(await metricValue(metrics, 'threatbus_store_indicators', { plugin: 'store' })).toBe(3);

  const sent: unknown[] = [];
  await tb.plugin<StoreApp>('store').snapshot(createSnapshotRequest(MessageType.INDICATOR, 'metrics-test', 30 * 86_400), { send: async (m) => void sent.push(m) });
  expect(sent).toHaveLength(3);
  expect(await metricValue(metrics, 'threatbus_snapshot_duration_seconds_count', { plugin: 'store' })).toBe(1);
});

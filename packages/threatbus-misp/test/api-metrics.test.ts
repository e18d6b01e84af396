/**
 * The MISP API side of the plugin's metrics (docs/observability.md), against
 * the MISP double: peer_up{peer="api"} follows whether MISP answers,
 * threatbus_misp_sightings_total{result} and messages_out{type="sighting"}
 * count what MISP took, a snapshot is one observation of its duration.
 */
import { createSighting, MessageType, startThreatBus } from 'threatbus';
import type { SnapshotRequest, StartedBus } from 'threatbus';
import { metricValue, probeApp } from 'threatbus/testing';
import mispPlugin from '../src';
import type { MispApp } from '../src/plugin';
import { MispDouble, storedAttribute } from './misp-double';
import { recordingLogger, waitFor } from './helpers';

let misp: MispDouble | undefined;
let bus: StartedBus | undefined;
afterEach(async () => {
  await bus?.close();
  await misp?.stop();
  bus = undefined;
  misp = undefined;
});

test('api peer, sightings by result and snapshot duration', async () => {
  const attr = storedAttribute(1);
  misp = await new MispDouble().start();
  misp.attributes = [attr];
  const sink = probeApp({ name: 'sink', topics: ['stix2/indicator'] });
  bus = await startThreatBus({
    config: {
      plugins: {
        apps: {
          // The intake is not under test: ZeroMQ connects lazily to nothing, its peer stays "connecting".
          misp: { zmq: { host: '127.0.0.1', port: 9 }, api: { host: misp.url, ssl: false, key: misp.key, timeout: 1, retry_for: 30, retry_delay: 0.05 } },
          sink: {},
        },
      },
    },
    plugins: [mispPlugin, sink.definition],
    searchRoots: false,
    logger: recordingLogger(),
  });
  const metrics = bus.bus.metrics;
  const value = async (name: string, labels: Record<string, string>) => (await metricValue(metrics, name, { plugin: 'misp', ...labels })) ?? 0;
  await waitFor('api up', async () => (await value('threatbus_peer_up', { peer: 'api' })) === 1);
  expect(metrics.health.readiness().plugins.misp).toMatch(/^zmq: connecting since \d+ s$/);

  await sink.bus().publish(createSighting({ sighting_of_ref: `indicator--${attr.uuid}`, created: '2021-01-02T03:04:05.678Z' }));
  await waitFor('the sighting at MISP', async () => (await value('threatbus_misp_sightings_total', { result: 'ok' })) === 1);
  expect(await value('threatbus_messages_out_total', { type: 'sighting' })).toBe(1);

  const request: SnapshotRequest = { type: 'snapshotrequest', snapshot_type: MessageType.INDICATOR, snapshot_id: 'S', snapshot: 2_592_000 };
  const sent: unknown[] = [];
  await bus.bus.plugin<MispApp>('misp').snapshot(request, { send: async (b) => void sent.push(b) });
  expect(sent).toHaveLength(1);
  expect(await value('threatbus_snapshot_duration_seconds_count', {})).toBe(1);

  // MISP goes away: the next sighting finds it unreachable and is retried.
  await misp.stop();
  await sink.bus().publish(createSighting({ sighting_of_ref: `indicator--${attr.uuid}`, created: '2021-01-02T03:04:06.678Z' }));
  await waitFor('api down', async () => (await value('threatbus_peer_up', { peer: 'api' })) === 0);
  expect(await value('threatbus_misp_sightings_total', { result: 'retried' })).toBeGreaterThanOrEqual(1);
  expect(metrics.health.readiness().plugins.misp).toMatch(/api: unreachable since \d+ s/);
});

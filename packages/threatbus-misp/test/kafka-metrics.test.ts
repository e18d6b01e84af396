/**
 * The Kafka intake's peer and its log when the brokers go away: librdkafka's
 * mock cluster (owned by a node-rdkafka producer) is shut down under a
 * running intake. peer_up{peer="kafka"} goes 1 → 0 and /readyz names why,
 * and the stream of "all broker connections are down" / "broker transport
 * failure" errors is logged at most once per cause.
 */
import { randomUUID } from 'node:crypto';
import { startThreatBus } from 'threatbus';
import type { StartedBus } from 'threatbus';
import { metricValue } from 'threatbus/testing';
import mispPlugin from '../src';
import { recordingLogger, sleep, waitFor } from './helpers';
import { needs, NODE_RDKAFKA } from '../../../tools/peers';

const { test, afterEach } = needs(NODE_RDKAFKA);

interface MockProducer {
  connect(o: object, cb: (err: Error | null) => void): void;
  getMetadata(o: { timeout: number }, cb: (err: Error | null, md: { brokers: { host: string; port: number }[] }) => void): void;
  disconnect(cb: () => void): void;
}

let bus: StartedBus | undefined;
afterEach(async () => {
  await bus?.close();
  bus = undefined;
});

test('brokers gone: peer_up{kafka} 0, /readyz names it, one log line per cause', async () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Kafka = require('node-rdkafka') as { Producer: new (conf: Record<string, unknown>) => MockProducer };
  const cluster = new Kafka.Producer({ 'test.mock.num.brokers': 1 });
  await new Promise<void>((resolve, reject) => cluster.connect({}, (err) => (err ? reject(err) : resolve())));
  const md = await new Promise<{ brokers: { host: string; port: number }[] }>((resolve, reject) =>
    cluster.getMetadata({ timeout: 10_000 }, (err, m) => (err ? reject(err) : resolve(m))),
  );
  const logger = recordingLogger();
  bus = await startThreatBus({
    config: {
      plugins: {
        apps: {
          misp: {
            kafka: {
              topics: ['misp_attribute'],
              poll_interval: 0.1,
              config: { 'bootstrap.servers': md.brokers.map((b) => `${b.host}:${b.port}`).join(','), 'group.id': `g-${randomUUID()}`, 'reconnect.backoff.ms': 10, 'reconnect.backoff.max.ms': 50 },
            },
          },
        },
      },
    },
    plugins: [mispPlugin],
    searchRoots: false,
    logger,
  });
  const metrics = bus.bus.metrics;
  const peerUp = () => metricValue(metrics, 'threatbus_peer_up', { plugin: 'misp', peer: 'kafka' });
  expect(await peerUp()).toBe(1);

  await new Promise<void>((resolve) => cluster.disconnect(() => resolve()));
  await waitFor('peer_up{kafka} 0', async () => (await peerUp()) === 0, 15_000);
  expect(metrics.health.readiness().plugins.misp).toMatch(/^kafka: all broker connections are down since \d+ s$/);
  // Reconnect attempts every 10-50 ms keep the errors coming; the log gets one line per cause.
  await sleep(1000);
  const lines = logger.records.filter((r) => r.message.startsWith('Kafka error:')).map((r) => r.message);
  expect(lines.length).toBeGreaterThan(0);
  expect(new Set(lines).size).toBe(lines.length);
});

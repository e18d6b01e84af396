/**
 * Kafka intake against a real Kafka-protocol broker: librdkafka's mock
 * cluster, started in-process by a node-rdkafka producer
 * (`test.mock.num.brokers`), which also publishes MISP's attribute
 * notifications. Offsets must be committed only for handled messages, so a
 * restarted consumer in the same group continues where the last one stopped.
 */
import { randomUUID } from 'node:crypto';
import { startThreatBus } from 'threatbus';
import type { Indicator, StartedBus } from 'threatbus';
import { probeApp } from 'threatbus/testing';
import mispPlugin from '../src';
import type { MispApp } from '../src/plugin';
import { notification, recordingLogger, uuid, waitFor } from './helpers';
import type { LogRecord } from './helpers';

import { needs, NODE_RDKAFKA } from '../../../tools/peers';

// node-rdkafka is an optional peer of the plugin and a devDependency of the repository root (npm ci installs it);
// without it jest reports these tests as skipped. Loaded in beforeAll, so a missing package is not a collection error.
const { test, beforeAll, afterAll } = needs(NODE_RDKAFKA);
interface RdKafka {
  Producer: new (conf: Record<string, unknown>) => MockProducer;
}
interface MockProducer {
  connect(o: object, cb: (err: Error | null) => void): void;
  getMetadata(o: { timeout: number }, cb: (err: Error | null, md: { brokers: { host: string; port: number }[] }) => void): void;
  produce(topic: string, partition: null, value: Buffer): void;
  flush(timeout: number, cb: (err?: Error | null) => void): void;
  disconnect(cb: () => void): void;
}

const TOPIC = 'misp_attribute';
let producer: MockProducer;
let bootstrap: string;

beforeAll(async () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Kafka = require('node-rdkafka') as RdKafka;
  producer = new Kafka.Producer({ 'test.mock.num.brokers': 1 });
  await new Promise<void>((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
  const md = await new Promise<{ brokers: { host: string; port: number }[] }>((resolve, reject) =>
    producer.getMetadata({ timeout: 10_000 }, (err, m) => (err ? reject(err) : resolve(m))),
  );
  bootstrap = md.brokers.map((b) => `${b.host}:${b.port}`).join(',');
});

afterAll(async () => {
  await new Promise<void>((resolve) => (producer ? producer.disconnect(() => resolve()) : resolve()));
});

async function produce(values: string[]): Promise<void> {
  for (const v of values) producer.produce(TOPIC, null, Buffer.from(v));
  await new Promise<void>((resolve, reject) => producer.flush(10_000, (err) => (err ? reject(err) : resolve())));
}

async function startBus(group: string, filter: unknown[] = []): Promise<{ bus: StartedBus; received: Indicator[]; records: LogRecord[]; app: MispApp }> {
  const sink = probeApp({ name: 'sink', topics: ['stix2/indicator'] });
  const logger = recordingLogger();
  // A short session timeout: the mock cluster lets the next consumer of the group join only once the
  // previous member's session expired (the default is 45 s).
  const bus = await startThreatBus({
    config: {
      plugins: {
        apps: {
          misp: {
            kafka: { topics: [TOPIC], poll_interval: 0.2, config: { 'bootstrap.servers': bootstrap, 'group.id': group, 'auto.offset.reset': 'earliest', 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 500 } },
            filter,
          },
          sink: {},
        },
      },
    },
    plugins: [mispPlugin, sink.definition],
    searchRoots: false,
    logger,
  });
  return { bus, received: sink.received as Indicator[], records: logger.records, app: bus.bus.plugin<MispApp>('misp') };
}

test('attributes from Kafka become indicators; bad messages are skipped; offsets are committed after hand-over', async () => {
  const group = `threatbus-${randomUUID()}`;
  const first = [uuid(), uuid()];
  const removed = uuid();
  await produce([
    JSON.stringify(notification({ uuid: first[0] })),
    '{"this is": not json',
    JSON.stringify(notification({ uuid: uuid(), type: 'text', value: 'not an IoC' })),
    JSON.stringify(notification({ uuid: uuid(), orgc_id: '99' })),
    JSON.stringify(notification({ uuid: removed, action: 'delete' })),
    JSON.stringify(notification({ uuid: first[1], type: 'ip-dst|port', value: '2001:db8::1|443' })),
  ]);

  const one = await startBus(group, [{ orgs: ['1'] }]);
  try {
    await waitFor('the first indicators', () => one.received.length >= 3, 30_000);
    await waitFor('all six messages handled', () => one.app.intake.received === 6, 10_000);
    expect(new Set(one.received.map((i) => i.id))).toEqual(new Set([...first, removed].map((u) => `indicator--${u}`)));
    expect(one.received.find((i) => i.id === `indicator--${removed}`)?.x_threatbus_update).toBe('REMOVE');
    expect(one.received.find((i) => i.id === `indicator--${first[1]}`)?.pattern).toBe(
      "[network-traffic:dst_ref.value = '2001:db8::1' AND network-traffic:dst_port = 443]",
    );
    expect(one.app.intake).toMatchObject({ received: 6, published: 3, filtered: 1, invalid: 2 });
    expect(one.records.some((r) => r.level === 'error' && /not JSON/.test(r.message) && /^kafka misp_attribute\[\d+\]@\d+$/.test(String(r.meta?.source)))).toBe(true);
    expect(one.records.find((r) => r.message === 'MISP plugin started')?.meta?.intake).toBe(`kafka ${bootstrap} topics ${TOPIC}`);
  } finally {
    await one.bus.close();
  }

  // A new consumer in the same group starts after the committed offsets: only the new message arrives.
  const later = uuid();
  await produce([JSON.stringify(notification({ uuid: later }))]);
  const two = await startBus(group);
  try {
    await waitFor('the new indicator', () => two.received.length >= 1, 30_000);
    await new Promise((r) => setTimeout(r, 500)); // anything replayed would arrive with it
    expect(two.received.map((i) => i.id)).toEqual([`indicator--${later}`]);
  } finally {
    await two.bus.close();
  }
}, 90_000);

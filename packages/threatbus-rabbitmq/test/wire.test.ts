/**
 * Wire compatibility with the original (spec/vectors/rabbitmq-wire.json): the
 * bytes we put on the exchange, what we make of the original's bytes, the
 * exchange and queue declarations; and malformed messages on the queue are
 * logged, acknowledged and skipped without holding up the rest.
 */
import type { Channel, ChannelModel, GetMessage } from 'amqplib';
import { encodeMessage } from 'threatbus';
import type { Message } from 'threatbus';
import { queueDeclaration, queueName } from '../src/config';
import type { QueueConfig } from '../src/config';
import { loadVectors } from '../../../tools/vectors';
import { adminChannel, cleanup, indicator, startBus, tagOf, uniqueName, waitFor, withBroker } from './helpers';
import type { TestBus } from './helpers';

type VectorObject =
  | { kind: 'Indicator' | 'Sighting'; object: Record<string, unknown> }
  | { kind: 'SnapshotRequest'; snapshot_type: 1 | 2; snapshot_id: string; snapshot_seconds: number }
  | { kind: 'SnapshotEnvelope'; snapshot_type: 1 | 2; snapshot_id: string; body: Record<string, unknown> };

interface RoundTripCase {
  input: { object: VectorObject };
  expected: { amqp_publish: { exchange: string; routing_key: string; properties: null; body: string }; consumer_provisions: { topic: string; object: VectorObject }; acked: boolean };
}
interface BodyCase {
  input: { amqp_body: string };
  expected: { provisioned: { topic: string; object: unknown }[]; acked: boolean };
}
interface QueueCase {
  input: { queue: QueueConfig };
  expected: { queue: string; kwargs: { durable: boolean; exclusive: boolean; auto_delete: boolean; arguments: Record<string, unknown> } };
}

const vectors = loadVectors('rabbitmq-wire.json');
const roundTrips = vectors.filter((v) => 'object' in (v.input as object)) as unknown as (RoundTripCase & { name: string })[];
const bodies = vectors.filter((v) => 'amqp_body' in (v.input as object)) as unknown as (BodyCase & { name: string })[];
const queues = vectors.filter((v) => 'queue' in (v.input as object)) as unknown as (QueueCase & { name: string })[];

/** The vectors' object notation as a bus message (the wire JSON form). */
function toMessage(o: VectorObject): Message {
  switch (o.kind) {
    case 'Indicator':
    case 'Sighting':
      return o.object as unknown as Message;
    case 'SnapshotRequest':
      return { type: 'snapshotrequest', snapshot_type: o.snapshot_type, snapshot_id: o.snapshot_id, snapshot: Math.trunc(o.snapshot_seconds) };
    case 'SnapshotEnvelope':
      return { type: 'snapshotenvelope', snapshot_type: o.snapshot_type, snapshot_id: o.snapshot_id, body: o.body } as unknown as Message;
  }
}

test('the vectors are all used', () => {
  expect(roundTrips).toHaveLength(5);
  expect(bodies).toHaveLength(6);
  expect(queues).toHaveLength(2);
});

describe.each(queues)('$name', (v) => {
  test('declares the queue as the original did', () => {
    const d = queueDeclaration(v.input.queue);
    expect(d.queue).toBe(v.expected.queue);
    const k = v.expected.kwargs;
    expect(d.options).toEqual({ durable: k.durable, exclusive: k.exclusive, autoDelete: k.auto_delete, arguments: k.arguments });
  });
});

withBroker.describe('against a real broker', () => {
  const exchange = uniqueName('tb-wire');
  const suffix = uniqueName('wire');
  const queue = queueName({ name_join_symbol: '.', name_suffix: suffix });
  let bus: TestBus;
  let admin: { conn: ChannelModel; ch: Channel };
  let probe: string;
  /** Everything the bus delivers locally, all topics. */
  const all: Message[] = [];

  beforeAll(async () => {
    // The setting for sharing the exchange with a Python Threat Bus (the default is a durable exchange).
    bus = await startBus(exchange, suffix, { durable_exchange: false, queue: { durable: true, auto_delete: false } });
    bus.recorder.bus().subscribe('', { push: (m) => all.push(m) });
    admin = await adminChannel(exchange);
    // A queue of our own on the exchange sees exactly what goes on the wire.
    probe = (await admin.ch.assertQueue('', { exclusive: true, autoDelete: true })).queue;
    await admin.ch.bindQueue(probe, exchange, '');
  });
  afterAll(async () => {
    await bus?.started.close();
    await admin?.conn.close().catch(() => {});
    await cleanup(exchange, exchange, [queue]);
  });

  async function nextOnProbe(): Promise<{ body: string; exchange: string; routingKey: string; contentType?: string; deliveryMode?: number }> {
    let m: GetMessage | undefined;
    await waitFor('a message on the probe queue', async () => (m = (await admin.ch.get(probe, { noAck: true })) || undefined) !== undefined);
    if (!m) throw new Error('unreachable');
    return { body: m.content.toString('utf8'), exchange: m.fields.exchange, routingKey: m.fields.routingKey, contentType: m.properties.contentType, deliveryMode: m.properties.deliveryMode };
  }

  test('with durable_exchange: false the exchange is declared as pika declares it (fanout, not durable), so a Python bus can declare it too', async () => {
    await expect(admin.ch.checkExchange(exchange)).resolves.toBeDefined();
    const { conn, ch } = await adminChannel(exchange);
    try {
      await expect(ch.assertExchange(exchange, 'fanout', { durable: false, autoDelete: false })).resolves.toBeDefined();
      // And the queue as the original would declare it with the same settings.
      const d = queueDeclaration({ name_suffix: suffix, name_join_symbol: '.', durable: true, auto_delete: false, exclusive: false, lazy: true, max_items: 0 });
      await expect(ch.assertQueue(d.queue, d.options)).resolves.toMatchObject({ queue });
    } finally {
      await conn.close();
    }
  });

  describe.each(roundTrips)('$name', (v) => {
    test('publishes the original bytes to the exchange with the empty routing key', async () => {
      await bus.recorder.bus().publish(toMessage(v.input.object));
      const got = await nextOnProbe();
      expect(got.body).toBe(v.expected.amqp_publish.body);
      expect(got.exchange).toBe(exchange);
      expect(got.routingKey).toBe(v.expected.amqp_publish.routing_key);
      // Changed on purpose (spec/quirks.md B4): a content type, and persistent messages for a durable queue.
      expect(got.contentType).toBe('application/json');
      expect(got.deliveryMode).toBe(2);
    });

    test('turns the original bytes into the same message for local subscribers', async () => {
      const before = all.length;
      admin.ch.publish(exchange, '', Buffer.from(v.expected.amqp_publish.body, 'utf8'));
      await nextOnProbe();
      await waitFor('the message delivered locally', () => all.length > before);
      expect(all.slice(before)).toEqual([toMessage(v.expected.consumer_provisions.object)]);
    });
  });

  test('malformed messages on the queue are logged with what was wrong, acknowledged and skipped; the rest flows', async () => {
    const before = all.length;
    const errorsBefore = bus.log.filter((l) => l.level === 'error').length;
    for (const v of bodies) admin.ch.publish(exchange, '', Buffer.from(v.input.amqp_body, 'utf8'));
    // Same channel as the garbage, so it is queued behind it.
    admin.ch.publish(exchange, '', Buffer.from(encodeMessage(indicator('after-garbage')), 'utf8'));
    await waitFor('the good message after the garbage', () => all.some((m) => m.type === 'indicator' && tagOf(m) === 'after-garbage'));
    // None of the bad ones reached a subscriber (the original provisioned null for an incomplete snapshot request; spec/quirks.md B11).
    expect(all.slice(before).map(tagOf)).toEqual(['after-garbage']);
    const errors = bus.log.filter((l) => l.level === 'error').slice(errorsBefore);
    expect(errors).toHaveLength(bodies.length);
    for (const e of errors) expect(e.message).toMatch(new RegExp(`^Dropping malformed message from RabbitMQ queue '${queue}': `));
    expect(errors.map((e) => e.meta?.body)).toEqual(bodies.map((v) => v.input.amqp_body));
    expect(errors[0].message).toContain('type: unknown message type "identity"');
    expect(errors[2].message).toContain('malformed JSON');
    expect(errors[4].message).toContain('snapshot: must be a number of seconds');

    // Acknowledged: once the bus is gone (unacknowledged deliveries would return to the queue), the queue is empty.
    await bus.started.close();
    const { messageCount } = await admin.ch.checkQueue(queue);
    expect(messageCount).toBe(0);
  });
});

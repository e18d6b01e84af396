/**
 * Two bus instances on one real RabbitMQ: every message published by either
 * reaches the subscribers of both (its own included), exactly once each.
 */
import { defineAppPlugin, MessageType } from 'threatbus';
import type { Message, SnapshotReply, SnapshotRequest } from 'threatbus';
import { queueName } from '../src/config';
import { cleanup, connectionsNamed, indicator, startBus, tagOf, uniqueName, waitFor, withBroker } from './helpers';
import type { TestBus } from './helpers';

// Every test here needs the broker: skipped, with the reason, without one.
const { test, beforeAll, afterAll } = withBroker;

const exchange = uniqueName('tb-fanout');
const suffixA = uniqueName('a');
const suffixB = uniqueName('b');
/** An app on instance B that holds history: it answers indicator snapshot requests with three old indicators. */
const history = {
  asked: [] as { id: string; seconds: number }[],
  definition: defineAppPlugin({
    name: 'history',
    create: () => ({
      start: async () => {},
      stop: async () => {},
      snapshot: async (request: SnapshotRequest, reply: SnapshotReply) => {
        if (request.snapshot_type !== MessageType.INDICATOR) return;
        history.asked.push({ id: request.snapshot_id, seconds: request.snapshot });
        for (const n of [1, 2, 3]) await reply.send(indicator(`old${n}`));
      },
    }),
  }),
};
let a: TestBus;
let b: TestBus;

beforeAll(async () => {
  a = await startBus(exchange, suffixA);
  b = await startBus(exchange, suffixB, {}, [], [history.definition]);
});

afterAll(async () => {
  await a?.started.close();
  await b?.started.close();
  await cleanup(exchange, exchange, [queueName({ name_join_symbol: '.', name_suffix: suffixA }), queueName({ name_join_symbol: '.', name_suffix: suffixB })]);
});

test('every message of every instance reaches every instance once, in publish order per publisher', async () => {
  const fromA = Array.from({ length: 50 }, (_, i) => indicator(`a${i}`));
  const fromB = Array.from({ length: 50 }, (_, i) => indicator(`b${i}`));
  // Publish concurrently from both; each publish resolves once the broker confirmed it.
  await Promise.all([...fromA.map((m) => a.recorder.bus().publish(m)), ...fromB.map((m) => b.recorder.bus().publish(m))]);
  await waitFor('100 messages at each instance', () => a.recorder.received.length >= 100 && b.recorder.received.length >= 100);
  // Give duplicates a chance to show up before counting.
  await new Promise((r) => setTimeout(r, 300));
  for (const inst of [a, b]) {
    const tags = inst.recorder.received.map(tagOf);
    expect(tags).toHaveLength(100);
    expect(new Set(tags).size).toBe(100);
    // Per publisher, the order is kept.
    expect(tags.filter((t) => t.startsWith('a'))).toEqual(fromA.map(tagOf));
    expect(tags.filter((t) => t.startsWith('b'))).toEqual(fromB.map(tagOf));
  }
  // The messages arrive as equal objects, not just equal tags.
  expect(a.recorder.received.find((m) => tagOf(m) === 'b7')).toEqual(fromB[7]);
});

test('each instance says once at start what it is connected to, and names its connections', async () => {
  const infos = a.log.filter((l) => l.level === 'info' && l.message.startsWith('RabbitMQ backbone connected'));
  expect(infos).toHaveLength(1);
  expect(infos[0].message).toContain(`exchange '${exchange}' (fanout), queue 'threatbus.${suffixA}'`);
  expect(infos[0].message).toContain('amqp://guest@127.0.0.1:5672/');
  expect(infos[0].message).not.toContain('guest:guest');
  const names = await connectionsNamed(`threatbus.${suffixA} `);
  expect(names).toHaveLength(2); // publisher and consumer
});

test('a snapshot request of one instance is answered by an app of the other, and only the requester gets the answers', async () => {
  const live = a.recorder.received.length;
  const got: Message[] = [];
  const { snapshotId } = a.recorder.bus().subscribe('stix2/indicator', { push: (m) => got.push(m) }, { snapshotSeconds: 60 });
  expect(snapshotId).toBeDefined();
  await waitFor('three historic indicators from instance B', () => got.length >= 3);
  expect(got.map(tagOf)).toEqual(['old1', 'old2', 'old3']);
  expect(history.asked).toEqual([{ id: snapshotId, seconds: 60 }]);
  // Envelopes are not live traffic: the recorders (subscribed to stix2) of both instances saw none of it.
  await a.recorder.bus().publish(indicator('after-snapshot'));
  await waitFor('live message after the snapshot', () => b.recorder.received.some((m) => tagOf(m) === 'after-snapshot'));
  await waitFor('live message after the snapshot at A', () => a.recorder.received.some((m) => tagOf(m) === 'after-snapshot'));
  expect(a.recorder.received.length).toBe(live + 1);
  expect(got.map(tagOf)).toEqual(['old1', 'old2', 'old3', 'after-snapshot']);
});

import { loadVectors } from '../../../tools/vectors';
import { TopicRouter } from '../src/runtime/router';
import { MessageQueue, createSnapshotRequest, createSnapshotEnvelope, parseIndicator, parseSighting, routingTopic, defineAppPlugin, startThreatBus, silentLogger } from '../src';
import type { AppBus, Message, MessageSubscriber } from '../src';

const indicator = parseIndicator({ type: 'indicator', spec_version: '2.1', pattern: "[ipv4-addr:value = '6.6.6.6']", pattern_type: 'stix' });
const sighting = parseSighting({ type: 'sighting', spec_version: '2.1', sighting_of_ref: indicator.id });
const samples: Record<string, Message> = {
  Indicator: indicator,
  Sighting: sighting,
  SnapshotRequest: createSnapshotRequest(1, 'id', 60),
  SnapshotEnvelope: createSnapshotEnvelope(1, 'id', indicator),
};

interface RoutingInput { message_type: string; subscriptions: string[] }
interface RoutingExpected { routing_topic: string; delivered_to_subscriptions: string[]; 'copies_for_queue_subscribed_to_both_stix2_and_stix2/indicator': number }

describe('backbone-routing vectors: prefix rule', () => {
  for (const v of loadVectors<RoutingInput, RoutingExpected>('backbone-routing.json')) {
    const message = samples[v.input.message_type];
    test(v.name, () => {
      const router = new TopicRouter();
      if (!message) {
        // 'plain dict': only the four message types can be published; the prefix rule itself still holds.
        const label = new Map<MessageSubscriber, string>();
        for (const topic of v.input.subscriptions) {
          const s: MessageSubscriber = { push: () => undefined };
          label.set(s, topic);
          router.subscribe(topic, s);
        }
        expect(router.subscribersOf(v.expected.routing_topic).map((s) => label.get(s))).toEqual(v.expected.delivered_to_subscriptions);
        return;
      }
      expect(routingTopic(message)).toBe(v.expected.routing_topic);
      const got: string[] = [];
      for (const topic of v.input.subscriptions) router.subscribe(topic, { push: () => got.push(topic) });
      router.deliver(message);
      expect(got).toEqual(v.expected.delivered_to_subscriptions);

      // The original delivered once per matching registration; we deliver once per subscriber (spec/quirks.md B1).
      const both = new TopicRouter();
      let copies = 0;
      const s: MessageSubscriber = { push: () => copies++ };
      both.subscribe('stix2', s);
      both.subscribe('stix2/indicator', s);
      both.deliver(message);
      expect(copies).toBe(Math.min(1, v.expected['copies_for_queue_subscribed_to_both_stix2_and_stix2/indicator']));
    });
  }
});

describe('TopicRouter', () => {
  test('unsubscribe removes exactly one registration', () => {
    const r = new TopicRouter();
    const s: MessageSubscriber = { push: jest.fn() };
    r.subscribe('stix2', s);
    r.subscribe('stix2/indicator', s);
    expect(r.unsubscribe('stix2', s)).toBe(true);
    expect(r.unsubscribe('stix2', s)).toBe(false);
    r.deliver(indicator);
    expect(s.push).toHaveBeenCalledTimes(1);
    r.unsubscribe('stix2/indicator', s);
    r.deliver(indicator);
    expect(s.push).toHaveBeenCalledTimes(1);
    expect(r.isSubscribed(s)).toBe(false);
  });

  test('a subscriber that throws does not stop delivery to the others', () => {
    const errors: unknown[] = [];
    const r = new TopicRouter((e) => errors.push(e));
    const good: MessageSubscriber = { push: jest.fn() };
    r.subscribe('stix2', { push: () => { throw new Error('boom'); } });
    r.subscribe('stix2', good);
    r.deliver(indicator);
    expect(good.push).toHaveBeenCalledWith(indicator);
    expect(errors).toHaveLength(1);
  });
});

describe('MessageQueue: a slow subscriber', () => {
  test('is bounded: the oldest messages are dropped and counted, the newest kept', () => {
    const overflow: number[] = [];
    const q = new MessageQueue<number>({ capacity: 3, onOverflow: (n) => overflow.push(n) });
    for (let i = 1; i <= 5; i++) q.push(i);
    expect(q.size).toBe(3);
    expect(q.dropped).toBe(2);
    expect(overflow).toEqual([1, 2]);
    expect([q.shift(), q.shift(), q.shift(), q.shift()]).toEqual([3, 4, 5, undefined]);
  });

  test('async iteration waits for items and ends after close', async () => {
    const q = new MessageQueue<number>();
    const seen: number[] = [];
    const consumer = (async () => { for await (const n of q) seen.push(n); })();
    q.push(1);
    await new Promise((r) => setImmediate(r));
    q.push(2);
    q.close();
    await consumer;
    expect(seen).toEqual([1, 2]);
  });

  test('keeps FIFO order across internal compaction', () => {
    const q = new MessageQueue<number>({ capacity: 10_000 });
    const out: number[] = [];
    for (let i = 0; i < 5000; i++) {
      q.push(i);
      if (i % 3 === 0) out.push(q.shift()!);
    }
    while (q.size) out.push(q.shift()!);
    expect(out).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  });

  test('a stalled subscriber on the bus loses only its own oldest messages; a fast one gets everything', async () => {
    let bus!: AppBus;
    const app = defineAppPlugin({ name: 'probe', create: (ctx) => { bus = ctx.bus; return { start: async () => {}, stop: async () => {} }; } });
    const started = await startThreatBus({ config: { plugins: { apps: { probe: {} } } }, plugins: [app], searchRoots: false, logger: silentLogger() });
    try {
      const slow = new MessageQueue({ capacity: 100 });
      const fast: Message[] = [];
      bus.subscribe('stix2/indicator', slow);
      bus.subscribe('stix2/indicator', { push: (m) => fast.push(m) });
      const sent = Array.from({ length: 1000 }, (_, i) => ({ ...indicator, id: `indicator--00000000-0000-4000-8000-${String(i).padStart(12, '0')}` }));
      for (const m of sent) await bus.publish(m);
      expect(fast).toHaveLength(1000);
      expect(slow.size).toBe(100);
      expect(slow.dropped).toBe(900);
      expect(slow.shift()).toBe(sent[900]);
    } finally {
      await started.close();
    }
  });
});

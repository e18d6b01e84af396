/**
 * Delivery tracking (delivery.ts): `publish(message, { onDelivered, token })`
 * reports a message once every local subscriber took it, and shutdown stops
 * intakes, drains, then stops the apps (docs/reliability.md).
 */
import { defineAppPlugin, markDelivered, MessageQueue, parseIndicator, silentLogger, startThreatBus } from '../src';
import type { AppBus, AppPlugin, DeliveryListener, Message, MessageSubscriber } from '../src';

function indicator(n: number): Message {
  return parseIndicator({ type: 'indicator', spec_version: '2.1', pattern: `[domain-name:value = 'd${n}.example.com']`, pattern_type: 'stix' });
}

class Recorder implements DeliveryListener {
  readonly tokens: number[] = [];
  delivered(token: number): void {
    this.tokens.push(token);
  }
}

/** An app that only hands its bus out, plus a log of its lifecycle calls. */
function busApp(events: string[], name = 'probe') {
  let bus: AppBus | undefined;
  const definition = defineAppPlugin<Record<string, unknown>>({
    name,
    create: (ctx): AppPlugin => {
      bus = ctx.bus;
      return {
        start: async () => {},
        stopIntake: async () => void events.push(`${name}.stopIntake`),
        stop: async () => void events.push(`${name}.stop`),
      };
    },
  });
  return { definition, bus: () => bus as AppBus };
}

async function start(events: string[] = []) {
  const app = busApp(events);
  const started = await startThreatBus({ config: { plugins: { apps: { probe: {} } } }, plugins: [app.definition], searchRoots: false, logger: silentLogger() });
  return { started, bus: app.bus() };
}

test('delivered once every tracking subscriber took the message; plain subscribers count at push', async () => {
  const { started, bus } = await start();
  try {
    const queue = new MessageQueue<Message>();
    const plain: MessageSubscriber = { push: () => {} };
    const held: Message[] = [];
    const tracking: MessageSubscriber = { tracksDelivery: true, push: (m) => void held.push(m) };
    bus.subscribe('stix2/indicator', queue);
    bus.subscribe('stix2/indicator', plain);
    bus.subscribe('stix2', tracking);
    const r = new Recorder();
    await bus.publish(indicator(1), { onDelivered: r, token: 41 });
    await bus.publish(indicator(2), { onDelivered: r, token: 42 });
    expect(r.tokens).toEqual([]);
    queue.shift();
    queue.shift();
    expect(r.tokens).toEqual([]);
    markDelivered(held[1]);
    expect(r.tokens).toEqual([42]);
    markDelivered(held[0]);
    markDelivered(held[0]); // a second call for the same message changes nothing
    expect(r.tokens).toEqual([42, 41]);
  } finally {
    await started.close();
  }
});

test('no subscriber: delivered when published; a dropped or cleared message counts as taken', async () => {
  const { started, bus } = await start();
  try {
    const r = new Recorder();
    await bus.publish(indicator(1), { onDelivered: r, token: 1 });
    expect(r.tokens).toEqual([1]);
    const small = new MessageQueue<Message>({ capacity: 1, deliveredOnTake: false });
    const sub: MessageSubscriber & { queue: MessageQueue<Message> } = { tracksDelivery: true, queue: small, push: (m) => small.push(m) };
    bus.subscribe('stix2/indicator', sub);
    await bus.publish(indicator(2), { onDelivered: r, token: 2 });
    await bus.publish(indicator(3), { onDelivered: r, token: 3 }); // drops 2
    expect(r.tokens).toEqual([1, 2]);
    small.clear();
    expect(r.tokens).toEqual([1, 2, 3]);
  } finally {
    await started.close();
  }
});

test('a refused publish is never reported delivered', async () => {
  const { started, bus } = await start();
  await started.close();
  const r = new Recorder();
  await expect(bus.publish(indicator(1), { onDelivered: r, token: 1 })).rejects.toThrow();
  expect(r.tokens).toEqual([]);
});

test('shutdown: intakes stop first, messages in flight drain to their subscribers, then the apps stop', async () => {
  const events: string[] = [];
  const { started, bus } = await start(events);
  const queue = new MessageQueue<Message>();
  bus.subscribe('stix2/indicator', queue);
  const r: DeliveryListener = { delivered: (t) => void events.push(`delivered ${t}`) };
  await bus.publish(indicator(1), { onDelivered: r, token: 7 });
  const closing = started.close();
  // The consumer takes the message only after the intake stopped; the apps stop after that.
  expect(events).toEqual(['probe.stopIntake']);
  await queue.next();
  events.push('taken');
  await closing;
  expect(events).toEqual(['probe.stopIntake', 'delivered 7', 'taken', 'probe.stop']);
});

test('shutdown: a message nobody took by the drain limit is not reported, even when its queue is cleared at stop', async () => {
  const events: string[] = [];
  let queue: MessageQueue<Message> | undefined;
  // An app whose queue nobody reads, cleared when it stops (as the zmq app drops a vanished client's queue).
  const stuck = defineAppPlugin<Record<string, unknown>>({
    name: 'stuck',
    create: (ctx): AppPlugin => ({
      start: async () => {
        queue = new MessageQueue<Message>();
        ctx.bus.subscribe('stix2/indicator', queue);
      },
      stop: async () => queue?.clear(),
    }),
  });
  const app = busApp(events);
  const started = await startThreatBus({ config: { plugins: { apps: { stuck: {}, probe: {} } } }, plugins: [stuck, app.definition], searchRoots: false, logger: silentLogger() });
  const r = new Recorder();
  await app.bus().publish(indicator(1), { onDelivered: r, token: 9 });
  await started.close();
  expect(queue?.size).toBe(0);
  expect(r.tokens).toEqual([]);
}, 15_000);

/**
 * Slow consumers (issue 13.6): a SUB socket subscribed to everything that
 * never reads, and a registered app that never reads, must not hold back a
 * normal app. The original's numbers: pub_hwm 1000, 40,000 indicators, the
 * normal app got 3,500.
 */
import { Subscriber } from 'zeromq';
import { startBus, requestJson, rawSubscriber, indicator, waitFor } from './helpers';

const N = 40_000;

test(`one stuck SUB on the empty prefix + one stuck app + one normal app, ${N} indicators: the normal app gets all`, async () => {
  const t = await startBus({ pub_hwm: 1000, sub_hwm: 1000 });
  const stuckAll = new Subscriber({ linger: 0, receiveHighWaterMark: 1000 });
  const stuckApp = new Subscriber({ linger: 0, receiveHighWaterMark: 1000 });
  const normalReply = await requestJson(t.manage, { action: 'subscribe', topic: 'stix2/indicator' });
  const stuckReply = await requestJson(t.manage, { action: 'subscribe', topic: 'stix2/indicator' });
  const normal = rawSubscriber(t.ports.pub, normalReply.topic as string);
  try {
    stuckAll.connect(`tcp://127.0.0.1:${t.ports.pub}`);
    stuckAll.subscribe('');
    stuckApp.connect(`tcp://127.0.0.1:${t.ports.pub}`);
    stuckApp.subscribe(stuckReply.topic as string);
    const registry = t.app.registry!;
    await waitFor('both apps to join', () => registry.get(normalReply.topic as string)!.join === 'joined' && registry.get(stuckReply.topic as string)!.join === 'joined');
    for (let i = 0; i < N; i++) await t.started.bus.publish(indicator(i));
    await waitFor(`${N} frames at the normal app`, () => normal.frames.length >= N, 60_000).catch((e: Error) => {
      throw new Error(`${e.message}: got ${normal.frames.length}, counters ${JSON.stringify(t.app.counters)}`);
    });
    expect(normal.frames).toHaveLength(N);
    expect(new Set(normal.frames).size).toBe(N);
    // The stuck app's own queue took the pressure (bounded by queue_size; beyond it the oldest are dropped and counted).
    expect(registry.get(stuckReply.topic as string)!.queue.size).toBeGreaterThan(N / 2);
  } finally {
    for (const s of [stuckAll, stuckApp, normal.socket]) s.close();
    await normal.done;
    await t.close();
  }
}, 120_000);

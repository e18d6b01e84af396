/**
 * Concurrent MISP restSearch calls are bounded (issue 13.7): many snapshot
 * requests at once make at most api.max_concurrent_searches calls at a time;
 * the rest wait their turn and still complete.
 */
import { startThreatBus, MessageType } from 'threatbus';
import type { SnapshotRequest, StartedBus } from 'threatbus';
import mispPlugin from '../src';
import { SearchSlots } from '../src/api/snapshot';
import type { MispApp } from '../src/plugin';
import { MispDouble, storedAttribute } from './misp-double';
import { recordingLogger } from './helpers';

test('SearchSlots: at most `limit` tasks at once, in order, a failing task gives its slot back', async () => {
  const slots = new SearchSlots(4);
  let running = 0;
  let peak = 0;
  const order: number[] = [];
  const task = (i: number) => async () => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, 2));
    running--;
    order.push(i);
    if (i % 5 === 0) throw new Error(`task ${i} failed`);
    return i;
  };
  const results = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => slots.run(task(i))));
  expect(peak).toBe(4);
  expect(slots.peak).toBe(4);
  expect(results.filter((r) => r.status === 'rejected')).toHaveLength(8);
  expect(order).toHaveLength(40);
  expect(slots.queued).toBe(0);
});

test('16 snapshot requests at once: at most max_concurrent_searches (default 4) restSearch calls in flight, all answered', async () => {
  const misp = await new MispDouble().start();
  misp.attributes = Array.from({ length: 30 }, (_, i) => storedAttribute(i + 1));
  let bus: StartedBus | undefined;
  try {
    bus = await startThreatBus({
      config: { plugins: { apps: { misp: { zmq: { host: '127.0.0.1', port: 9 }, api: { host: misp.url, ssl: false, key: misp.key, page_size: 10 } } } } },
      plugins: [mispPlugin],
      searchRoots: false,
      logger: recordingLogger(),
    });
    const app = bus.bus.plugin<MispApp>('misp');
    let sent = 0;
    const reply = { send: async () => void sent++ };
    const request = (i: number): SnapshotRequest => ({ type: 'snapshotrequest', snapshot_type: MessageType.INDICATOR, snapshot_id: `SNAP-${i}`, snapshot: 86400 });
    await Promise.all(Array.from({ length: 16 }, (_, i) => app.snapshot(request(i), reply)));
    expect(app.searchSlots.limit).toBe(4);
    expect(app.searchSlots.peak).toBe(4);
    // 30 attributes in pages of 10: 4 calls per request (the 4th is the empty last page).
    expect(misp.requestsTo('/attributes/restSearch')).toHaveLength(16 * 4);
    expect(sent).toBe(16 * 30);
    expect(misp.violations).toEqual([]);
  } finally {
    await bus?.close();
    await misp.stop();
  }
});

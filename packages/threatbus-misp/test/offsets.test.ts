/** The Kafka intake's per-partition watermark: commit only past the highest contiguous delivered offset. */
import { PartitionProgress } from '../src/intake/offsets';

test('the committable offset follows the contiguous delivered prefix, across gaps in the offsets', () => {
  const p = new PartitionProgress('t', 0);
  for (const o of [10, 11, 13, 14]) p.consumed(o); // 12: a transaction marker, never consumed
  expect(p.due()).toBeUndefined();
  p.delivered(11);
  p.delivered(14);
  expect(p.due()).toBeUndefined();
  expect(p.inFlight).toBe(4);
  p.delivered(10);
  expect(p.due()).toEqual({ topic: 't', partition: 0, offset: 12 });
  p.committed = 12;
  expect(p.due()).toBeUndefined();
  p.delivered(13);
  expect(p.due()).toEqual({ topic: 't', partition: 0, offset: 15 });
  expect(p.inFlight).toBe(0);
});

test('many offsets: memory is compacted, the watermark stays right', () => {
  const p = new PartitionProgress('t', 3);
  for (let o = 0; o < 10_000; o++) p.consumed(o);
  // Delivered in reverse within blocks of 100.
  for (let b = 0; b < 100; b++) for (let i = 99; i >= 0; i--) p.delivered(b * 100 + i);
  expect(p.committable).toBe(10_000);
  expect(p.inFlight).toBe(0);
});

/** The client library's outbox (issue 12.13): a full outbox rejects the dropped send(); EAGAIN keeps order without rebuilding the queue. */
import { Subscriber, XPublisher } from 'zeromq';
import { Outbox, OutboxFullError } from '../src/client/outbox';
import { waitFor } from './helpers';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

async function boundOutbox(capacity: number, hwm: number): Promise<{ pub: XPublisher; outbox: Outbox; endpoint: string }> {
  const pub = new XPublisher({ linger: 0, noDrop: true, sendTimeout: 0, sendHighWaterMark: hwm });
  await pub.bind('tcp://127.0.0.1:*');
  return { pub, outbox: new Outbox(pub, capacity, silent), endpoint: pub.lastEndpoint as string };
}

test('a full outbox rejects the dropped (oldest) message with an error naming the limit; the rest are sent', async () => {
  const { pub, outbox, endpoint } = await boundOutbox(3, 1000);
  const sub = new Subscriber({ linger: 0 });
  try {
    const settled: string[] = [];
    const sends = [0, 1, 2, 3, 4].map((i) =>
      outbox.send(`stix2/indicator ${i}`).then(
        () => settled.push(`sent ${i}`),
        (e: Error) => settled.push(`${e instanceof OutboxFullError ? 'full' : 'other'} ${i}: ${e.message}`),
      ),
    );
    await waitFor('the two oldest to be rejected', () => settled.length === 2);
    expect(settled).toEqual([
      'full 0: dropped: the outbox was full (outboxSize 3 messages waiting for Threat Bus); this was the oldest',
      'full 1: dropped: the outbox was full (outboxSize 3 messages waiting for Threat Bus); this was the oldest',
    ]);
    expect(outbox.dropped).toBe(2);
    sub.connect(endpoint);
    sub.subscribe('stix2/');
    const frames: string[] = [];
    const reading = (async () => {
      for await (const [f] of sub) if (frames.push(f.toString()) === 3) return;
    })();
    await Promise.all(sends);
    await reading;
    expect(settled.slice(2)).toEqual(['sent 2', 'sent 3', 'sent 4']);
    expect(frames).toEqual(['stix2/indicator 2', 'stix2/indicator 3', 'stix2/indicator 4']);
  } finally {
    outbox.close();
    sub.close();
    pub.close();
    await outbox.watching;
  }
});

test('when ZeroMQ refuses frames (EAGAIN) they are retried first in line: all arrive, in order', async () => {
  const { pub, outbox, endpoint } = await boundOutbox(100_000, 10);
  const sub = new Subscriber({ linger: 0, receiveHighWaterMark: 10 });
  try {
    sub.connect(endpoint);
    sub.subscribe('stix2/');
    await outbox.whenBusConnected(5000);
    const n = 3000;
    const pad = 'x'.repeat(4000);
    const sends = Array.from({ length: n }, (_, i) => outbox.send(`stix2/indicator ${i} ${pad}`));
    // Not reading yet: ZeroMQ's pipes (hwm 10 each side) and TCP buffers fill and sends are refused.
    await waitFor('the outbox to back up', () => outbox.size > 0);
    const got: number[] = [];
    for await (const [f] of sub) if (got.push(Number(f.toString().split(' ')[1])) === n) break;
    await Promise.all(sends);
    expect(got).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(outbox.retried).toBeGreaterThan(0);
  } finally {
    outbox.close();
    sub.close();
    pub.close();
    await outbox.watching;
  }
});

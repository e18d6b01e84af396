/**
 * Hostile input on the plugin's sockets (issue 13.1–13.3, 13.7): every loop
 * logs and goes on, broken sockets come back, limits refuse with a reason.
 */
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Dealer } from 'zeromq';
import { recordingLogger } from 'threatbus/testing';
import type { Message } from 'threatbus';
import { startBus, request, requestJson, rawSubscriber, rawPublisher, indicator, waitFor } from './helpers';
import type { TestBus } from './helpers';

const MAX = 64 * 1024;

/** Raw TCP bytes to a port, then close (ZeroMQ may wait for more bytes of a greeting: do not wait long). */
function sendTcp(port: number, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => s.write(bytes, () => setTimeout(() => s.destroy(), 20)));
    s.on('error', () => resolve());
    s.on('close', () => resolve());
  });
}

async function stillAnswers(t: TestBus): Promise<void> {
  const reply = await requestJson(t.manage, { action: 'subscribe', topic: 'stix2/indicator' });
  expect(reply.status).toBe('success');
  expect(await requestJson(t.manage, { action: 'unsubscribe', topic: reply.topic })).toEqual({ status: 'success' });
}

describe('the management endpoint under hostile input', () => {
  const logger = recordingLogger();
  let t: TestBus;
  beforeAll(async () => {
    t = await startBus({ max_message_size: MAX, snapshot_requests_per_minute: 3 }, logger);
  });
  afterAll(async () => {
    await t.close();
  });

  test('a DEALER sending `hello` without the empty delimiter is logged and dropped; the endpoint answers', async () => {
    const d = new Dealer({ linger: 0 });
    d.connect(t.manage);
    await d.send('hello');
    await d.send(['a', 'b', 'c']);
    await waitFor('the framing line', () => logger.has('warn', /without the REQ envelope/));
    d.close();
    await stillAnswers(t);
    expect(t.app.counters.causes['management.framing']).toBeGreaterThanOrEqual(2);
  });

  test('random TCP bytes, an over-size frame and deeply nested JSON: the endpoint answers', async () => {
    for (let i = 0; i < 20; i++) await sendTcp(t.ports.manage, randomBytes(1 + ((i * 997) % 4096)));
    // Over max_message_size: ZeroMQ (ZMQ_MAXMSGSIZE) drops it and the connection; the REQ gets no reply.
    await expect(request(t.manage, 'x'.repeat(MAX + 1), 500)).rejects.toThrow();
    const nested = '{"action": "subscribe", "topic": ' + '['.repeat(20_000) + ']'.repeat(20_000) + '}';
    expect(JSON.parse(await request(t.manage, nested)).status).toBe('error');
    await stillAnswers(t);
  });

  test('a subscribe request with too many topics is refused with a reason', async () => {
    const topics = Array.from({ length: 2000 }, (_, i) => `stix2/indicator/${i}`);
    const reply = await requestJson(t.manage, { action: 'subscribe', topic: topics, snapshot: 1 });
    expect(reply).toEqual({ status: 'error', reason: 'too many topics in one subscribe request: 2000, at most 32 (max_topics_per_subscription)' });
    expect(t.app.registry!.size).toBe(0);
  });

  test('snapshot requests beyond snapshot_requests_per_minute are refused; subscriptions without a snapshot are not', async () => {
    const replies = [];
    for (let i = 0; i < 5; i++) replies.push(await requestJson(t.manage, { action: 'subscribe', topic: 'stix2/sighting', snapshot: 1 }));
    expect(replies.map((r) => r.status)).toEqual(['success', 'success', 'success', 'error', 'error']);
    expect(replies[3].reason).toMatch(/at most 3 per minute \(snapshot_requests_per_minute\); retry in \d+ s/);
    expect((await requestJson(t.manage, { action: 'subscribe', topic: 'stix2/sighting' })).status).toBe('success');
    t.app.registry!.removeAll('test');
  });

  test('a management socket that breaks is replaced on the same port', async () => {
    t.app.sockets.manage!.close();
    await waitFor('the restart', () => t.app.counters.socket_restarts >= 1, 10_000);
    await stillAnswers(t);
    expect(logger.has('warn', /management socket restarted/)).toBe(true);
  });
});

describe('the p2p sockets under hostile input', () => {
  const logger = recordingLogger();
  let t: TestBus;
  beforeAll(async () => {
    t = await startBus({ max_message_size: MAX, join_timeout: 0 }, logger);
  });
  afterAll(async () => {
    await t.close();
  });

  test('random bytes, over-size and bad frames on the sub port: later good frames still arrive', async () => {
    for (let i = 0; i < 20; i++) await sendTcp(t.ports.sub, randomBytes(1 + ((i * 991) % 4096)));
    for (let i = 0; i < 20; i++) await sendTcp(t.ports.pub, randomBytes(1 + ((i * 983) % 4096)));
    const got: Message[] = [];
    t.started.bus.subscribe('stix2/indicator', { push: (m) => got.push(m) });
    const pub = rawPublisher(t.ports.sub);
    try {
      await waitFor('the bus to listen', async () => {
        await pub.send('stix2/indicator ' + JSON.stringify(indicator(0)));
        return got.length > 0;
      });
      const before = t.app.counters.inbound_dropped;
      await pub.send('stix2/indicator {"type": ' + '['.repeat(20_000) + ']'.repeat(20_000) + '}');
      await pub.send('stix2/indicator not json');
      await pub.send('stix2/no-space-after-the-topic');
      await pub.send(['stix2/indicator', 'two parts']);
      await waitFor('the bad frames to be counted', () => t.app.counters.inbound_dropped >= before + 4);
      // Over max_message_size: ZeroMQ drops it with the connection, which reconnects by itself.
      await pub.send('stix2/indicator ' + 'x'.repeat(MAX + 1));
      const n = got.length;
      await waitFor('a good frame after the bad ones', async () => {
        await pub.send('stix2/indicator ' + JSON.stringify(indicator(1)));
        return got.length > n;
      });
    } finally {
      pub.close();
    }
  });

  test('a message the encoder cannot write is dropped for that app only; the next one arrives', async () => {
    const { topic: p2p } = await requestJson(t.manage, { action: 'subscribe', topic: 'stix2/indicator' });
    const sub = rawSubscriber(t.ports.pub, p2p as string);
    try {
      await waitFor('the app to join', () => t.app.registry!.get(p2p as string)?.join === 'joined');
      const poisoned = {
        ...indicator(5),
        get x_poison(): string {
          throw new RangeError('Maximum call stack size exceeded');
        },
      };
      t.app.registry!.get(p2p as string)!.push(poisoned as unknown as Message);
      await t.started.bus.publish(indicator(6));
      await waitFor('the next frame', () => sub.frames.length === 1);
      expect(sub.frames[0]).toContain("10.0.0.6");
      expect(t.app.counters.encode_errors).toBe(1);
      expect(logger.has('error', /Could not encode a message for an app/)).toBe(true);
    } finally {
      sub.socket.close();
      await sub.done;
    }
  });
});

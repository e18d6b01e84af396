/** Frames on the pub/sub sockets (zmq-frames.json), with raw ZeroMQ sockets as a foreign app would use. */
import { loadVectors } from '../../../tools/vectors';
import { parseStixObject, encodeMessage, parseTimestampInstant } from './stix-helpers';
import { decodeInboundFrame } from '../src/inbound';
import { startBus, requestJson, rawSubscriber, rawPublisher, sleep, indicator, collect, waitFor } from './helpers';
import type { TestBus } from './helpers';
import { recordingLogger } from 'threatbus/testing';

const vectors = loadVectors<Record<string, unknown>, unknown>('zmq-frames.json');
const byName = (prefix: string) => {
  const v = vectors.find((x) => x.name.startsWith(prefix));
  if (!v) throw new Error(`vector ${prefix} missing`);
  return v;
};

/** Compare a frame with the original's, instants instead of strings for created/modified (spec/quirks.md A2 fixed: we keep millisecond precision). */
function expectSameFrame(actual: string, expected: string): void {
  const [at, ...ap] = actual.split(' ');
  const [et, ...ep] = expected.split(' ');
  expect(at).toBe(et);
  const a = JSON.parse(ap.join(' ')) as Record<string, unknown>;
  const e = JSON.parse(ep.join(' ')) as Record<string, unknown>;
  for (const k of ['created', 'modified']) {
    expect(parseTimestampInstant(a[k] as string)).toBe(parseTimestampInstant(e[k] as string));
    expect(a[k]).toMatch(/\.\d{3}Z$/);
    delete a[k];
    delete e[k];
  }
  // Same key order as the original (declared properties, then custom ones sorted).
  expect(Object.keys(a)).toEqual(Object.keys(e));
  expect(a).toEqual(e);
}

describe('inbound frame decoding (pure)', () => {
  test('topics and types', () => {
    const ind = encodeMessage(indicator(1));
    expect(decodeInboundFrame(`stix2/indicator ${ind}`)).toMatchObject({ ok: true });
    expect(decodeInboundFrame(`stix2/whatever ${ind}`)).toMatchObject({ ok: true });
    expect(decodeInboundFrame(`stix2/indicator`)).toMatchObject({ ok: false, reason: expect.stringMatching(/no space/) });
    expect(decodeInboundFrame(`stix2/indicator {nope`)).toMatchObject({ ok: false, reason: expect.stringMatching(/malformed JSON/) });
    expect(decodeInboundFrame(`threatbus/snapshotenvelope ${ind}`)).toMatchObject({ ok: false, reason: expect.stringMatching(/expected SnapshotEnvelope/) });
    // spec/quirks.md D1: a topic passing ZeroMQ's prefix filter but not the plugin's rules is dropped, not a replay of the previous message.
    expect(decodeInboundFrame(`threatbus/snapshotenvelopeX {}`)).toMatchObject({ ok: false, reason: expect.stringMatching(/unknown topic/) });
    const bad = decodeInboundFrame(`stix2/indicator ${ind.replace('"pattern_type": "stix"', '"pattern_type": 5')}`);
    expect(bad).toMatchObject({ ok: false, reason: expect.stringMatching(/pattern_type/) });
  });
});

describe('frames over real sockets', () => {
  let t: TestBus;
  beforeAll(async () => {
    t = await startBus();
  });
  afterAll(async () => {
    await t.close();
  });

  test('indicator and sighting from an app reach a [stix2/indicator, stix2/sighting] subscriber on its p2p topic, byte-compatible', async () => {
    const v = byName('app publishes indicator and sighting');
    const input = v.input as { subscriber_request: unknown; published_frames: string[] };
    const { topic: p2p } = await requestJson(t.manage, input.subscriber_request);
    const sub = rawSubscriber(t.ports.pub, p2p as string);
    const pub = rawPublisher(t.ports.sub);
    try {
      await waitFor('the SUB socket to join', () => t.app.registry!.get(p2p as string)!.join === 'joined');
      await sleep(100); // the plugin's SUB subscription reaching our PUB (slow joiner on the app side)
      for (const f of input.published_frames) await pub.send(f);
      await waitFor('two frames', () => sub.frames.length >= 2);
      const expected = v.expected as { frame: string }[];
      expected.forEach((e, i) => expectSameFrame(sub.frames[i], e.frame.replace('<p2p>', p2p as string)));
    } finally {
      sub.socket.close();
      pub.close();
      await sub.done;
    }
  });

  test('dropped inputs: identity object, invalid JSON, non-stix2 topic, bad envelope topic; valid traffic after them still flows', async () => {
    const { topic: p2p } = await requestJson(t.manage, { action: 'subscribe', topic: 'stix2' });
    const sub = rawSubscriber(t.ports.pub, p2p as string);
    const pub = rawPublisher(t.ports.sub);
    const seen = collect(t, 'stix2');
    try {
      await waitFor('join', () => t.app.registry!.get(p2p as string)!.join === 'joined');
      await sleep(100);
      const bad = [
        ...(byName('derived: identity object').input as { published_frames: string[] }).published_frames,
        ...(byName('derived: invalid JSON').input as { published_frames: string[] }).published_frames,
        ...(byName('derived: topic not subscribed').input as { published_frames: string[] }).published_frames,
        ...(byName('derived QUIRK').input as { published_frames: string[] }).published_frames,
        'stix2/indicator',
      ];
      for (const f of bad) await pub.send(f);
      const anything = byName('derived: any stix2/* topic');
      for (const f of (anything.input as { published_frames: string[] }).published_frames) await pub.send(f);
      await waitFor('the valid frame', () => sub.frames.length >= 1);
      await sleep(150);
      expect(sub.frames).toHaveLength(1);
      expect(seen).toHaveLength(1);
      expect(seen[0].type).toBe('sighting');
      expectSameFrame(sub.frames[0], (anything.expected as { frames_received_by_subscriber: string[] }).frames_received_by_subscriber[0].replace('<p2p>', p2p as string));
    } finally {
      sub.socket.close();
      pub.close();
      await sub.done;
    }
  });

  test('messages published before the app connects wait for its SUB socket (no slow-joiner loss), in order', async () => {
    const { topic: p2p } = await requestJson(t.manage, { action: 'subscribe', topic: 'stix2/indicator' });
    const sent = Array.from({ length: 50 }, (_, i) => indicator(i));
    for (const i of sent) await t.started.bus.publish(i);
    await sleep(50);
    const sub = rawSubscriber(t.ports.pub, p2p as string);
    try {
      await waitFor('50 frames', () => sub.frames.length >= 50);
      expect(sub.frames.map((f) => (parseStixObject(JSON.parse(f.slice(f.indexOf(' ') + 1))) as { id: string }).id)).toEqual(sent.map((i) => i.id));
      expect(sub.frames.every((f) => f.startsWith(`${p2p as string}indicator {"type": "indicator"`))).toBe(true);
    } finally {
      sub.socket.close();
      await sub.done;
    }
  });

  test('a subscriber only gets its own topics; unsubscribing stops delivery', async () => {
    const ind = await requestJson(t.manage, { action: 'subscribe', topic: 'stix2/indicator' });
    const sig = await requestJson(t.manage, { action: 'subscribe', topic: 'stix2/sighting' });
    const a = rawSubscriber(t.ports.pub, ind.topic as string);
    const b = rawSubscriber(t.ports.pub, sig.topic as string);
    try {
      await waitFor('join', () => t.app.registry!.get(ind.topic as string)!.join === 'joined' && t.app.registry!.get(sig.topic as string)!.join === 'joined');
      await t.started.bus.publish(indicator(7));
      await waitFor('indicator', () => a.frames.length === 1);
      await sleep(100);
      expect(b.frames).toHaveLength(0);
      expect(await requestJson(t.manage, { action: 'unsubscribe', topic: ind.topic })).toEqual({ status: 'success' });
      await t.started.bus.publish(indicator(8));
      await sleep(150);
      expect(a.frames).toHaveLength(1);
    } finally {
      a.socket.close();
      b.socket.close();
      await Promise.all([a.done, b.done]);
    }
  });
});

test('a SUB socket subscribing with a shorter prefix (not a p2p topic) receives nothing (manual XPUB, issue 13.6)', async () => {
  const logger = recordingLogger();
  const t = await startBus({ join_timeout: 0.2 }, logger);
  const { topic: p2p } = await requestJson(t.manage, { action: 'subscribe', topic: 'stix2/indicator' });
  const short = rawSubscriber(t.ports.pub, (p2p as string).slice(0, 5));
  const right = rawSubscriber(t.ports.pub, p2p as string);
  try {
    await waitFor('the app to join', () => t.app.registry!.get(p2p as string)!.join === 'joined');
    await t.started.bus.publish(indicator(1));
    await t.started.bus.publish(indicator(2));
    await waitFor('frames on the p2p subscriber', () => right.frames.length === 2);
    await waitFor('the ignored subscription to be logged', () => logger.records.some((r) => /names no current p2p topic/.test(r.message)));
    expect(short.frames).toHaveLength(0);
  } finally {
    for (const s of [short, right]) s.socket.close();
    await Promise.all([short.done, right.done]);
    await t.close();
  }
});

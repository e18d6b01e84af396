/** The management endpoint over a real REQ socket, driven by the spec's vectors (zmq-management.json). */
import { loadVectors } from '../../../tools/vectors';
import { parseManagementRequest, ManagementRequestError } from '../src/protocol';
import { startBus, request, requestJson } from './helpers';
import type { TestBus } from './helpers';

interface MappingInput { function: string; message: Record<string, unknown> }
const vectors = loadVectors<Record<string, unknown>, unknown>('zmq-management.json');
const mapping = vectors.filter((v) => (v.input as Partial<MappingInput>).function === 'map_management_message') as unknown as { name: string; input: MappingInput; expected: unknown }[];
const single = vectors.filter((v) => typeof v.input.request === 'string') as unknown as { name: string; input: { request: string }; expected: unknown }[];

describe('request parsing (map_management_message vectors)', () => {
  test('the vectors are there', () => {
    expect(mapping.length).toBeGreaterThanOrEqual(10);
    expect(single.length).toBeGreaterThanOrEqual(12);
  });

  test.each(mapping.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const expected = v.expected as { kind: string; topic: unknown; snapshot_seconds?: number } | { error: string } | null;
    const run = () => parseManagementRequest(JSON.stringify(v.input.message));
    if (expected === null) {
      expect(run).toThrow(ManagementRequestError);
      expect((() => { try { run(); } catch (e) { return (e as ManagementRequestError).reply; } })()).toBe('unknown request');
    } else if ('error' in expected) {
      expect(run).toThrow(ManagementRequestError);
    } else if (expected.kind === 'Subscription' && (expected.snapshot_seconds ?? 0) < 0) {
      // spec/quirks.md D5 fixed: negative snapshots are refused instead of asking for the future.
      expect(run).toThrow(/negative/);
    } else {
      const r = run();
      if (expected.kind === 'Subscription') {
        expect(r).toEqual({ action: 'subscribe', topics: ([] as unknown[]).concat(expected.topic), snapshotDays: (expected.snapshot_seconds ?? 0) / 86400 });
      } else {
        expect(r).toEqual({ action: expected.kind === 'Unsubscription' ? 'unsubscribe' : 'heartbeat', p2pTopic: expected.topic });
      }
    }
  });

  test('snapshot is only looked at for subscribe (quirk D5): a heartbeat with a bad snapshot is still a heartbeat', () => {
    expect(parseManagementRequest('{"action": "heartbeat", "topic": "abc", "snapshot": "FOO"}')).toEqual({ action: 'heartbeat', p2pTopic: 'abc' });
    expect(() => parseManagementRequest('{"action": "subscribe", "topic": ["a", 1]}')).toThrow(/topic\[1\]/);
    expect(parseManagementRequest('{"action": "subscribe", "topic": "x", "snapshot": true}')).toMatchObject({ snapshotDays: 1 });
    expect(() => parseManagementRequest('{"action": "subscribe", "topic": "x", "snapshot": "1.5"}')).toThrow(ManagementRequestError);
  });
});

describe('the management endpoint (REQ/REP on a free port)', () => {
  let t: TestBus;
  beforeAll(async () => {
    t = await startBus();
  });
  afterAll(async () => {
    await t.close();
  });

  test.each(single.map((v) => [v.name, v] as const))('%s', async (_name, v) => {
    // Exact reply bytes: Python's separators.
    expect(await request(t.manage, v.input.request)).toBe(JSON.stringify(v.expected).replace(/":/g, '": '));
  });

  test('full roundtrip: subscribe, heartbeat, unsubscribe, heartbeat (exact reply bytes)', async () => {
    const v = vectors.find((x) => x.name.startsWith('full roundtrip'))!;
    const steps = (v.input as { steps: string[] }).steps;
    const reply = await request(t.manage, steps[0]);
    const p2p = (JSON.parse(reply) as { topic: string }).topic;
    expect(p2p).toMatch(new RegExp(v.match!['/0/topic']));
    expect(reply).toBe(`{"topic": "${p2p}", "pub_port": ${t.ports.pub}, "sub_port": ${t.ports.sub}, "status": "success"}`);
    const expected = v.expected as unknown[];
    for (let i = 1; i < steps.length; i++) {
      expect(JSON.parse(await request(t.manage, steps[i].replace('<p2p>', p2p)))).toEqual(expected[i]);
    }
    expect(t.app.registry!.get(p2p)).toBeUndefined();
  });

  test('unsubscribe twice: the second is an error', async () => {
    const { topic } = await requestJson(t.manage, { action: 'subscribe', topic: 'stix2/indicator' });
    expect(await requestJson(t.manage, { action: 'unsubscribe', topic })).toEqual({ status: 'success' });
    expect(await requestJson(t.manage, { action: 'unsubscribe', topic })).toEqual({ status: 'error' });
  });

  test('multi-topic subscription registers every topic at the bus and unsubscribe removes them all', async () => {
    const before = t.started.subscribersOf('stix2/sighting').length;
    const r = await requestJson(t.manage, { action: 'subscribe', topic: ['stix2/indicator', 'stix2/sighting'], snapshot: 0 });
    expect(r.status).toBe('success');
    const sub = t.app.registry!.get(r.topic as string)!;
    expect(sub.topics).toEqual(['stix2/indicator', 'stix2/sighting']);
    expect(t.started.subscribersOf('stix2/indicator')).toContain(sub);
    expect(t.started.subscribersOf('stix2/sighting')).toContain(sub);
    expect(await requestJson(t.manage, { action: 'unsubscribe', topic: r.topic })).toEqual({ status: 'success' });
    expect(t.started.subscribersOf('stix2/indicator')).not.toContain(sub);
    expect(t.started.subscribersOf('stix2/sighting')).not.toContain(sub);
    expect(t.started.subscribersOf('stix2/sighting').length).toBe(before);
  });

  test('every subscription gets its own p2p topic', async () => {
    const a = await requestJson(t.manage, { action: 'subscribe', topic: 'stix2/indicator' });
    const b = await requestJson(t.manage, { action: 'subscribe', topic: 'stix2/indicator' });
    expect(a.topic).not.toBe(b.topic);
    for (const x of [a, b]) expect(x.topic).toMatch(/^[a-z]{32}$/);
  });

  test('a list with a non-string topic is refused and leaves nothing registered (quirk D3)', async () => {
    const n = t.app.registry!.size;
    expect(await requestJson(t.manage, { action: 'subscribe', topic: ['stix2/indicator', 7] })).toEqual({ status: 'error' });
    expect(t.app.registry!.size).toBe(n);
  });

  test('after a burst of garbage the endpoint still answers', async () => {
    const garbage = ['', 'FOO', '{', '[]', 'null', '{"action": 1}', '{"action": "subscribe", "topic": {}}', '\u0000\u00ff', 'x'.repeat(100_000)];
    for (const g of garbage) expect(['error', 'unknown request']).toContain(JSON.parse(await request(t.manage, g)).status);
    const ok = await requestJson(t.manage, { action: 'subscribe', topic: 'stix2' });
    expect(ok.status).toBe('success');
    expect(await requestJson(t.manage, { action: 'heartbeat', topic: ok.topic })).toEqual({ status: 'success' });
  });
});

import { defineAppPlugin, startThreatBus, silentLogger, parseIndicator, parseSighting, MessageType } from '../src';
import { SeenIds } from '../src/runtime/seen-ids';
import type { AppBus, Message, SnapshotRequest, SnapshotReply, Indicator, MessageSubscriber } from '../src';

const old = (n: number): Indicator =>
  parseIndicator({ type: 'indicator', spec_version: '2.1', pattern: `[ipv4-addr:value = '10.0.0.${n}']`, pattern_type: 'stix' });

/** Two fake apps: `history` answers indicator snapshots; `client` subscribes and also answers (like a zmq app would). */
function fakeApps() {
  const requestsSeen: { app: string; request: SnapshotRequest; requester?: MessageSubscriber }[] = [];
  let clientBus!: AppBus;
  const history = defineAppPlugin({
    name: 'history',
    create: () => ({
      start: async () => {},
      stop: async () => {},
      snapshot: async (request: SnapshotRequest, reply: SnapshotReply) => {
        requestsSeen.push({ app: 'history', request, requester: reply.requester });
        if (request.snapshot_type === MessageType.INDICATOR) for (const n of [1, 2, 3]) await reply.send(old(n));
      },
    }),
  });
  const client = defineAppPlugin({
    name: 'client',
    create: (ctx) => {
      clientBus = ctx.bus;
      return {
        start: async () => {},
        stop: async () => {},
        snapshot: async (request: SnapshotRequest, reply: SnapshotReply) => {
          requestsSeen.push({ app: 'client', request, requester: reply.requester });
        },
      };
    },
  });
  const broken = defineAppPlugin({
    name: 'broken',
    create: () => ({ start: async () => {}, stop: async () => {}, snapshot: async () => { throw new Error('MISP down'); } }),
  });
  return { history, client, broken, requestsSeen, bus: () => clientBus };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

test('a snapshot reaches every app that can answer, and the envelopes reach only the requester', async () => {
  const f = fakeApps();
  const started = await startThreatBus({
    config: { plugins: { apps: { history: null, client: null, broken: null } } },
    plugins: [f.history, f.client, f.broken],
    searchRoots: false,
    logger: silentLogger(),
  });
  try {
    const requester: Message[] = [];
    const bystander: Message[] = [];
    const requesterSub: MessageSubscriber = { push: (m) => requester.push(m) };
    f.bus().subscribe('stix2/indicator', { push: (m) => bystander.push(m) });
    const { snapshotId } = f.bus().subscribe('stix2', requesterSub, { snapshotSeconds: 30 * 86400 });
    expect(snapshotId).toMatch(/^[0-9a-f-]{36}$/);
    await settle();

    // One request per message type the topic covers, sharing one id, to every app with a hook.
    const types = f.requestsSeen.filter((r) => r.app === 'history').map((r) => r.request.snapshot_type);
    expect(types).toEqual([MessageType.INDICATOR, MessageType.SIGHTING]);
    expect(f.requestsSeen.every((r) => r.request.snapshot_id === snapshotId && r.request.snapshot === 2592000)).toBe(true);
    // The app that forwards requests learns who asked, so it can skip it.
    expect(f.requestsSeen.find((r) => r.app === 'client')?.requester).toBe(requesterSub);

    // The requester receives the bodies as plain indicators; the bystander gets nothing of the snapshot.
    expect(requester.map((m) => m.type)).toEqual(['indicator', 'indicator', 'indicator']);
    expect((requester[0] as Indicator).pattern).toBe("[ipv4-addr:value = '10.0.0.1']");
    expect(bystander).toHaveLength(0);

    // A failing app (the broken one) did not stop the others, and live traffic still flows.
    const live = old(9);
    await f.bus().publish(live);
    expect(bystander).toEqual([live]);
    expect(requester).toContain(live);
  } finally {
    await started.close();
  }
});

test('no snapshot for topics that name no message type, and envelopes of unknown ids are ignored', async () => {
  const f = fakeApps();
  const started = await startThreatBus({ config: { plugins: { apps: { history: {}, client: {} } } }, plugins: [f.history, f.client], searchRoots: false, logger: silentLogger() });
  try {
    const got: Message[] = [];
    f.bus().subscribe('threatbus', { push: (m) => got.push(m) }, { snapshotSeconds: 60 });
    await settle();
    expect(f.requestsSeen).toHaveLength(0);
    const sink: Message[] = [];
    f.bus().subscribe('stix2/sighting', { push: (m) => sink.push(m) });
    await f.bus().publish({ type: 'snapshotenvelope', snapshot_type: 2, snapshot_id: 'not-ours', body: parseSighting({ type: 'sighting', spec_version: '2.1', sighting_of_ref: old(1).id }) });
    expect(sink).toHaveLength(0);
  } finally {
    await started.close();
  }
});

test('a requester gets each object id once per snapshot, even when the store and MISP both answer', async () => {
  const shared = [old(1), old(2), old(3)];
  const answering = (name: string, bodies: Indicator[]) =>
    defineAppPlugin({
      name,
      create: () => ({
        start: async () => {},
        stop: async () => {},
        snapshot: async (request: SnapshotRequest, reply: SnapshotReply) => {
          if (request.snapshot_type === MessageType.INDICATOR) for (const b of bodies) await reply.send(b);
        },
      }),
    });
  const onlyMisp = old(4);
  const f = fakeApps();
  const started = await startThreatBus({
    config: { plugins: { apps: { store: {}, misp: {}, client: {} } } },
    plugins: [answering('store', shared), answering('misp', [shared[2], onlyMisp, shared[0], shared[1]]), f.client],
    searchRoots: false,
    logger: silentLogger(),
  });
  try {
    const first: Message[] = [];
    f.bus().subscribe('stix2/indicator', { push: (m) => first.push(m) }, { snapshotSeconds: 3600 });
    const second: Message[] = [];
    f.bus().subscribe('stix2/indicator', { push: (m) => second.push(m) }, { snapshotSeconds: 3600 });
    await settle();
    const ids = (ms: Message[]) => ms.map((m) => (m as Indicator).id).sort();
    const expected = [...shared, onlyMisp].map((i) => i.id).sort();
    // Once each, also for a second snapshot of the same objects (dedupe is per snapshot, not global).
    expect(ids(first)).toEqual(expected);
    expect(ids(second)).toEqual(expected);
    // Live traffic is not deduplicated: a new version of a snapshot object still arrives.
    await f.bus().publish(shared[0]);
    expect(ids(first).filter((id) => id === shared[0].id)).toHaveLength(2);
  } finally {
    await started.close();
  }
});

test('SeenIds holds many ids compactly and tells types and non-UUID ids apart', () => {
  const seen = new SeenIds();
  const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
  for (let n = 0; n < 50_000; n++) expect(seen.add(`indicator--${uuid(n)}`)).toBe(true);
  for (let n = 0; n < 50_000; n += 997) expect(seen.add(`indicator--${uuid(n)}`)).toBe(false);
  expect(seen.add(`sighting--${uuid(1)}`)).toBe(true);
  expect(seen.add('indicator--NOT-A-UUID')).toBe(true);
  expect(seen.add('indicator--NOT-A-UUID')).toBe(false);
  expect(seen.add(`indicator--${uuid(0xabc).toUpperCase()}`)).toBe(true);
  expect(seen.size).toBe(50_003);
});

/**
 * Sightings and snapshots over MISP's REST API, against the HTTP MISP
 * double (test/misp-double.ts) whose routes, request bodies and responses
 * are validated against MISP's OpenAPI description.
 */
import { createSighting, startThreatBus, MessageType } from 'threatbus';
import type { Indicator, Message, SnapshotRequest, StartedBus } from 'threatbus';
import { loadVectors } from '../../../tools/vectors';
import { MispDouble, storedAttribute } from './misp-double';
import { probeApp } from 'threatbus/testing';
import type { Probe } from 'threatbus/testing';
import mispPlugin from '../src';
import { mapSighting } from '../src/mapping/sighting';
import type { MispApp } from '../src/plugin';
import { recordingLogger, waitFor } from './helpers';
import type { LogRecord } from './helpers';

interface Harness {
  misp: MispDouble;
  bus: StartedBus;
  records: LogRecord[];
  app: MispApp;
  sink: Probe;
}

const running: Harness[] = [];

async function harness(opts: { filter?: unknown[]; api?: Record<string, unknown>; key?: string; attributes?: ReturnType<typeof storedAttribute>[] } = {}): Promise<Harness> {
  const misp = await new MispDouble().start();
  misp.attributes = opts.attributes ?? [];
  const sink = probeApp({ name: 'sink', topics: ['stix2/indicator'] });
  const logger = recordingLogger();
  let bus: StartedBus;
  try {
    bus = await startThreatBus({
      config: {
        plugins: {
          apps: {
            misp: {
              // Intake is not under test here; ZeroMQ connects lazily to nothing.
              zmq: { host: '127.0.0.1', port: 9 },
              filter: opts.filter ?? [],
              api: { host: misp.url, ssl: false, key: opts.key ?? misp.key, timeout: 2, retry_for: 2, retry_delay: 0.05, ...opts.api },
            },
            sink: {},
          },
        },
      },
      plugins: [mispPlugin, sink.definition],
      searchRoots: false,
      logger,
    });
  } catch (e) {
    await misp.stop();
    throw e;
  }
  const h = { misp, bus, records: logger.records, app: bus.bus.plugin<MispApp>('misp'), sink };
  running.push(h);
  return h;
}

afterEach(async () => {
  for (const h of running.splice(0)) {
    await h.bus.close();
    await h.misp.stop();
    // Every request the plugin made, and every answer the double gave, follows MISP's OpenAPI description.
    expect(h.misp.violations).toEqual([]);
  }
});

const sightingOf = (uuid: string, extra: Record<string, unknown> = {}) =>
  createSighting({ sighting_of_ref: `indicator--${uuid}`, created: '2021-01-02T03:04:05.678Z', ...extra });

describe('sightings → POST /sightings/add', () => {
  test('a sighting is reported with the API key, as the original mapped it, and counted', async () => {
    const attr = storedAttribute(1);
    const h = await harness({ attributes: [attr] });
    const s = sightingOf(attr.uuid, { x_threatbus_source: 'VAST' });
    await h.sink.bus().publish(s);
    await waitFor('the sighting at MISP', () => h.app.sightings.sent === 1);
    const [req] = h.misp.requestsTo('/sightings/add');
    expect(req.headers.authorization).toBe(h.misp.key);
    expect(req.body).toEqual(mapSighting(s));
    expect(req.body).toEqual({ id: attr.uuid, source: 'VAST', type: '0', timestamp: '1609556645' });
    expect(h.misp.sightings).toHaveLength(1);
    expect(h.app.sightings).toMatchObject({ sent: 1, failed: 0, retries: 0 });
    expect(h.records.some((r) => r.level === 'debug' && r.message === 'Reported sighting to MISP' && r.meta?.sighting_id === s.id)).toBe(true);
    // The start line names what the plugin talks to, once.
    expect(h.records.filter((r) => r.message === 'MISP plugin started').map((r) => r.meta?.api)).toEqual([h.misp.url]);
  });

  test('HTTP errors and timeouts are retried with backoff until MISP takes the sighting', async () => {
    const attr = storedAttribute(2);
    const h = await harness({ attributes: [attr], api: { timeout: 1 } });
    h.misp.sightingFaults = ['http500', 'timeout', 'http500'];
    const s = sightingOf(attr.uuid);
    await h.sink.bus().publish(s);
    await waitFor('the sighting at MISP', () => h.app.sightings.sent === 1);
    expect(h.misp.requestsTo('/sightings/add')).toHaveLength(4);
    expect(h.app.sightings).toMatchObject({ sent: 1, failed: 0, retries: 3 });
    const warned = h.records.filter((r) => r.level === 'warn' && /will retry/.test(r.message));
    expect(warned).toHaveLength(1); // first failure at warn, the next ones at debug
    expect(warned[0].meta).toMatchObject({ sighting_id: s.id, attribute: attr.uuid });
    expect(String(warned[0].meta?.error)).toMatch(/HTTP 500/);
    expect(h.records.some((r) => /timed out after 1s/.test(String(r.meta?.error)))).toBe(true);
  });

  test("MISP's error bodies are retried for a bounded time, then counted as failed; other sightings go on", async () => {
    const known = storedAttribute(3);
    const h = await harness({ attributes: [known], api: { retry_for: 0.5 } });
    const unknown = sightingOf('5f7b2284-bdd8-4ef4-b457-0000000000ff');
    await h.sink.bus().publish(unknown);
    await h.sink.bus().publish(sightingOf(known.uuid));
    await waitFor('the good sighting', () => h.app.sightings.sent === 1);
    await waitFor('giving up on the bad one', () => h.app.sightings.failed === 1);
    const gaveUp = h.records.find((r) => r.level === 'error' && /giving up/.test(r.message));
    expect(gaveUp?.meta).toMatchObject({ sighting_id: unknown.id });
    expect(String(gaveUp?.meta?.error)).toMatch(/HTTP 404: Invalid attribute/);
    expect(Number(gaveUp?.meta?.attempts)).toBeGreaterThan(1);
  });

  test('a wrong API key is an error naming the authentication failure', async () => {
    const attr = storedAttribute(4);
    const h = await harness({ attributes: [attr], key: 'wrong', api: { retry_for: 0 } });
    await h.sink.bus().publish(sightingOf(attr.uuid));
    await waitFor('the failure', () => h.app.sightings.failed === 1);
    expect(h.records.some((r) => r.level === 'error' && /HTTP 403: Authentication failed/.test(String(r.meta?.error)))).toBe(true);
  });

  test('sightings of non-indicator objects are not sent (quirk C6 fixed)', async () => {
    const h = await harness();
    await h.sink.bus().publish(createSighting({ sighting_of_ref: 'malware--5f7b2284-bdd8-4ef4-b457-032ac0a82f02' }));
    await waitFor('the skip', () => h.app.sightings.skipped === 1);
    expect(h.misp.requestsTo('/sightings/add')).toHaveLength(0);
  });
});

function collectingReply() {
  const bodies: Indicator[] = [];
  return { bodies, reply: { send: async (b: Message) => void bodies.push(b as Indicator) } };
}

const request = (seconds = 2592000, type: MessageType = MessageType.INDICATOR): SnapshotRequest => ({ type: 'snapshotrequest', snapshot_type: type, snapshot_id: 'SNAP-ID', snapshot: seconds });

describe('snapshots → POST /attributes/restSearch', () => {
  interface SearchVector {
    filter?: unknown[];
    snapshot_request: SnapshotRequest;
    restSearch_response?: { response: { Attribute: Record<string, unknown>[] } };
  }
  const vectors = loadVectors<SearchVector, unknown>('misp-snapshot-search.json');
  const queryVectors = vectors.filter((v) => v.name.startsWith('indicator snapshot queries'));

  test('all vectors are present', () => {
    expect(vectors).toHaveLength(7);
    expect(queryVectors).toHaveLength(4);
  });

  test.each(queryVectors.map((v) => [v.name, v] as const))('%s', async (_name, v) => {
    const h = await harness({ filter: v.input.filter, api: { page_size: 500 } });
    const before = Date.now() / 1000;
    const { reply } = collectingReply();
    await h.app.snapshot(v.input.snapshot_request, reply);
    const bodies = h.misp.requestsTo('/attributes/restSearch').map((r) => r.body as Record<string, unknown>);
    // The original's parameters, in the schema-valid form: tags as a list (MISP ORs it), org and from as strings, plus paging.
    const expected = (v.expected as { body: Record<string, unknown> }[]).map(({ body }) => ({
      returnFormat: 'json',
      ...(body.type !== undefined ? { type: body.type } : {}),
      ...(body.org !== undefined ? { org: String(body.org) } : {}),
      ...(body.tags !== undefined ? { tags: (body.tags as { OR: string[] }).OR } : {}),
      to_ids: true,
      limit: 500,
      page: 1,
    }));
    expect(bodies.map(({ from: _from, ...rest }) => rest)).toEqual(expected);
    for (const b of bodies) expect(Math.abs(Number(b.from) - (before - 2592000))).toBeLessThan(5);
  });

  test('restSearch response vector: each attribute becomes an envelope; unmappable ones are skipped (quirk C2 fixed)', async () => {
    const v = vectors.find((x) => x.input.restSearch_response)!;
    const attributes = v.input.restSearch_response!.response.Attribute.map((a, i) => storedAttribute(100 + i, a as never));
    const h = await harness({ attributes });
    const { bodies, reply } = collectingReply();
    await h.app.snapshot({ ...request(), snapshot_id: 'SNAP-ID' }, reply);
    const expected = (v.expected as { body: Indicator }[]).map((e) => e.body);
    // The original sent the 'evil.com' indicator twice (its 3rd envelope); here the 'text' attribute is skipped.
    expect(bodies.map((b) => [b.id, b.pattern, Date.parse(b.created)])).toEqual(expected.slice(0, 2).map((e) => [e.id, e.pattern, Date.parse(e.created)]));
    expect(h.records.some((r) => r.level === 'warn' && r.meta?.uuid === '5f7b2284-bdd8-4ef4-b457-032ac0a82f04')).toBe(true);
  });

  test('sighting snapshot requests are ignored', async () => {
    const h = await harness();
    const { bodies, reply } = collectingReply();
    await h.app.snapshot(request(60, MessageType.SIGHTING), reply);
    expect(bodies).toHaveLength(0);
    expect(h.misp.requestsTo('/attributes/restSearch')).toHaveLength(0);
  });

  test('a snapshot of several thousand attributes is paged and reaches the requester through the bus', async () => {
    const attributes = Array.from({ length: 5000 }, (_, i) => storedAttribute(i + 1));
    attributes[10] = storedAttribute(11, { type: 'text', value: 'not an IoC' });
    attributes[20] = storedAttribute(21, { deleted: true });
    const h = await harness({ attributes, api: { page_size: 1000 } });
    const got: Message[] = [];
    const { snapshotId } = h.sink.bus().subscribe('stix2/indicator', { push: (m) => got.push(m) }, { snapshotSeconds: 30 * 86400 });
    expect(snapshotId).toBeDefined();
    await waitFor('4998 snapshot indicators', () => got.length >= 4998, 30_000);
    await waitFor('the snapshot to finish', () => h.records.some((r) => r.message === 'Intel snapshot done'));
    expect(got).toHaveLength(4998);
    expect(new Set(got.map((m) => (m as Indicator).id)).size).toBe(4998);
    const pages = h.misp.requestsTo('/attributes/restSearch').map((r) => (r.body as { page: number; limit: number }));
    // 4999 stored non-deleted → 5 pages of 1000 (the last one short) .
    expect(pages.map((p) => p.page)).toEqual([1, 2, 3, 4, 5]);
    expect(pages.every((p) => p.limit === 1000)).toBe(true);
    const done = h.records.find((r) => r.message === 'Intel snapshot done');
    expect(done?.meta).toMatchObject({ indicators: 4998, skipped: 1, requests: 5 });
  }, 60_000);

  test('without an api section the plugin is receive-only: no snapshot, no sighting subscription', async () => {
    const sink = probeApp({ name: 'sink', topics: ['stix2/indicator'] });
    const logger = recordingLogger();
    const bus = await startThreatBus({
      config: { plugins: { apps: { misp: { zmq: { host: '127.0.0.1', port: 9 } }, sink: {} } } },
      plugins: [mispPlugin, sink.definition],
      searchRoots: false,
      logger,
    });
    try {
      const { bodies, reply } = collectingReply();
      await bus.bus.plugin<MispApp>('misp').snapshot(request(), reply);
      expect(bodies).toHaveLength(0);
      await sink.bus().publish(sightingOf('5f7b2284-bdd8-4ef4-b457-032ac0a82f02'));
      expect(bus.bus.plugin<MispApp>('misp').sightings).toEqual({ sent: 0, failed: 0, retries: 0, skipped: 0 });
      expect(logger.records.filter((r) => /without API connection/.test(r.message))).toHaveLength(1);
      expect(logger.records.some((r) => r.message === 'Cannot perform snapshot request. No MISP API connection.')).toBe(true);
    } finally {
      await bus.close();
    }
  });
});

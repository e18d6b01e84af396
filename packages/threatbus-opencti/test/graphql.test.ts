/**
 * Sightings back and snapshots over GraphQL, against the OpenCTI double,
 * which validates every request against OpenCTI's real schema
 * (spec/opencti-schema.graphql) and fails the test on an invalid one.
 */
import { parse, validate } from 'graphql';
import { createSighting, MessageType } from 'threatbus';
import type { Indicator, Message, SnapshotRequest } from 'threatbus';
import zmqPlugin from 'threatbus-zmq-app';
import { ThreatBusClient } from 'threatbus-zmq-app/client';
import type { ZmqApp } from 'threatbus-zmq-app';
import { OpenCtiClient } from '../src/client';
import * as operations from '../src/graphql';
import { OpenCtiDouble, envelope, indicatorStix, storeIndicator } from './opencti-double';
import { openCtiSchema } from './opencti-graphql';
import { lines, startBus, streamOpen, waitFor } from './helpers';
import type { Harness } from './helpers';

const doubles: OpenCtiDouble[] = [];
const cleanups: (() => Promise<void>)[] = [];

async function double(): Promise<OpenCtiDouble> {
  const d = await new OpenCtiDouble().start();
  doubles.push(d);
  return d;
}

async function bus(octi: OpenCtiDouble, config: Record<string, unknown> = {}, extra: Parameters<typeof startBus>[2] = {}): Promise<Harness> {
  const h = await startBus(octi, config, extra);
  cleanups.push(() => h.closeBus());
  return h;
}

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  for (const d of doubles.splice(0)) {
    await d.stop();
    expect(d.violations).toEqual([]);
  }
});

const sightingOf = (ref: string, extra: Record<string, unknown> = {}) =>
  createSighting({ sighting_of_ref: ref, created: '2021-01-02T03:04:05.678Z', ...extra });

describe('sightings → stixSightingRelationshipAdd', () => {
  test('a sighting from a zmq app becomes a valid mutation by the organization, created once at start', async () => {
    const octi = await double();
    const stix = indicatorStix('evil.example');
    storeIndicator(octi, stix);
    const h = await bus(octi, {}, { plugins: [zmqPlugin as never], apps: { zmq: { host: '127.0.0.1', manage: 0, pub: 0, sub: 0 } } });
    await waitFor('the organization', () => octi.graphql.organizations.length === 1);
    expect(octi.graphql.organizations[0]).toMatchObject({ name: 'Threat Bus' });

    const zmq = h.test.plugin<ZmqApp>('zmq');
    const client = new ThreatBusClient({ endpoint: `127.0.0.1:${zmq.ports!.manage}`, topics: 'stix2/indicator' });
    cleanups.push(() => client.close());
    await client.start();
    const s = sightingOf(String(stix.id), {
      first_seen: '2021-01-02T03:04:05.000Z',
      last_seen: '2021-01-03T03:04:05.000Z',
      count: 3,
      x_threatbus_source: 'VAST',
      x_threatbus_match_type: 'LIVE',
      x_threatbus_indicator_value: 'evil.example',
      x_threatbus_sighting_context: { host: '10.0.0.1' },
    });
    await client.publishSighting(s);
    await waitFor('the sighting in OpenCTI', () => h.app.counters.sightings.sent === 1);
    const org = octi.graphql.organizations[0];
    expect(octi.graphql.sightings[0]).toEqual({
      fromId: stix.id,
      toId: org.id,
      createdBy: org.id,
      first_seen: '2021-01-02T03:04:05.000Z',
      last_seen: '2021-01-03T03:04:05.000Z',
      attribute_count: 3,
      description: 'Reported through Threat Bus; source: VAST; match: LIVE; value: evil.example\ncontext: {"host":"10.0.0.1"}',
      x_opencti_negative: false,
    });
    // Not seen on the stream: the plugin asked whether OpenCTI knows the indicator first.
    expect(octi.graphql.requests.map((r) => r.fields[0])).toEqual(['identities', 'organizationAdd', 'indicator', 'stixSightingRelationshipAdd']);
    expect(h.app.counters.sightings).toMatchObject({ sent: 1, failed: 0, skipped: 0 });

    // A second sighting reuses the organization.
    await client.publishSighting(sightingOf(String(stix.id)));
    await waitFor('the second sighting', () => h.app.counters.sightings.sent === 2);
    expect(octi.graphql.requests.filter((r) => r.fields[0] === 'organizationAdd')).toHaveLength(1);
    expect(octi.graphql.sightings[1]).toMatchObject({ first_seen: '2021-01-02T03:04:05.678Z', last_seen: '2021-01-02T03:04:05.678Z', attribute_count: 1 });
  });

  test('an existing organization is found, not created; an indicator seen on the stream is not looked up', async () => {
    const octi = await double();
    octi.graphql.organizations.push({ id: 'org-1', standard_id: 'identity--29308d02-18e1-5c6b-b0c1-20bdc7c0d3c8', name: 'Threat Bus' });
    const stix = indicatorStix('seen.example');
    storeIndicator(octi, stix);
    const h = await bus(octi);
    await streamOpen(h);
    octi.emit('create', envelope('create', stix));
    await waitFor('the indicator', () => h.probe.indicators().length === 1);
    await h.probe.publish(sightingOf(String(stix.id)));
    await waitFor('the sighting', () => octi.graphql.sightings.length === 1);
    expect(octi.graphql.sightings[0]).toMatchObject({ toId: 'org-1', createdBy: 'org-1' });
    expect(octi.graphql.requests.map((r) => r.fields[0])).toEqual(['identities', 'stixSightingRelationshipAdd']);
    expect(lines(h.records, 'info', 'as an existing organization')).toHaveLength(1);
  });

  test('sightings of unknown indicators and of non-indicators are skipped, not sent', async () => {
    const octi = await double();
    const h = await bus(octi);
    await h.probe.publish(sightingOf('indicator--5f7b2284-bdd8-4ef4-b457-0000000000ff'));
    await h.probe.publish(sightingOf('malware--5f7b2284-bdd8-4ef4-b457-032ac0a82f02'));
    await waitFor('two skips', () => h.app.counters.sightings.skipped === 2);
    expect(octi.graphql.sightings).toHaveLength(0);
  });

  test('errors are retried with backoff for a bounded time and counted', async () => {
    const octi = await double();
    const stix = indicatorStix('retry.example');
    storeIndicator(octi, stix);
    const h = await bus(octi);
    octi.graphql.sightingFaults = ['DATABASE_ERROR', 'FUNCTIONAL_ERROR'];
    await h.probe.publish(sightingOf(String(stix.id)));
    await waitFor('the sighting', () => h.app.counters.sightings.sent === 1);
    expect(h.app.counters.sightings).toMatchObject({ sent: 1, retries: 2, failed: 0 });
    const warned = lines(h.records, 'warn', 'Failed to report sighting to OpenCTI, will retry');
    expect(warned).toHaveLength(1);
    expect(String(warned[0].meta?.error)).toBe('ThreatBusSightingAdd failed: DATABASE_ERROR: injected DATABASE_ERROR');

    octi.graphql.sightingFaults = Array(100).fill('DATABASE_ERROR');
    await h.probe.publish(sightingOf(String(stix.id)));
    await waitFor('giving up', () => h.app.counters.sightings.failed === 1, 10_000);
    expect(lines(h.records, 'error', 'Failed to report sighting to OpenCTI, giving up')).toHaveLength(1);
  });

  test('a bad token: GraphQL answers AUTH_REQUIRED (HTTP 200), the sighting fails after its retries', async () => {
    const octi = await double();
    const stix = indicatorStix('auth.example');
    storeIndicator(octi, stix);
    const h = await bus(octi, { token: 'wrong', sightings: { retry_for: 0.3, retry_delay: 0.05 } });
    await h.probe.publish(sightingOf(String(stix.id)));
    await waitFor('the failure', () => h.app.counters.sightings.failed === 1);
    const gaveUp = lines(h.records, 'error', 'giving up')[0];
    expect(String(gaveUp.meta?.error)).toMatch(/AUTH_REQUIRED: You must be logged in to do this\./);
    expect(octi.graphql.sightings).toHaveLength(0);
  });
});

describe('snapshots → paged indicators query', () => {
  const request = (seconds: number, type: MessageType = MessageType.INDICATOR): SnapshotRequest => ({ type: 'snapshotrequest', snapshot_type: type, snapshot_id: 'SNAP', snapshot: seconds });
  const collect = () => {
    const bodies: Indicator[] = [];
    return { bodies, reply: { send: async (b: Message) => void bodies.push(b as Indicator) } };
  };
  const ago = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();

  test('pages through the window, each indicator once, revoked ones left out', async () => {
    const octi = await double();
    for (let i = 0; i < 5; i++) storeIndicator(octi, indicatorStix(`recent${i}.example`, { updatedAt: ago(1 + i / 10) }));
    storeIndicator(octi, indicatorStix('revoked.example', { updatedAt: ago(1), revoked: true }));
    storeIndicator(octi, indicatorStix('old.example', { updatedAt: ago(40) }));
    const h = await bus(octi, { page_size: 2 });
    const { bodies, reply } = collect();
    await h.app.snapshot(request(30 * 86_400), reply);
    expect(bodies.map((b) => b.name).sort()).toEqual(['recent0.example', 'recent1.example', 'recent2.example', 'recent3.example', 'recent4.example']);
    const pages = octi.graphql.requests.filter((r) => r.fields[0] === 'indicators');
    // 6 in the window at 2 per page: 2, 2, 2 (full, so hasNextPage), then an empty page.
    expect(pages.map((p) => p.variables.after === null)).toEqual([true, false, false, false]);
    expect(pages[0].variables).toMatchObject({
      first: 2,
      orderBy: 'updated_at',
      orderMode: 'asc',
      filters: { mode: 'and', filterGroups: [], filters: [{ key: ['updated_at'], operator: 'gte', mode: 'or' }] },
    });
  });

  test('detection_only filters on x_opencti_detection; sighting snapshots are not answered', async () => {
    const octi = await double();
    storeIndicator(octi, indicatorStix('on.example', { updatedAt: ago(1) }));
    storeIndicator(octi, indicatorStix('off.example', { updatedAt: ago(1), detection: false }));
    const h = await bus(octi, { detection_only: true });
    const { bodies, reply } = collect();
    await h.app.snapshot(request(7 * 86_400), reply);
    expect(bodies.map((b) => b.name)).toEqual(['on.example']);
    const [page] = octi.graphql.requests.filter((r) => r.fields[0] === 'indicators');
    expect((page.variables.filters as { filters: unknown[] }).filters[1]).toEqual({ key: ['x_opencti_detection'], values: ['true'], operator: 'eq', mode: 'or' });
    await h.app.snapshot(request(7 * 86_400, MessageType.SIGHTING), reply);
    expect(octi.graphql.requests.filter((r) => r.fields[0] === 'indicators')).toHaveLength(1);
  });
});

describe('the double is strict', () => {
  test('every operation of the plugin validates against the schema; an invalid request is recorded as a violation', async () => {
    for (const [name, text] of Object.entries(operations)) {
      if (typeof text === 'string') expect([name, validate(openCtiSchema(), parse(text)).map((e) => e.message)]).toEqual([name, []]);
    }
    const octi = await new OpenCtiDouble().start();
    const client = new OpenCtiClient({ url: octi.url, token: octi.token, ssl: true, timeout: 5 });
    try {
      await expect(client.graphql('query Bad { indicators { edges { node { no_such_field } } } }', {})).rejects.toThrow(/HTTP 400/);
      await expect(client.graphql(operations.ADD_SIGHTING, { input: { fromId: 'x', toId: 'y' } })).rejects.toThrow();
      expect(octi.violations).toEqual([expect.stringContaining('Cannot query field "no_such_field"'), expect.stringContaining('attribute_count')]);
      octi.violations.length = 0;
      // Errors carry the core's stable codes.
      const wrongToken = new OpenCtiClient({ url: octi.url, token: 'wrong', ssl: true, timeout: 5 });
      const refused = await wrongToken.graphql(operations.FIND_INDICATOR, { id: 'indicator--5f7b2284-bdd8-4ef4-b457-032ac0a82f02' }).catch((e: unknown) => e);
      wrongToken.close();
      expect(refused).toMatchObject({ code: 'TB_PEER_REJECTED', retriable: false, status: 200, graphqlCode: 'AUTH_REQUIRED' });
      const nowhere = new OpenCtiClient({ url: 'http://127.0.0.1:9', token: 't', ssl: true, timeout: 5 });
      const unreachable = await nowhere.graphql(operations.FIND_INDICATOR, { id: 'x' }).catch((e: unknown) => e);
      nowhere.close();
      expect(unreachable).toMatchObject({ code: 'TB_PEER_UNREACHABLE', retriable: true });
    } finally {
      client.close();
      await octi.stop();
    }
  });
});

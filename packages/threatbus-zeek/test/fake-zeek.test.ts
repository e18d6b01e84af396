/**
 * The test server must behave like Zeek 8 (spec/zeek-websocket.md), or the
 * end-to-end tests prove nothing. These drive it with a raw `ws` client.
 */
import WebSocket from 'ws';
import { B } from '../src/broker-data';
import { encodeEventMessage } from '../src/messages';
import { IntelFramework, applyIntel, sightedIds } from './support/fake-intel';
import type { IntelItem } from './support/fake-intel';
import { FakeZeek } from './support/fake-zeek';
import { sleep, waitFor } from './support/helpers';

interface RawClient {
  ws: WebSocket;
  frames: string[];
  closeCode?: number;
}

async function connect(url: string, headers: Record<string, string> = {}): Promise<RawClient> {
  const ws = new WebSocket(url, { headers });
  const client: RawClient = { ws, frames: [] };
  ws.on('message', (d) => client.frames.push(d.toString()));
  ws.on('close', (code) => (client.closeCode = code));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return client;
}

const intel = encodeEventMessage('threatbus/intel', {
  name: 'Tenzir::intel',
  args: [B.vector([B.timestamp(0n), B.string('indicator--x'), B.string('DOMAIN'), B.string('a.com'), B.string('ADD')])],
});

describe('fake Zeek server', () => {
  let z: FakeZeek;
  const clients: RawClient[] = [];
  beforeEach(async () => {
    z = await FakeZeek.start();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.ws.terminate();
    await z.close();
  });
  const open = async (url = z.url, headers?: Record<string, string>) => {
    const c = await connect(url, headers);
    clients.push(c);
    return c;
  };

  test('wrong path: invalid_uri error and close 1008', async () => {
    const c = await open(z.url.replace('json', 'xml'));
    await waitFor('close', () => c.closeCode !== undefined);
    expect(JSON.parse(c.frames[0])).toMatchObject({ type: 'error', code: 'invalid_uri' });
    expect(c.closeCode).toBe(1008);
  });

  test('bad application name: invalid_application_name and close 1008', async () => {
    const c = await open(z.url, { 'X-Application-Name': 'bad name!' });
    await waitFor('close', () => c.closeCode !== undefined);
    expect(JSON.parse(c.frames[0])).toMatchObject({ type: 'error', code: 'invalid_application_name' });
    expect(c.closeCode).toBe(1008);
  });

  test('handshake: array first, ack with endpoint and Zeek version; a non-array gets an error', async () => {
    const good = await open();
    good.ws.send('["threatbus/"]');
    await waitFor('ack', () => good.frames.length === 1);
    expect(JSON.parse(good.frames[0])).toEqual({ type: 'ack', endpoint: z.endpoint, version: '8.2.2' });

    const bad = await open();
    bad.ws.send('{"topics":["a"]}');
    const mixed = await open();
    mixed.ws.send('["a", 1]');
    await waitFor('errors', () => bad.frames.length === 1 && mixed.frames.length === 1);
    expect(JSON.parse(bad.frames[0])).toEqual({ type: 'error', code: 'deserialization_failed', context: 'subscriptions not an array' });
    expect(JSON.parse(mixed.frames[0]).context).toBe('individual subscription not a string');
    // Like real Zeek: the refused client stays connected (no close frame follows the error).
    good.ws.send('["threatbus/x"]');
    await waitFor('a frame after the errors', () => z.ackedClients.length === 1 && bad.ws.readyState === WebSocket.OPEN);
    expect([bad.closeCode, mixed.closeCode]).toEqual([undefined, undefined]);
  });

  test('silentBadHandshake: like Broker, nothing at all', async () => {
    await z.close();
    z = await FakeZeek.start({ silentBadHandshake: true });
    const c = await open();
    c.ws.send('{}');
    await sleep(200);
    expect(c.frames).toEqual([]);
    expect(c.closeCode).toBeUndefined();
  });

  test('declared events only; prefix routing to other clients, never an echo', async () => {
    const sender = await open();
    const listener = await open();
    const stranger = await open();
    sender.ws.send('["threatbus/intel"]');
    listener.ws.send('["threatbus/"]');
    stranger.ws.send('["zeek/"]');
    await waitFor('acks', () => z.ackedClients.length === 3);
    sender.ws.send(intel);
    sender.ws.send(intel.replace('Tenzir::intel', 'Tenzir::nope'));
    sender.ws.send(intel.replace('"string","data":"DOMAIN"', '"count","data":3'));
    sender.ws.send('nope');
    sender.ws.send('{"@data-type":"count","data":1}');
    sender.ws.send('{"type":"data-message","topic":"t","@data-type":"real","data":2}');
    await waitFor('errors', () => sender.frames.length === 6);
    expect(sender.frames.slice(1).map((f) => JSON.parse(f).context)).toEqual([
      'failed to create Zeek event', 'failed to create Zeek event', 'failed to decode JSON object',
      'no topic in top-level JSON object', 'failed to create Zeek event',
    ]);
    expect(z.events('Tenzir::intel')).toHaveLength(1);
    await waitFor('routing', () => listener.frames.length === 2);
    expect(listener.frames[1]).toBe(intel);
    expect(stranger.frames).toHaveLength(1);
  });
});

describe("the fake's Intel framework (Zeek 8's base/frameworks/intel/main.zeek)", () => {
  const item = (indicator: string, source: string, type = 'DOMAIN'): IntelItem => ({ indicator, indicator_type: type, meta: { source, desc: source, url: 'threatbus' } });

  test('one entry per indicator and type, case-insensitive for strings, a meta record per source', () => {
    const intel = new IntelFramework();
    intel.insert(item('A.example', 's1'));
    intel.insert(item('a.example', 's2'));
    intel.insert(item('a.example', 's2'));
    intel.insert(item('a.example', 's3', 'URL'));
    expect(intel.seen('a.EXAMPLE', 'DOMAIN').map((i) => i.meta.source).sort()).toEqual(['s1', 's2']);
    expect(intel.seen('a.example', 'URL').map((i) => i.meta.source)).toEqual(['s3']);
    expect(intel.seen('b.example', 'DOMAIN')).toEqual([]);
  });

  test('remove takes out its source only; purge or the last source removes the indicator; unknown is an info line', () => {
    const intel = new IntelFramework();
    for (const s of ['s1', 's2', 's3']) intel.insert(item('a.example', s));
    intel.remove(item('a.example', 's1'));
    intel.remove(item('a.example', 'unknown-source'));
    expect(intel.sources('a.example', 'DOMAIN')).toEqual(['s2', 's3']);
    intel.remove(item('a.example', 's2'), true);
    expect(intel.seen('a.example', 'DOMAIN')).toEqual([]);
    intel.insert(item('b.example', 's1'));
    intel.remove(item('b.example', 's1'));
    intel.remove(item('b.example', 's1'));
    expect(intel.sources('b.example', 'DOMAIN')).toEqual([]);
    expect(intel.reporterInfo).toEqual(["Tried to remove non-existing item 'b.example' (Intel::DOMAIN)."]);
  });

  test("threatbus.zeek's handlers: a source per STIX id, REMOVE of one id, one sighting per Threat Bus item", () => {
    const intel = new IntelFramework();
    const op = (id: string, operation: string, intel_type = 'DOMAIN') => applyIntel(intel, { id, intel_type, indicator: 'dup.example', operation });
    expect(op('indicator--a', 'ADD')).toBe(true);
    op('indicator--b', 'ADD');
    intel.insert({ indicator: 'dup.example', indicator_type: 'DOMAIN', meta: { source: 'my-own-feed' } });
    expect(op('indicator--c', 'ADD', 'NOPE')).toBe(false);
    expect(sightedIds(intel.seen('dup.example', 'DOMAIN')).sort()).toEqual(['indicator--a', 'indicator--b']);
    op('indicator--a', 'REMOVE');
    expect(intel.sources('dup.example', 'DOMAIN').sort()).toEqual(['my-own-feed', 'threatbus:indicator--b']);
    op('indicator--b', 'REMOVE');
    // The user's own intel for the value survives Threat Bus's removals, but gives no sighting.
    expect(intel.sources('dup.example', 'DOMAIN')).toEqual(['my-own-feed']);
    intel.insert({ indicator: 'dup.example', indicator_type: 'DOMAIN', meta: { source: 'other' } });
    expect(sightedIds(intel.seen('dup.example', 'DOMAIN'))).toEqual([]);
  });
});

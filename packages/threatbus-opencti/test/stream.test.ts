/**
 * Indicators in from OpenCTI's events stream, against the HTTP double
 * (test/opencti-double.ts): create/update/delete, resume after a dropped
 * connection and after a bus restart, first start live-only, bad token,
 * missing stream, silent stream, malformed events.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSighting } from 'threatbus';
import { join } from 'node:path';
import { OCTI_EXTENSION } from '../src/mapping';
import { OpenCtiDouble, envelope, indicatorStix } from './opencti-double';
import { lines, startBus, streamOpen, tempDir, waitFor } from './helpers';
import type { Harness } from './helpers';

const doubles: OpenCtiDouble[] = [];
const buses: Harness[] = [];
const dirs: ReturnType<typeof tempDir>[] = [];

/** A double whose heartbeats come only when a test asks for them, so the ids a test expects are not moved on by one. */
async function double(): Promise<OpenCtiDouble> {
  const d = new OpenCtiDouble();
  d.heartbeatMs = 600_000;
  await d.start();
  doubles.push(d);
  return d;
}

async function bus(octi: OpenCtiDouble, config: Record<string, unknown> = {}): Promise<Harness> {
  const h = await startBus(octi, config);
  buses.push(h);
  return h;
}

afterEach(async () => {
  for (const h of buses.splice(0)) await h.closeBus();
  for (const d of doubles.splice(0)) {
    await d.stop();
    expect(d.violations).toEqual([]);
  }
  for (const t of dirs.splice(0)) t.remove();
});

const connected = streamOpen;

test('create, update and delete of an indicator reach the bus; other types are ignored and counted', async () => {
  const octi = await double();
  const h = await bus(octi);
  await connected(h);
  expect(octi.streamRequests[0].headers.authorization).toBe(`Bearer ${octi.token}`);
  expect(octi.streamRequests[0].headers['last-event-id']).toBeUndefined();
  const stix = indicatorStix('evil.example');
  octi.emit('create', envelope('create', { id: 'identity--b2a8fbec-b4fb-563c-a052-7b5b4ab23070', type: 'identity', spec_version: '2.1', name: 'Recorded Future' }));
  octi.emit('create', envelope('create', stix));
  octi.emit('update', envelope('update', { ...stix, description: 'changed' }, { context: { patch: [], reverse_patch: [{ op: 'replace', path: '/description', value: 'download location' }] } }));
  octi.emit('delete', envelope('delete', stix));
  await waitFor('three indicators', () => h.probe.indicators().length === 3);
  const [created, updated, deleted] = h.probe.indicators();
  expect(created).toMatchObject({ type: 'indicator', id: stix.id, pattern: stix.pattern, name: 'evil.example', x_opencti_detection: true, x_opencti_score: 50 });
  expect(created.x_threatbus_update).toBeUndefined();
  expect(created.extensions).toBeUndefined();
  expect(updated).toMatchObject({ id: stix.id, description: 'changed', x_threatbus_update: 'EDIT' });
  expect(deleted).toMatchObject({ id: stix.id, x_threatbus_update: 'REMOVE' });
  expect(h.app.counters.intake).toMatchObject({ published: 3, removed: 1, ignored: { identity: 1 }, malformed: 0 });
  expect(lines(h.records, 'info', 'OpenCTI plugin started')).toHaveLength(1);
});

test('detection_only: detection off removes, revoked removes, a create without detection is not forwarded', async () => {
  const octi = await double();
  const h = await bus(octi, { detection_only: true });
  await connected(h);
  const on = indicatorStix('on.example');
  const off = indicatorStix('off.example', { detection: false });
  octi.emit('create', envelope('create', off));
  octi.emit('create', envelope('create', on));
  const detectionPath = `/extensions/${OCTI_EXTENSION}/detection`;
  // Still off after an edit: nothing to withdraw.
  octi.emit('update', envelope('update', { ...off, description: 'edited' }, { context: { patch: [], reverse_patch: [{ op: 'replace', path: '/description', value: 'download location' }] } }));
  octi.emit('update', envelope('update', indicatorStix('on.example', { detection: false, internalId: 'x' }), { context: { patch: [{ op: 'remove', path: detectionPath }], reverse_patch: [{ op: 'add', path: detectionPath, value: true }] } }));
  octi.emit('update', envelope('update', { ...on, revoked: true }, { context: { patch: [{ op: 'replace', path: '/revoked', value: true }], reverse_patch: [{ op: 'replace', path: '/revoked', value: false }] } }));
  await waitFor('three indicators', () => h.probe.indicators().length === 3);
  expect(h.probe.indicators().map((i) => [i.name, i.x_threatbus_update ?? 'ADD'])).toEqual([
    ['on.example', 'ADD'],
    ['on.example', 'REMOVE'],
    ['on.example', 'REMOVE'],
  ]);
  expect(h.app.counters.intake.filtered).toBe(2);
});

test('a dropped connection resumes from the last event id: nothing missed, nothing repeated', async () => {
  const octi = await double();
  const h = await bus(octi);
  await connected(h);
  octi.emit('create', envelope('create', indicatorStix('one.example')));
  await waitFor('the first indicator', () => h.probe.indicators().length === 1);
  octi.dropConnections();
  // Emitted while the plugin is disconnected: must come through the resume.
  octi.emit('create', envelope('create', indicatorStix('two.example')));
  octi.emit('create', envelope('create', indicatorStix('three.example')));
  await waitFor('the resumed indicators', () => h.probe.indicators().length === 3);
  await connected(h, 2);
  octi.emit('create', envelope('create', indicatorStix('four.example')));
  await waitFor('the live one after the resume', () => h.probe.indicators().length === 4);
  expect(h.probe.indicators().map((i) => i.name)).toEqual(['one.example', 'two.example', 'three.example', 'four.example']);
  const resumed = octi.streamRequests[1];
  expect(resumed.headers['last-event-id']).toBe(octi.events[0].id);
  expect(lines(h.records, 'warn', 'OpenCTI events stream: the stream ended; reconnecting').length + lines(h.records, 'warn', 'connection lost').length).toBe(1);
});

test('a first connection dropped before any event or heartbeat resumes from the id the stream had at connection', async () => {
  const octi = await double();
  octi.emit('create', envelope('create', indicatorStix('history.example')));
  const h = await bus(octi);
  await waitFor('the connected event', () => lines(h.records, 'debug', 'OpenCTI stream connected').length === 1);
  octi.dropConnections();
  octi.emit('create', envelope('create', indicatorStix('while-reconnecting.example')));
  await waitFor('the event from the gap', () => h.probe.indicators().length === 1);
  expect(h.probe.indicators()[0].name).toBe('while-reconnecting.example');
  expect(octi.streamRequests[1].headers['last-event-id']).toBe(octi.events[0].id);
});

test('a bus restart continues from the state file; the first start without state begins with live events', async () => {
  const octi = await double();
  const dir = tempDir();
  dirs.push(dir);
  const stateFile = join(dir.path, 'sub', 'opencti-state.json');
  octi.emit('create', envelope('create', indicatorStix('history.example')));
  let h = await bus(octi, { state_file: stateFile });
  await connected(h);
  expect(octi.streamRequests[0].headers['last-event-id']).toBeUndefined();
  const firstLive = octi.emit('create', envelope('create', indicatorStix('live.example')));
  await waitFor('the live indicator', () => h.probe.indicators().length === 1);
  expect(h.probe.indicators()[0].name).toBe('live.example'); // history comes through snapshots, not the stream
  await buses.pop()!.closeBus();
  expect(JSON.parse(readFileSync(stateFile, 'utf8')).last_event_id).toBe(firstLive);

  octi.emit('create', envelope('create', indicatorStix('while-down-1.example')));
  octi.emit('delete', envelope('delete', indicatorStix('while-down-2.example')));
  h = await bus(octi, { state_file: stateFile });
  await waitFor('the events from while the bus was down', () => h.probe.indicators().length === 2);
  expect(octi.streamRequests[1].headers['last-event-id']).toBe(firstLive);
  expect(h.probe.indicators().map((i) => [i.name, i.x_threatbus_update ?? 'ADD'])).toEqual([
    ['while-down-1.example', 'ADD'],
    ['while-down-2.example', 'REMOVE'],
  ]);
  expect(lines(h.records, 'info', 'OpenCTI plugin started')[0].meta?.resume_from).toBe(firstLive);
});

test('heartbeat ids are kept, so a resume after an idle time does not re-read old events', async () => {
  const octi = await double();
  octi.heartbeatMs = 50;
  octi.scheduleHeartbeat();
  const dir = tempDir();
  dirs.push(dir);
  const stateFile = join(dir.path, 'state.json');
  const h = await bus(octi, { state_file: stateFile });
  await connected(h);
  const id = octi.emit('create', envelope('create', indicatorStix('a.example')));
  await waitFor('heartbeats after the event', () => h.app.counters.stream.heartbeats >= 3 && h.probe.indicators().length === 1);
  await buses.pop()!.closeBus();
  const saved = JSON.parse(readFileSync(stateFile, 'utf8')).last_event_id as string;
  expect(Number(saved.split('-')[0])).toBeGreaterThan(Number(id.split('-')[0]));
});

test('a broken state file is one error line and a live start', async () => {
  const octi = await double();
  const dir = tempDir();
  dirs.push(dir);
  const stateFile = join(dir.path, 'state.json');
  writeFileSync(stateFile, '{"last_event_id": 42');
  const h = await bus(octi, { state_file: stateFile });
  await connected(h);
  expect(lines(h.records, 'error', `state file '${stateFile}' has no valid last_event_id`)).toHaveLength(1);
  expect(octi.streamRequests[0].headers['last-event-id']).toBeUndefined();
});

test('a bad token is one clear error line without the token; the plugin keeps retrying', async () => {
  const octi = await double();
  const h = await bus(octi, { token: 'wrong' });
  await waitFor('several refused attempts', () => octi.streamRequests.length >= 4);
  const errors = lines(h.records, 'error', 'OpenCTI events stream');
  expect(errors).toHaveLength(1);
  expect(errors[0].message).toMatch(/HTTP 401: You are not authenticated, please check your credentials — check the token/);
  expect(errors[0].message).not.toContain('wrong');
  expect(JSON.stringify(h.records)).not.toContain(octi.token);
  expect(h.records.some((r) => r.message.includes('\n    at '))).toBe(false);
});

test('an unknown live stream id is one clear error line naming stream_id', async () => {
  const octi = await double();
  const h = await bus(octi, { stream_id: 'no-such-stream' });
  await waitFor('two refused attempts', () => octi.streamRequests.length >= 2);
  expect(octi.streamRequests[0].path).toBe('/stream/no-such-stream');
  const errors = lines(h.records, 'error', 'OpenCTI events stream');
  expect(errors).toHaveLength(1);
  expect(errors[0].message).toMatch(/HTTP 401.*stream_id/);
});

test('a live stream by id is read from /stream/<id>', async () => {
  const octi = await double();
  octi.liveStreams.add('f8b2c1de');
  const h = await bus(octi, { stream_id: 'f8b2c1de' });
  await connected(h);
  octi.emit('create', envelope('create', indicatorStix('x.example')));
  await waitFor('the indicator', () => h.probe.indicators().length === 1);
  expect(octi.streamRequests.map((r) => r.path)).toEqual(['/stream/f8b2c1de']);
});

test('a silent stream is reconnected and resumed', async () => {
  const octi = await double();
  const h = await bus(octi, { heartbeat_timeout: 0.3 });
  await connected(h);
  octi.emit('create', envelope('create', indicatorStix('before.example')));
  await waitFor('the first indicator', () => h.probe.indicators().length === 1);
  octi.silent = true;
  octi.emit('create', envelope('create', indicatorStix('during.example'))); // held back by the hung connection
  await waitFor('a reconnect after the silence', () => octi.streamRequests.length >= 2);
  octi.silent = false;
  // The plugin notices the silence again on the silent connection(s) and then resumes after `before`.
  await waitFor('the held-back indicator', () => h.probe.indicators().length === 2, 10_000);
  expect(h.probe.indicators()[1].name).toBe('during.example');
  expect(lines(h.records, 'warn', 'no event or heartbeat for 0.3s').length).toBeGreaterThanOrEqual(1);
});

test('malformed events are logged (rate-limited) and skipped; the stream goes on', async () => {
  const octi = await double();
  const h = await bus(octi);
  await connected(h);
  octi.emit('create', 'this is not JSON');
  octi.emit('create', '[1,2]');
  octi.emit('create', JSON.stringify({ version: '4', type: 'create' }));
  octi.emit('create', envelope('create', { ...indicatorStix('bad.example'), pattern: "[domain-name:value = 'unterminated]" }));
  octi.emit('frobnicate', envelope('create', indicatorStix('odd.example')));
  octi.sendRaw('data: {"no":"event name"}\n\n');
  for (let i = 0; i < 10; i++) octi.emit('create', `garbage ${i}`);
  octi.emit('create', envelope('create', indicatorStix('good.example')));
  await waitFor('the good indicator', () => h.probe.indicators().length === 1);
  expect(h.probe.indicators()[0].name).toBe('good.example');
  expect(h.app.counters.intake.malformed).toBe(15);
  const warned = lines(h.records, 'warn', 'Skipping a malformed OpenCTI event');
  expect(warned).toHaveLength(5); // then rate-limited to debug
  expect(warned.map((w) => w.message)).toEqual([
    expect.stringMatching(/event \d+-\d+: data is not JSON/),
    expect.stringContaining('data is not a JSON object'),
    expect.stringContaining('data.data (the STIX object) is missing'),
    expect.stringMatching(/indicator "indicator--.*pattern/),
    expect.stringContaining('unknown event type "frobnicate"'),
  ]);
  expect(lines(h.records, 'warn', 'Skipping a malformed frame on the OpenCTI stream: a message without an event name')).toHaveLength(1);
  expect(h.app.counters.stream.malformed).toBe(1);
  expect(h.app.counters.stream.connections).toBe(1);
});

test('a URL that answers 200 with something else than an event stream (a proxy login page) is one clear error line', async () => {
  const proxy = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>login</html>'));
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const octi = await double();
  try {
    const h = await bus(octi, { url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` });
    await waitFor('the error', () => lines(h.records, 'error', 'OpenCTI events stream').length === 1);
    expect(lines(h.records, 'error', 'OpenCTI events stream')[0].message).toContain('answered with "text/html" instead of an event stream');
    await buses.pop()!.closeBus();
  } finally {
    proxy.closeAllConnections();
    await new Promise((resolve) => proxy.close(resolve));
  }
});

test('a removed indicator is forgotten: a later sighting of it is checked with OpenCTI again', async () => {
  const octi = await double();
  const h = await bus(octi);
  await connected(h);
  const stix = indicatorStix('gone.example');
  octi.emit('create', envelope('create', stix));
  octi.emit('delete', envelope('delete', stix));
  await waitFor('both', () => h.probe.indicators().length === 2);
  await h.probe.publish(createSighting({ sighting_of_ref: String(stix.id) }));
  await waitFor('the skip', () => h.app.counters.sightings.skipped === 1);
  expect(octi.graphql.requests.map((r) => r.fields[0])).toContain('indicator');
});

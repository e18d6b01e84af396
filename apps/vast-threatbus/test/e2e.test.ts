/**
 * vast-threatbus end to end: real bus (core + zmq-app plugin) in-process,
 * the app in-process, the fake `vast`/`tenzir` executables on PATH.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MessageType } from 'threatbus';
import { metricValue } from 'threatbus/testing';
import { ThreatBusClient } from 'threatbus-zmq-app/client';
import { FakeVast, TestBus, ECHO, indicator, startApp, testConfig, waitFor } from './harness';

const EVIL = "[domain-name:value = 'evil.com']";
const EVIL_QUERY = '"evil.com" == net.domain || "evil.com" == net.hostname';
const row = (n: number) => ({ ts: `2021-05-04T15:15:5${n}.919`, uid: `C${n}`, query: 'evil.com' });

let vast: FakeVast;
let bus: TestBus | undefined;
let stopApp: (() => Promise<void>) | undefined;

beforeEach(async () => {
  vast = new FakeVast();
  vast.install();
  bus = await TestBus.start();
});

afterEach(async () => {
  await stopApp?.();
  stopApp = undefined;
  await bus?.close();
  bus = undefined;
  vast.uninstall();
});

function run(overrides: Record<string, unknown>, extra: Parameters<typeof startApp>[1] = {}) {
  const started = startApp(testConfig({ threatbus: (bus as TestBus).endpoint, ...overrides }), extra);
  stopApp = () => started.app.stop();
  return started;
}

test('retro matching: each VAST result becomes a RETRO sighting on the bus', async () => {
  vast.setResults({ [EVIL_QUERY]: [row(1), row(2), row(3)] });
  const { app } = run({ retro_match_max_events: 2, vast: 'vast.example:42000' });
  await waitFor('subscription', () => app.subscriptions === 1, 10_000);
  const ind = indicator(EVIL);
  await bus!.publish(ind);
  await waitFor('two sightings', () => bus!.sightings.length === 2, 10_000);
  for (const s of bus!.sightings) {
    expect(s.sighting_of_ref).toBe(ind.id);
    expect(s.x_threatbus_match_type).toBe('RETRO');
    expect(s.x_threatbus_indicator?.id).toBe(ind.id);
  }
  expect(bus!.sightings.map((s) => s.x_threatbus_sighting_context)).toEqual([row(1), row(2)]);
  expect(bus!.sightings[0].last_seen).toBe('2021-05-04T15:15:51.919Z');
  // Command lines as PyVAST built them, endpoint first; low priority because the fake's help lists it.
  expect(vast.calls().map((c) => c.argv)).toEqual(
    expect.arrayContaining([
      ['-e', 'vast.example:42000', 'status'],
      ['-e', 'vast.example:42000', 'export', '--help'],
      ['-e', 'vast.example:42000', 'export', '--caf.scheduler.max-threads=1', '--low-priority', '--max-events=2', 'json', EVIL_QUERY],
    ]),
  );
});

test('compound patterns become one query; unmappable ones are skipped with a debug log', async () => {
  const compound = "[ipv4-addr:value = '6.6.6.6' OR domain-name:value = 'evil.com']";
  const compoundQuery = '6.6.6.6 || "evil.com" == net.domain || "evil.com" == net.hostname';
  const andQuery = '6.6.6.6 && "http://x/a" == net.uri';
  vast.extraEnv.FAKE_VAST_NO_LOW_PRIORITY = '1';
  vast.install();
  vast.setResults({ [compoundQuery]: [row(1)], [andQuery]: [row(2)] });
  const { app, logger } = run({});
  await waitFor('app.subscriptions === 1', () => app.subscriptions === 1);
  const or = indicator(compound);
  const and = indicator("[ipv4-addr:value = '6.6.6.6' AND url:value = 'http://x/a']");
  const skipped = indicator("[file:name = 'evil.exe'] FOLLOWEDBY [ipv4-addr:value = '6.6.6.6']");
  for (const i of [skipped, or, and]) await bus!.publish(i);
  await waitFor('sightings', () => bus!.sightings.length === 2, 10_000);
  await app.idle();
  expect(bus!.sightings.map((s) => s.sighting_of_ref).sort()).toEqual([or.id, and.id].sort());
  const exports = vast.callsOf('export').filter((a) => a[1] !== '--help');
  // No --low-priority: this VAST's help does not offer it.
  expect(exports).toEqual(expect.arrayContaining([['export', '--caf.scheduler.max-threads=1', 'json', compoundQuery], ['export', '--caf.scheduler.max-threads=1', 'json', andQuery]]));
  expect(exports).toHaveLength(2);
  expect(logger.has('debug', new RegExp(`No VAST query for indicator ${skipped.id}.*FOLLOWEDBY`))).toBe(true);
});

test('live matching: matcher add, attach, LIVE sightings, and remove', async () => {
  const { app } = run({ live_match: true, retro_match: false, matcher_name: 'threatbus-matcher' });
  await waitFor('app.subscriptions === 1', () => app.subscriptions === 1);
  const evil = indicator(EVIL);
  const ip = indicator("[ipv4-addr:value = '6.6.6.6']");
  await bus!.publish(evil);
  await bus!.publish(ip);
  await waitFor('matcher add', () => vast.callsOf('matcher', 'add').length === 2, 10_000);
  await app.idle();
  expect(vast.callsOf('matcher', 'add')).toEqual(
    expect.arrayContaining([
      ['matcher', 'add', 'threatbus-matcher', 'evil.com', `threatbus__${evil.id}`],
      ['matcher', 'add', 'threatbus-matcher', '6.6.6.6', `threatbus__${ip.id}`],
    ]),
  );
  // The matcher is attached concurrently with the adds: wait for it rather than assume it came first.
  await waitFor('matcher attach', () => vast.callsOf('matcher', 'attach').length === 1);
  expect(vast.callsOf('matcher', 'attach')).toEqual([['matcher', 'attach', 'json', 'threatbus-matcher']]);
  vast.addEvent('zeek.dns', { ts: '2021-05-04T15:15:58.919', query: 'evil.com' });
  await waitFor('live sighting', () => bus!.sightings.length === 1, 10_000);
  const s = bus!.sightings[0];
  expect(s).toMatchObject({ sighting_of_ref: evil.id, x_threatbus_match_type: 'LIVE', x_threatbus_indicator_value: 'evil.com', last_seen: '2021-05-04T15:15:58.919Z' });
  expect(s.x_threatbus_sighting_context).toEqual({ ts: '2021-05-04T15:15:58.919', query: 'evil.com' });
  expect(app.metrics.liveMatcherSightings.value).toBe(1);

  // Withdraw evil.com: a later event with it is no sighting, one with 6.6.6.6 still is.
  await bus!.publish({ ...evil, x_threatbus_update: 'REMOVE' });
  await waitFor('matcher remove', () => vast.callsOf('matcher', 'remove').length === 1, 10_000);
  await app.idle();
  expect(vast.callsOf('matcher', 'remove')).toEqual([['matcher', 'remove', 'threatbus-matcher', 'evil.com']]);
  vast.addEvent('zeek.dns', { ts: '2021-05-04T15:16:00', query: 'evil.com' });
  vast.addEvent('zeek.conn', { ts: '2021-05-04T15:16:01', 'id.resp_h': '6.6.6.6' });
  await waitFor('second live sighting', () => bus!.sightings.length === 2, 10_000);
  expect(bus!.sightings[1].sighting_of_ref).toBe(ip.id);
  // No retro queries when retro matching is off.
  expect(vast.callsOf('export').filter((a) => a[1] !== '--help')).toEqual([]);
});

test('transform_context rewrites the context, sink STDOUT prints only the context', async () => {
  vast.setResults({ [EVIL_QUERY]: [row(1)] });
  const lines: string[] = [];
  const { app } = run(
    { transform_context: `${process.execPath} ${ECHO} --ioc %ioc --type %matchtype --literal 'a b'`, sink: 'STDOUT' },
    { stdout: (l) => lines.push(l) },
  );
  await waitFor('app.subscriptions === 1', () => app.subscriptions === 1);
  await bus!.publish(indicator(EVIL));
  await waitFor('stdout line', () => lines.length === 1, 10_000);
  expect(JSON.parse(lines[0])).toEqual({ ...row(1), argv: ['--ioc', 'evil.com', '--type', 'RETRO', '--literal', 'a b'] });
  // Python json.dumps separators, as the original printed.
  expect(lines[0]).toContain('"uid": "C1"');
  await app.idle();
  expect(bus!.sightings).toEqual([]);
});

test('a failing transform drops that sighting and the app keeps going; a sink command gets the context on stdin', async () => {
  vast.setResults({ [EVIL_QUERY]: [row(1)] });
  const out = join(vast.dir, 'sink.jsonl');
  vast.extraEnv.ECHO_OUT = out;
  vast.install();
  const { app, logger } = run({ transform_context: `${process.execPath} ${ECHO} --not-json`, sink: `${process.execPath} ${ECHO} --record %ioc %matchtype` });
  await waitFor('app.subscriptions === 1', () => app.subscriptions === 1);
  await bus!.publish(indicator(EVIL));
  await waitFor('transform error', () => logger.has('error', /Error while transforming sighting context.*not JSON/), 10_000);
  app.dispatch(indicator(EVIL));
  await waitFor('second transform error', () => logger.records.filter((r) => /not JSON/.test(r.message)).length === 2, 10_000);
  expect(existsSync(out)).toBe(false);
  await app.stop();
  // Same app, no transform: the sink command receives the context.
  const second = run({ sink: `${process.execPath} ${ECHO} --record %ioc %matchtype` });
  await waitFor('second.app.subscriptions === 1', () => second.app.subscriptions === 1);
  await bus!.publish(indicator(EVIL));
  await waitFor('sink output', () => existsSync(out) && readFileSync(out, 'utf8').trim() !== '', 10_000);
  const got = JSON.parse(readFileSync(out, 'utf8').trim()) as { stdin: string; argv: string[] };
  // Only the context, in Python's json.dumps form; %ioc is substituted for sinks too (fixed spec/quirks.md F8).
  expect(JSON.parse(got.stdin)).toEqual(row(1));
  expect(got.stdin).toContain('"uid": "C1"');
  expect(got.argv).toEqual(['--record', 'evil.com', 'RETRO']);
  expect(bus!.sightings).toEqual([]);
});

test('metrics are appended to the metrics file as Influx lines', async () => {
  vast.setResults({ [EVIL_QUERY]: [row(1), row(2)] });
  const file = join(vast.dir, 'metrics.log');
  const { app } = run({ metrics: { interval: 1, filename: file } });
  await waitFor('app.subscriptions === 1', () => app.subscriptions === 1);
  await bus!.publish(indicator(EVIL));
  await bus!.publish({ ...indicator("[ipv4-addr:value = '1.2.3.4']"), x_threatbus_update: 'REMOVE' });
  await app.idle();
  await waitFor('metrics line with the query', () => existsSync(file) && /retro_matches_per_ioc_max=2/.test(readFileSync(file, 'utf8')), 10_000);
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  for (const l of lines) expect(l).toMatch(/^vast-threatbus,host=\S+ \w+=[\d.e-]+(,\w+=[\d.e-]+)* \d{19}$/);
  // The indicators may be counted in the same interval as the query or in an earlier one (a line is written every second).
  const all = lines.join(' ');
  expect(all).toMatch(/ added_iocs=1,removed_iocs=1[, ]/);
  expect(all).toMatch(/retro_matches_per_ioc_min=2,retro_matches_per_ioc_max=2,retro_matches_per_ioc_avg=2\.0,retro_query_time_per_ioc_min=[\d.e-]+,retro_query_time_per_ioc_max=[\d.e-]+,retro_query_time_per_ioc_avg=[\d.e-]+[ ,]/);
  expect(all.match(/added_iocs=/g)).toHaveLength(1);
});

test('after a bus restart the app re-subscribes and keeps matching', async () => {
  vast.setResults({ [EVIL_QUERY]: [row(1)] });
  const { app, logger } = run({});
  await waitFor('app.subscriptions === 1', () => app.subscriptions === 1);
  const ports = bus!.ports;
  await bus!.close();
  bus = await TestBus.restart(ports);
  await waitFor('re-subscription', () => app.subscriptions === 2, 15_000);
  expect(logger.has('warn', /Lost Threat Bus/)).toBe(true);
  await bus.publish(indicator(EVIL));
  await waitFor('sighting after restart', () => bus!.sightings.length === 1, 10_000);
});

test('VAST down at start: clear error, retries, then works', async () => {
  vast.setDown(true);
  vast.setResults({ [EVIL_QUERY]: [row(1)] });
  const { app, logger } = run({});
  await waitFor('status retries', () => vast.callsOf('status').length >= 2, 10_000);
  expect(logger.has('error', /Cannot connect to VAST at localhost:42000 \(vast -e localhost:42000 status\): \[error\] failed to connect to VAST node/)).toBe(true);
  expect(app.subscriptions).toBe(0);
  vast.setDown(false);
  await waitFor('subscription once VAST is up', () => app.subscriptions === 1, 10_000);
  await bus!.publish(indicator(EVIL));
  await waitFor('sighting', () => bus!.sightings.length === 1, 10_000);
});

test('failing and slow retro queries are logged, bounded in parallel, and do not stop other indicators', async () => {
  // Timeouts generous enough for the fake to start even on a loaded machine.
  vast.extraEnv.FAKE_VAST_SLOW_MS = '30000';
  vast.install();
  vast.setResults({ [EVIL_QUERY]: [row(1)] });
  const { app, logger } = run({ retro_match_timeout: 2, max_background_tasks: 2 });
  await waitFor('app.subscriptions === 1', () => app.subscriptions === 1);
  for (let i = 0; i < 4; i++) app.dispatch(indicator(`[ipv4-addr:value = '10.0.0.${i}']`));
  await waitFor('timeouts', () => logger.records.filter((r) => /Timeout after 2s in retro-query/.test(r.message)).length === 4, 20_000);
  expect(app.metrics.retroMatchBacklog.value).toBe(0);
  expect(vast.callsOf('export').filter((a) => a[1] !== '--help')).toHaveLength(4);
  // Two at a time: max_background_tasks bounds the VAST processes.
  expect(vast.maxConcurrentExports()).toBe(2);
  await app.stop();

  vast.extraEnv.FAKE_VAST_SLOW_MS = '0';
  vast.extraEnv.FAKE_VAST_FAIL = 'export';
  vast.install();
  const second = run({});
  await waitFor('second.app.subscriptions === 1', () => second.app.subscriptions === 1);
  await bus!.publish(indicator(EVIL));
  await waitFor('export failure', () => second.logger.has('error', /Retro-query for indicator .* failed \(exit code 1\): \[error\] export failed/), 10_000);
});

test('Tenzir backend: TQL pipeline, endpoint via TENZIR_ENDPOINT', async () => {
  vast.setResults({ [EVIL_QUERY]: [row(1), row(2)] });
  const { app } = run({ backend: 'tenzir', vast: 'tenzir.example:5158', retro_match_max_events: 1 });
  await waitFor('app.subscriptions === 1', () => app.subscriptions === 1);
  await bus!.publish(indicator(EVIL));
  await waitFor('sighting', () => bus!.sightings.length === 1, 10_000);
  await app.idle();
  const calls = vast.calls();
  expect(calls.every((c) => c.bin === 'tenzir' && c.endpoint === 'tenzir.example:5158')).toBe(true);
  expect(calls.map((c) => c.argv)).toEqual([['remote version'], [`export | where ${EVIL_QUERY} | head 1 | write json -c`]]);
});

test('live matching survives VAST going down: the matcher is re-attached', async () => {
  const { app, logger } = run({ live_match: true, retro_match: false, matcher_name: 'm' });
  await waitFor('app.subscriptions === 1', () => app.subscriptions === 1);
  const evil = indicator(EVIL);
  await bus!.publish(evil);
  await waitFor('matcher add', () => vast.callsOf('matcher', 'add').length === 1, 10_000);
  await waitFor('attach', () => vast.callsOf('matcher', 'attach').length === 1, 10_000);
  vast.setDown(true);
  await waitFor('attach exit logged', () => logger.has('error', /VAST matcher process exited with message: .*(lost connection|failed to connect)/), 10_000);
  const attachesWhileDown = vast.callsOf('matcher', 'attach').length;
  vast.setDown(false);
  await waitFor('re-attach', () => vast.callsOf('matcher', 'attach').length > attachesWhileDown, 10_000);
  vast.addEvent('zeek.dns', { ts: '2021-05-04T15:15:58', query: 'evil.com' });
  await waitFor('live sighting after re-attach', () => bus!.sightings.length === 1, 10_000);
  expect(bus!.sightings[0].sighting_of_ref).toBe(evil.id);
});

test('subscribes with the snapshot days and retro-matches the historic indicators it receives', async () => {
  await bus!.close();
  const old = indicator("[url:value = 'http://old.example/x']");
  bus = await TestBus.start({}, [old]);
  vast.setResults({ '"http://old.example/x" == net.uri': [row(4)] });
  const { app } = run({ snapshot: 7 });
  await waitFor('sighting of the historic indicator', () => bus!.sightings.length === 1, 10_000);
  expect(bus!.snapshotRequests.map((r) => [r.snapshot_type, r.snapshot])).toEqual([[MessageType.INDICATOR, 7 * 86400]]);
  expect(bus!.sightings[0].sighting_of_ref).toBe(old.id);
  expect(app.metrics.addedIocs.value).toBe(1);
});

test('snapshot requests of other apps reach the app and are skipped (it holds no history to answer with)', async () => {
  const { app, logger } = run({});
  await waitFor('app.subscriptions === 1', () => app.subscriptions === 1);
  const other = new ThreatBusClient({ endpoint: bus!.endpoint, topics: 'stix2/sighting', snapshot: 2 });
  try {
    await other.start();
    await waitFor('skipped snapshot request', () => logger.has('debug', /Skipping unsupported message: snapshotrequest/), 10_000);
  } finally {
    await other.close();
  }
  expect(app.metrics.addedIocs.value).toBe(0);
  expect(vast.callsOf('export').filter((a) => a[1] !== '--help')).toEqual([]);
});

test('Threat Bus down at start: subscription is retried until the bus is up', async () => {
  const ports = bus!.ports;
  const endpoint = bus!.endpoint;
  await bus!.close();
  bus = undefined;
  vast.setResults({ [EVIL_QUERY]: [row(1)] });
  const started = startApp(testConfig({ threatbus: endpoint }));
  stopApp = () => started.app.stop();
  await waitFor('failed subscription', () => started.logger.records.filter((r) => r.level === 'warn' && /Subscription failed, retrying/.test(r.message)).length >= 1, 15_000);
  expect(started.app.subscriptions).toBe(0);
  bus = await TestBus.restart(ports);
  await waitFor('subscription once the bus is up', () => started.app.subscriptions === 1, 15_000);
  await bus.publish(indicator(EVIL));
  await waitFor('sighting', () => bus!.sightings.length === 1, 10_000);
});

// The Prometheus endpoint (docs/observability.md): scraped over HTTP after real traffic, /readyz following VAST and the bus.
test('/metrics counts indicators and retro matches; /readyz waits for VAST and Threat Bus', async () => {
  vast.setResults({ [EVIL_QUERY]: [{ ts: '2021-05-04T15:15:51.919', uid: 'C1', query: 'evil.com' }] });
  const { app } = run({ metrics: { interval: 0, filename: 'unused.log', endpoint: { enabled: true, host: '127.0.0.1', port: 0 } } });
  await waitFor('subscription', () => app.subscriptions === 1, 10_000);
  await waitFor('the endpoint', () => app.prometheus.address !== undefined);
  const base = `http://127.0.0.1:${app.prometheus.address!.port}`;
  const ready = await fetch(`${base}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toEqual({ vast: 'vast, threatbus connected' });

  await bus!.publish(indicator("[domain-name:value = 'evil.com']"));
  await waitFor('a sighting', () => bus!.sightings.length === 1, 10_000);
  await waitFor('the retro query counted', async () => (await metricValue(app.prometheus.bus, 'threatbus_vast_retro_queries_total')) === 1);
  const text = await (await fetch(`${base}/metrics`)).text();
  expect(text).toMatch(/^threatbus_vast_added_iocs_total\{plugin="vast"\} 1$/m);
  expect(text).toMatch(/^threatbus_vast_retro_matches_total\{plugin="vast"\} 1$/m);
  expect(text).toMatch(/^threatbus_peer_up\{plugin="vast",peer="threatbus"\} 1$/m);
  expect(text).toContain('process_resident_memory_bytes');

  await bus!.close();
  bus = undefined;
  await waitFor('the bus lost', async () => (await fetch(`${base}/readyz`)).status === 503, 20_000);
});

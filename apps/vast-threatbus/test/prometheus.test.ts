/**
 * vast-threatbus's Prometheus endpoint: scraped over HTTP after real traffic
 * (bus → app → fake vast), /readyz following VAST and the bus.
 */
import { metricValue } from 'threatbus/testing';
import { FakeVast, TestBus, indicator, startApp, testConfig, waitFor } from './harness';

const EVIL_QUERY = '"evil.com" == net.domain || "evil.com" == net.hostname';

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
  await bus?.close();
  vast.uninstall();
});

test('/metrics counts indicators and retro matches; /readyz waits for VAST and Threat Bus', async () => {
  vast.setResults({ [EVIL_QUERY]: [{ ts: '2021-05-04T15:15:51.919', uid: 'C1', query: 'evil.com' }] });
  const { app } = startApp(testConfig({ threatbus: bus!.endpoint, metrics: { interval: 0, filename: 'unused.log', endpoint: { enabled: true, host: '127.0.0.1', port: 0 } } }));
  stopApp = () => app.stop();
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

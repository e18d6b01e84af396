/**
 * The README's one-minute tour, as a test: the bus on config.example.yaml (its
 * zmq-app moved to free ports), examples/subscribe.js, then
 * examples/publish-indicator.js; the subscriber prints the indicator.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { waitFor } from 'threatbus/testing';
import { freePorts, startProcess } from '../../tools/processes';
import type { Running } from '../../tools/processes';

const ROOT = join(__dirname, '..', '..');
const THREATBUS = join(ROOT, 'packages', 'threatbus', 'bin', 'threatbus.js');

function start(args: string[], env: Record<string, string> = {}): Running {
  return startProcess(process.execPath, args, ROOT, env);
}

const running: Running[] = [];
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'threatbus-examples-'));
});

afterEach(async () => {
  for (const r of running.splice(0)) await r.stop('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

test('config.example.yaml runs the zmq-app on 127.0.0.1; an indicator from publish-indicator.js reaches subscribe.js', async () => {
  const config = parse(readFileSync(join(ROOT, 'config.example.yaml'), 'utf8')) as { plugins: { apps: { zmq: Record<string, unknown>; store?: Record<string, unknown> } } };
  expect(config.plugins.apps.zmq.host).toBe('127.0.0.1');
  const [manage, pub, sub] = await freePorts(3);
  Object.assign(config.plugins.apps.zmq, { manage, pub, sub });
  // Whatever else the example enables keeps its files in the test's directory.
  if (config.plugins.apps.store) config.plugins.apps.store.path = join(dir, 'threatbus.db');
  const file = join(dir, 'config.yaml');
  writeFileSync(file, stringify(config));
  const endpoint = `127.0.0.1:${manage}`;

  const bus = start([THREATBUS, '-c', file]);
  running.push(bus);
  await waitFor(`the bus to be ready (output: ${bus.output()})`, () => bus.output().includes('Threat Bus ready'), 20_000);

  const subscriber = start([join(ROOT, 'examples', 'subscribe.js'), endpoint]);
  running.push(subscriber);
  await waitFor(`the subscriber to subscribe (output: ${subscriber.output()})`, () => subscriber.output().includes('subscribed to stix2/indicator'), 20_000);

  const pattern = "[domain-name:value = 'evil.example']";
  const publisher = start([join(ROOT, 'examples', 'publish-indicator.js'), pattern, endpoint]);
  running.push(publisher);
  expect(await publisher.exited).toBe(0);
  const id = /published indicator (indicator--[0-9a-f-]+)/.exec(publisher.output())?.[1];
  expect(id).toBeDefined();

  await waitFor(`the indicator at the subscriber (output: ${subscriber.output()})`, () => subscriber.output().includes(`indicator ${id} ${pattern}`), 20_000);

  // Ctrl-C ends the subscriber cleanly (it unsubscribes), SIGTERM the bus.
  subscriber.child.kill('SIGINT');
  expect(await subscriber.exited).toBe(0);
  bus.child.kill('SIGTERM');
  expect(await bus.exited).toBe(0);
});

test('the publisher names the endpoint when no bus answers, and exits 1', async () => {
  const [port] = await freePorts(1);
  const publisher = start([join(ROOT, 'examples', 'publish-indicator.js'), "[ipv4-addr:value = '6.6.6.6']", `127.0.0.1:${port}`], { THREATBUS_TIMEOUT_S: '1' });
  running.push(publisher);
  expect(await publisher.exited).toBe(1);
  expect(publisher.output()).toContain(`no answer from Threat Bus at 127.0.0.1:${port}`);
});

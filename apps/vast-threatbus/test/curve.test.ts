/** vast-threatbus against a bus whose zmq-app requires CURVE (docs/security.md): `curve` keys in the config. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { curveKeyPair } from 'zeromq';
import { ConfigError } from 'threatbus';
import { startTestBus } from 'threatbus/testing';
import type { TestBus } from 'threatbus/testing';
import zmqPlugin from 'threatbus-zmq-app';
import type { BoundPorts, ZmqApp } from 'threatbus-zmq-app';
import { loadConfig } from '../src/config';
import { FakeVast, indicator, startApp, testConfig, waitFor } from './harness';

const EVIL = "[domain-name:value = 'evil.com']";
const EVIL_QUERY = '"evil.com" == net.domain || "evil.com" == net.hostname';
const server = curveKeyPair();
const vastKeys = curveKeyPair();
const curve = { server_key: server.publicKey, public_key: vastKeys.publicKey, secret_key: vastKeys.secretKey };

test('with curve keys the app subscribes to a CURVE bus and reports sightings', async () => {
  const vast = new FakeVast();
  vast.install();
  let bus: TestBus | undefined;
  let stop: (() => Promise<void>) | undefined;
  try {
    bus = await startTestBus({
      config: { plugins: { apps: { zmq: { host: '127.0.0.1', manage: 0, pub: 0, sub: 0, curve: { secret_key: server.secretKey, authorized_keys: [vastKeys.publicKey] } } } } },
      plugins: [zmqPlugin],
      probe: { topics: ['stix2/sighting'] },
    });
    const ports = bus.plugin<ZmqApp>('zmq').ports as BoundPorts;
    vast.setResults({ [EVIL_QUERY]: [{ ts: '2021-05-04T15:15:51.919', uid: 'C1', query: 'evil.com' }] });
    const { app } = startApp(testConfig({ threatbus: `127.0.0.1:${ports.manage}`, curve }));
    stop = () => app.stop();
    await waitFor('subscription', () => app.subscriptions === 1, 10_000);
    const ind = indicator(EVIL);
    await bus.probe.publish(ind);
    await waitFor('the sighting', () => bus!.probe.sightings().length === 1, 10_000);
    expect(bus.probe.sightings()[0].sighting_of_ref).toBe(ind.id);
  } finally {
    await stop?.();
    await bus?.close();
    vast.uninstall();
  }
});

test('the secret key can come from VAST_THREATBUS_CURVE__SECRET_KEY, the rest from vast.yaml', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vast-curve-'));
  try {
    writeFileSync(join(dir, 'vast.yaml'), `curve:\n  server_key: "${curve.server_key}"\n  public_key: "${curve.public_key}"\n`);
    const config = loadConfig({ path: 'vast.yaml', cwd: dir, env: { VAST_THREATBUS_CURVE__SECRET_KEY: curve.secret_key } });
    expect(config.curve).toEqual(curve);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('curve keys are checked when the config is loaded', () => {
  expect(testConfig({ curve }).curve).toEqual(curve);
  expect(testConfig({}).curve).toBeUndefined();
  const problems = (overrides: Record<string, unknown>): string => {
    try {
      testConfig(overrides);
      return '';
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as Error).message;
    }
  };
  expect(problems({ curve: { ...curve, public_key: server.publicKey } })).toMatch(/curve\.public_key.*not the public key of curve\.secret_key/);
  expect(problems({ curve: { ...curve, secret_key: 'short-secret' } })).toMatch(/curve\.secret_key/);
  expect(problems({ curve: { ...curve, secret_key: 'short-secret' } })).not.toContain('short-secret');
  expect(problems({ curve: { server_key: server.publicKey } })).toMatch(/curve/);
  // The secret never appears in an error message.
  expect(problems({ curve: { ...curve, public_key: server.publicKey } })).not.toContain(vastKeys.secretKey);
});

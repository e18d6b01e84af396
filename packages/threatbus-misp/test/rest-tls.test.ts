/**
 * MISP over HTTPS (how MISP is normally run): `api.ssl` as a CA bundle path
 * verifies the server, `false` skips verification (as the original), `true`
 * verifies against the system's CAs — which do not know this test CA. The
 * double serves the same OpenAPI-checked routes over TLS with a throw-away
 * test CA's certificate for 127.0.0.1 (fixtures/tls).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSighting } from 'threatbus';
import { MispDouble, storedAttribute } from './misp-double';
import { startTestBus } from 'threatbus/testing';
import type { TestBus } from 'threatbus/testing';
import mispPlugin from '../src';
import { configProblems } from '../src/config';
import { MispClient } from '../src/api/client';
import type { MispApp } from '../src/plugin';
import { waitFor } from './helpers';

const TLS_DIR = join(__dirname, 'fixtures/tls');
const CA = join(TLS_DIR, 'ca.pem');

let misp: MispDouble;
let bus: TestBus | undefined;

beforeEach(async () => {
  misp = await new MispDouble('double-api-key', { key: readFileSync(join(TLS_DIR, 'server-key.pem')), cert: readFileSync(join(TLS_DIR, 'server.pem')) }).start();
});

afterEach(async () => {
  await bus?.close();
  bus = undefined;
  await misp.stop();
  expect(misp.violations).toEqual([]);
});

const client = (ssl: boolean | string) => new MispClient({ host: misp.url, ssl, key: misp.key, timeout: 2 });

test('ssl: a CA bundle path verifies the server and the API answers over HTTPS', async () => {
  expect(misp.url).toMatch(/^https:/);
  const c = client(CA);
  try {
    await expect(c.get('/servers/getVersion')).resolves.toMatchObject({ version: expect.any(String) });
  } finally {
    c.close();
  }
});

test('ssl: true verifies against the system CAs, so an unknown CA is refused with the reason', async () => {
  const c = client(true);
  try {
    await expect(c.get('/servers/getVersion')).rejects.toThrow(/GET \/servers\/getVersion failed: .*(self-signed|unable to (get|verify)|certificate)/i);
  } finally {
    c.close();
  }
  expect(misp.requestsTo('/servers/getVersion')).toHaveLength(0);
});

test('ssl: false skips verification, as the original did', async () => {
  const c = client(false);
  try {
    await expect(c.get('/servers/getVersion')).resolves.toMatchObject({ version: expect.any(String) });
  } finally {
    c.close();
  }
});

test('an unreadable CA bundle is an error naming the config key and the path', () => {
  expect(() => client('/nonexistent/ca.pem')).toThrow("plugins.apps.misp.api.ssl: cannot read the CA bundle '/nonexistent/ca.pem': ENOENT");
});

test('through the plugin: a sighting reaches MISP over HTTPS verified with the CA bundle', async () => {
  const attr = storedAttribute(7);
  misp.attributes = [attr];
  const t = await startTestBus({
    config: { plugins: { apps: { misp: { zmq: { host: '127.0.0.1', port: 9 }, api: { host: misp.url, ssl: CA, key: misp.key, timeout: 2, retry_for: 2, retry_delay: 0.05 } } } } },
    plugins: [mispPlugin],
  });
  bus = t;
  await t.probe.publish(createSighting({ sighting_of_ref: `indicator--${attr.uuid}` }));
  await waitFor('the sighting at MISP', () => t.plugin<MispApp>('misp').sightings.sent === 1);
  expect(misp.sightings).toHaveLength(1);
});

test('threatbus --check reports an unreadable CA bundle with its key, before anything starts', () => {
  expect(configProblems({ zmq: { host: '127.0.0.1', port: 50000 }, api: { host: 'https://misp', ssl: '/nonexistent/ca.pem', key: 'k' } } as never))
    .toEqual([{ path: 'api.ssl', message: expect.stringMatching(/^cannot read the CA bundle '\/nonexistent\/ca.pem': ENOENT/) }]);
  expect(configProblems({ zmq: { host: '127.0.0.1', port: 50000 }, api: { host: 'https://misp', ssl: CA, key: 'k' } } as never)).toEqual([]);
  // A directory can be opened but is no bundle.
  expect(configProblems({ zmq: { host: '127.0.0.1', port: 50000 }, api: { host: 'https://misp', ssl: TLS_DIR, key: 'k' } } as never))
    .toEqual([{ path: 'api.ssl', message: expect.stringMatching(/EISDIR/) }]);
  // Over http the key is not used: a stale path does not stop a working setup.
  expect(configProblems({ zmq: { host: '127.0.0.1', port: 50000 }, api: { host: 'http://misp', ssl: '/nonexistent/ca.pem', key: 'k' } } as never)).toEqual([]);
});

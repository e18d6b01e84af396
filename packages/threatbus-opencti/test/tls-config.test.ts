/**
 * Config (defaults, env overrides, the token masked, the CA bundle check)
 * and OpenCTI over HTTPS with `ssl` as true / false / a CA bundle path,
 * using the MISP package's throw-away test CA (read-only).
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { applyEnvOverrides, ConfigError, createSighting, maskSecrets } from 'threatbus';
import { planBus } from 'threatbus/testing';
import openCtiPlugin from '../src';
import { OpenCtiClient } from '../src/client';
import { configProblems } from '../src/config';
import { OpenCtiDouble, envelope, indicatorStix, storeIndicator } from './opencti-double';
import { lines, startBus, streamOpen, waitFor } from './helpers';
import type { Harness } from './helpers';

const TLS_DIR = join(__dirname, '../../threatbus-misp/test/fixtures/tls');
const CA = join(TLS_DIR, 'ca.pem');

function plan(opencti: unknown, env: NodeJS.ProcessEnv = {}) {
  const data = { plugins: { apps: { opencti } } };
  return planBus({ data, envOrigins: applyEnvOverrides(data, env) }, { plugins: [openCtiPlugin], searchRoots: false });
}

describe('config', () => {
  test('defaults', () => {
    expect(plan({ url: 'https://opencti.example.org', token: 't' }).apps[0].config).toEqual({
      url: 'https://opencti.example.org',
      token: 't',
      detection_only: false,
      entity_name: 'Threat Bus',
      entity_description: 'Threat Bus: sightings of indicators reported by security tools',
      ssl: true,
      state_file: 'opencti-state.json',
      page_size: 500,
      timeout: 30,
      heartbeat_timeout: 45,
      reconnect: { initial_delay: 1, max_delay: 60 },
      sightings: { retry_for: 300, retry_delay: 1 },
    });
  });

  test('environment overrides, as for every plugin', () => {
    const p = plan({ url: 'https://opencti.example.org', token: 'from-file' }, {
      THREATBUS_PLUGINS__APPS__OPENCTI__TOKEN: 'from-env',
      THREATBUS_PLUGINS__APPS__OPENCTI__DETECTION_ONLY: 'true',
      THREATBUS_PLUGINS__APPS__OPENCTI__SIGHTINGS__RETRY_FOR: '10',
    });
    expect(p.apps[0].config).toMatchObject({ token: 'from-env', detection_only: true, sightings: { retry_for: 10, retry_delay: 1 } });
    expect(plan({ url: 'https://x', token: 't' }, { THREATBUS_PLUGINS__APPS__OPENCTI__STATE_FILE: 'false' }).apps[0].config).toMatchObject({ state_file: false });
  });

  test('errors name the key; the token is a secret', () => {
    expect(() => plan({ url: 'opencti.example.org', token: '' })).toThrow(ConfigError);
    let problems = '';
    try {
      plan({ url: 'opencti.example.org', token: 't', stream_id: 'a/b', colour: 1 });
    } catch (e) {
      problems = (e as ConfigError).problems.map((p) => `${p.path}: ${p.message}`).join('\n');
    }
    expect(problems).toMatch(/opencti\.url/);
    expect(problems).toMatch(/stream_id/);
    expect(problems).toMatch(/colour/);
    expect(() => plan({ url: 'https://x', token: 't', state_file: true })).toThrow(/state_file/);
    expect(openCtiPlugin.secrets).toEqual(['token']);
    const masked = maskSecrets({ plugins: { apps: { opencti: { url: 'https://x', token: 'very-secret' } } } }) as Record<string, unknown>;
    expect(JSON.stringify(masked)).not.toContain('very-secret');
  });

  test("OpenCTI's base path (app:base_path) is kept in every URL", () => {
    const client = new OpenCtiClient({ url: 'http://opencti.example.org/octi', token: 't', ssl: true, timeout: 1 });
    expect([client.url('stream').href, client.url('graphql').href, client.origin]).toEqual([
      'http://opencti.example.org/octi/stream',
      'http://opencti.example.org/octi/graphql',
      'http://opencti.example.org/octi',
    ]);
    client.close();
  });

  test('an unreadable CA bundle is a problem naming ssl (only for https)', () => {
    expect(configProblems({ url: 'https://x', ssl: '/no/such/ca.pem' } as never)).toEqual([{ path: 'ssl', message: expect.stringContaining("cannot read the CA bundle '/no/such/ca.pem'") }]);
    expect(configProblems({ url: 'http://x', ssl: '/no/such/ca.pem' } as never)).toEqual([]);
    expect(configProblems({ url: 'https://x', ssl: CA } as never)).toEqual([]);
  });
});

describe('over HTTPS', () => {
  let octi: OpenCtiDouble;
  let h: Harness | undefined;
  beforeEach(async () => {
    octi = await new OpenCtiDouble({ key: readFileSync(join(TLS_DIR, 'server-key.pem')), cert: readFileSync(join(TLS_DIR, 'server.pem')) }).start();
  });
  afterEach(async () => {
    await h?.closeBus();
    h = undefined;
    await octi.stop();
    expect(octi.violations).toEqual([]);
  });

  test.each([
    ['a CA bundle path', CA],
    ['false (no verification)', false],
  ])('ssl: %s — the stream is read over TLS', async (_name, ssl) => {
    expect(octi.url).toMatch(/^https:/);
    h = await startBus(octi, { ssl });
    await streamOpen(h!);
    const stix = indicatorStix('tls.example');
    storeIndicator(octi, stix);
    octi.emit('create', envelope('create', stix));
    await waitFor('the indicator', () => h!.probe.indicators().length === 1);
    // GraphQL over the same TLS settings.
    await h.probe.publish(createSighting({ sighting_of_ref: String(stix.id) }));
    await waitFor('the sighting', () => octi.graphql.sightings.length === 1);
  });

  test('ssl: true refuses an unknown CA with one clear error line, and keeps retrying', async () => {
    h = await startBus(octi, { ssl: true });
    await waitFor('the error', () => lines(h!.records, 'error', 'OpenCTI events stream').length === 1);
    await waitFor('a retry', () => h!.records.filter((r) => r.level === 'debug' && r.message.startsWith('OpenCTI events stream')).length >= 1);
    expect(lines(h.records, 'error', 'OpenCTI events stream')[0].message).toMatch(/certificate/);
    expect(octi.streamRequests).toHaveLength(0);
  });
});

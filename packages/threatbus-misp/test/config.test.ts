/** Config validation (spec/misp.md §2, spec/vectors/config-validation.json) and missing optional packages. */
import { ConfigError, startThreatBus, silentLogger } from 'threatbus';
import { configErrorLines, planBus } from 'threatbus/testing';
import { loadVectors } from '../../../tools/vectors';
import mispPlugin from '../src';
import { loadRdKafka } from '../src/intake/kafka';
import { loadZeromq } from '../src/intake/zmq';
import { MissingDependencyError, setPackageLoader } from '../src/intake/optional';

const plan = (misp: unknown) => planBus({ data: { plugins: { apps: { misp } } }, envOrigins: new Map() }, { plugins: [mispPlugin], searchRoots: false });

const problems = (misp: unknown): string[] => configErrorLines(() => plan(misp));

describe('config-validation vectors for misp', () => {
  const vectors = loadVectors<{ yaml: { plugins: { apps: { misp: unknown } } } }, { valid: boolean; error?: string }>('config-validation.json').filter((v) => v.name.startsWith('misp:'));
  test('all misp vectors are present', () => expect(vectors).toHaveLength(9));
  /** Where the original's schema and ours differ on purpose. */
  const CHANGED: Record<string, string> = {
    'misp: kafka poll_interval given as int is rejected': 'integers are accepted (quirk C12 fixed)',
  };
  test.each(vectors.map((v) => [v.name, v] as const))('%s', (name, v) => {
    const got = problems(structuredClone(v.input.yaml.plugins.apps.misp));
    if (CHANGED[name]) {
      expect(got).toEqual([]);
      return;
    }
    if (v.expected.valid) expect(got).toEqual([]);
    else expect(got.length).toBeGreaterThan(0);
  });
  test('defaults: filter [], kafka.poll_interval 1.0 and kafka.commit_interval 1.0', () => {
    const p = plan({ kafka: { topics: ['misp_attribute'], config: { 'bootstrap.servers': 'localhost:9092', 'group.id': 'threatbus' } } });
    expect(p.apps[0].config).toEqual({ filter: [], kafka: { topics: ['misp_attribute'], poll_interval: 1.0, commit_interval: 1.0, config: { 'bootstrap.servers': 'localhost:9092', 'group.id': 'threatbus' } } });
  });
});

describe('config errors name the key', () => {
  test.each([
    [{ zmq: { host: 'x', port: 1 }, api: { host: 'https://misp' } }, ['plugins.apps.misp.api.ssl: is required', 'plugins.apps.misp.api.key: is required']],
    [{ zmq: { host: 'x', port: 1 }, filter: { orgs: ['1'] } }, ['plugins.apps.misp.filter: must be array']],
    [{ zmq: { host: 'x', port: 1 }, filter: [{ org: ['1'] }] }, ["plugins.apps.misp.filter.0.org: unknown key (did you mean 'orgs'?)"]],
    [{ zmq: { host: 'x', port: 'abc' } }, ['plugins.apps.misp.zmq.port: must be integer']],
    [{ zmq: { host: 'x', port: 1 }, api: { host: 'misp.example', ssl: true, key: 'k' } }, ['plugins.apps.misp.api.host: must match pattern']],
  ])('%j', (misp, expected) => {
    const got = problems(misp);
    for (const e of expected) expect(got.some((g) => g.startsWith(e))).toBe(true);
  });

  test.each([
    [{ zmq: { host: 'x', port: 1 }, kafka: { topics: ['t'], config: {} } }, /either 'plugins\.apps\.misp\.zmq' or 'plugins\.apps\.misp\.kafka', not both/],
    [{ api: { host: 'https://misp', ssl: false, key: 'k' } }, /one of 'plugins\.apps\.misp\.zmq' .* or 'plugins\.apps\.misp\.kafka' .* is required/],
  ])('zmq and kafka are exclusive: %j', async (misp, message) => {
    // At plan time (threatbus --check), with the section's path ...
    expect(problems(structuredClone(misp))).toEqual([expect.stringMatching(new RegExp(`^plugins\\.apps\\.misp: .*${message.source}`))]);
    // ... and when starting the bus.
    const start = startThreatBus({ config: { plugins: { apps: { misp } } }, plugins: [mispPlugin], searchRoots: false, logger: silentLogger() });
    await expect(start).rejects.toThrow(ConfigError);
    await expect(start).rejects.toThrow(message);
  });

  test('the API key can come from the environment and is masked as a secret', () => {
    const p = planBus(
      { data: { plugins: { apps: { misp: { zmq: { host: 'x', port: 1 }, api: { host: 'https://misp', ssl: false, key: 'k' } } } } }, envOrigins: new Map() },
      { plugins: [mispPlugin], searchRoots: false },
    );
    expect(p.secrets.has('plugins.apps.misp.api.key')).toBe(true);
    const fromEnv = startThreatBus({
      config: { plugins: { apps: { misp: { zmq: { host: '127.0.0.1', port: 9 }, api: { host: 'http://127.0.0.1:9', ssl: false } } } } },
      env: { THREATBUS_PLUGINS__APPS__MISP__API__KEY: 'from-env' },
      plugins: [mispPlugin],
      searchRoots: false,
      logger: silentLogger(),
    });
    return fromEnv.then((b) => b.close());
  });
});

describe('optional packages', () => {
  const fail = () => {
    throw new Error("Cannot find module 'x'");
  };
  test('missing node-rdkafka names the package to install', () => {
    expect(() => loadRdKafka(fail)).toThrow(MissingDependencyError);
    expect(() => loadRdKafka(fail)).toThrow(/plugins\.apps\.misp\.kafka.*npm install node-rdkafka/);
  });
  test('missing zeromq names the package to install', () => {
    expect(() => loadZeromq(fail)).toThrow(/plugins\.apps\.misp\.zmq.*npm install zeromq/);
  });

  describe('node-rdkafka not installed (it is an optional peer dependency)', () => {
    const kafka = { topics: ['misp_attribute'], config: { 'bootstrap.servers': '127.0.0.1:9', 'group.id': 'g' } };
    beforeEach(() => {
      setPackageLoader((pkg) => {
        if (pkg === 'node-rdkafka') throw new Error("Cannot find module 'node-rdkafka'\nRequire stack: ...");
        return require(pkg);
      });
    });
    afterEach(() => setPackageLoader());

    test('--check (the validate hook) reports it under the kafka key, naming the package and the install command', () => {
      expect(problems({ kafka })).toEqual([
        "plugins.apps.misp.kafka: MISP attribute export is configured via Apache Kafka (setting plugins.apps.misp.kafka), but the package 'node-rdkafka' " +
          "cannot be loaded (Cannot find module 'node-rdkafka'). Install it with: npm install node-rdkafka",
      ]);
    });

    test('a ZeroMQ intake does not need it', () => {
      expect(problems({ zmq: { host: '127.0.0.1', port: 50000 } })).toEqual([]);
    });

    test('the start fails before any plugin runs, with the same single problem', async () => {
      const started = startThreatBus({ config: { plugins: { apps: { misp: { kafka } } } }, plugins: [mispPlugin], searchRoots: false, logger: silentLogger() });
      await expect(started).rejects.toBeInstanceOf(ConfigError);
      await expect(started).rejects.toMatchObject({ problems: [{ message: expect.stringMatching(/npm install node-rdkafka$/) }] });
    });
  });
});

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadVectors } from '../../../tools/vectors';
import { loadRawConfig, parseEnvValue, maskSecrets, applyEnvOverrides, defineAppPlugin } from '../src';
import { planBus } from '../src/runtime/plan';
import { configErrorLines } from '../src/testing/config';
import type { RawConfig } from '../src';
import { makeProject } from './fixtures';

const zmqLike = defineAppPlugin({
  name: 'zmq',
  configSchema: {
    type: 'object', additionalProperties: false,
    properties: { host: { type: 'string', default: '127.0.0.1' }, manage: { type: 'integer', default: 13370 }, pub: { type: 'integer', default: 13371 }, sub: { type: 'integer', default: 13372 } },
  },
  create: () => ({ start: async () => {}, stop: async () => {} }),
});

function plan(data: Record<string, unknown>, env: NodeJS.ProcessEnv = {}, file = '/x/config.yaml') {
  const raw: RawConfig = { data, file, envOrigins: applyEnvOverrides(data, env) };
  return planBus(raw, { plugins: [zmqLike], searchRoots: false });
}

const problems = configErrorLines;

describe('environment overrides', () => {
  test.each([
    ['true', true], ['FALSE', false], ['5672', 5672], ['-3', -3], ['1.5', 1.5], ['[1, 2]', [1, 2]], ["['a', 'b']", ['a', 'b']],
    ["'quoted'", 'quoted'], ['plain text', 'plain text'], ['@int 12', 12], ['@json {"a": 1}', { a: 1 }], ['@str 12', '12'], ['007x', '007x'],
  ])('%s is typed as %p', (raw, typed) => {
    expect(parseEnvValue(raw)).toEqual(typed);
  });

  test('a nested variable overrides the YAML value, matching keys case-insensitively (dynaconf quirk fixed)', () => {
    const p = plan({ plugins: { apps: { zmq: { host: '127.0.0.1', manage: 13370, pub: 13371, sub: 13372 } } } }, { THREATBUS_PLUGINS__APPS__ZMQ__PUB: '14000' });
    expect(p.apps[0].config).toEqual({ host: '127.0.0.1', manage: 13370, pub: 14000, sub: 13372 });
  });

  test('env can add keys and whole plugin sections, lower-cased', () => {
    const p = plan({ plugins: { apps: {} } }, { THREATBUS_PLUGINS__APPS__ZMQ__HOST: '0.0.0.0', THREATBUS_LOGGING__FILENAME: 'x.log' });
    expect(p.apps.map((a) => a.name)).toEqual(['zmq']);
    expect(p.apps[0].config.host).toBe('0.0.0.0');
    expect(p.config.logging.filename).toBe('x.log');
  });

  test('variables that are not config (THREATBUS_TEST_*) are ignored', () => {
    expect(() => plan({ plugins: { apps: {} } }, { THREATBUS_TEST_ZEEK: '/usr/bin/zeek' })).not.toThrow();
  });

  test('.env in the working directory is read, and the real environment wins over it', () => {
    const project = makeProject([]);
    try {
      writeFileSync(join(project.dir, 'config.yaml'), 'plugins:\n  apps: {}\n');
      writeFileSync(join(project.dir, '.env'), 'THREATBUS_LOGGING__CONSOLE_VERBOSITY=DEBUG\nTHREATBUS_LOGGING__FILE_VERBOSITY=ERROR\n');
      const raw = loadRawConfig({ cwd: project.dir, env: { THREATBUS_LOGGING__FILE_VERBOSITY: 'WARNING' } });
      expect(raw.file).toBe(join(project.dir, 'config.yaml'));
      expect(raw.data.logging).toEqual({ console_verbosity: 'DEBUG', file_verbosity: 'WARNING' });
    } finally {
      project.cleanup();
    }
  });
});

describe('validation', () => {
  test('defaults are filled in', () => {
    const p = plan({ plugins: { apps: { zmq: null } } });
    expect(p.config.logging).toEqual({ console: true, console_verbosity: 'INFO', file: false, file_verbosity: 'INFO', filename: 'threatbus.log', format: 'text' });
    expect(p.apps[0].config).toEqual({ host: '127.0.0.1', manage: 13370, pub: 13371, sub: 13372 });
    expect(p.backbones.map((b) => b.name)).toEqual(['inmem']);
    expect(p.defaultBackbone).toBe(true);
  });

  test('all errors at once, each with key path, expectation, found value and source', () => {
    const lines = problems(() =>
      plan({ logging: { console: 'yes', console_verbosity: 'loud' }, plugins: { apps: { zmq: { manage: 'abc', pbu: 1 } } } }, { THREATBUS_PLUGINS__APPS__ZMQ__SUB: 'x' }),
    );
    expect(lines).toEqual(expect.arrayContaining([
      'logging.console: must be boolean, got "yes" (config.yaml)',
      'logging.console_verbosity: must be one of "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", got "loud" (config.yaml)',
      'plugins.apps.zmq.manage: must be integer, got "abc" (config.yaml)',
      "plugins.apps.zmq.pbu: unknown key (did you mean 'pub'?) (config.yaml)",
      'plugins.apps.zmq.sub: must be integer, got "x" (env THREATBUS_PLUGINS__APPS__ZMQ__SUB)',
    ]));
    expect(lines).toHaveLength(5);
  });

  test('verbosity in any case, WARN for WARNING', () => {
    const p = plan({ logging: { console_verbosity: 'debug', file_verbosity: 'Warn' }, plugins: { apps: {} } });
    expect(p.config.logging.console_verbosity).toBe('DEBUG');
    expect(p.config.logging.file_verbosity).toBe('WARNING');
  });

  test('numeric strings are accepted for integers, as the original', () => {
    expect(plan({ plugins: { apps: { zmq: { manage: '50000' } } } }).apps[0].config.manage).toBe(50000);
  });

  test('plugins.apps is required; a typo at the top level is named', () => {
    expect(problems(() => plan({ plugins: {} }))).toEqual(['plugins.apps: is required (config.yaml)']);
    expect(problems(() => plan({ plugin: { apps: {} } }))).toEqual(expect.arrayContaining(["plugin: unknown key (did you mean 'plugins'?) (config.yaml)"]));
  });

  test("a plugin's own validate hook runs after its schema, and its problems carry the full path", () => {
    const picky = defineAppPlugin<{ a?: number; b?: number }>({
      name: 'picky',
      configSchema: { type: 'object', additionalProperties: false, properties: { a: { type: 'integer' }, b: { type: 'integer' } } },
      validate: (c) => (c.a !== undefined && c.b !== undefined ? [{ path: '', message: "set 'a' or 'b', not both" }, { path: 'b', message: 'conflicts with a' }] : []),
      create: () => ({ start: async () => {}, stop: async () => {} }),
    });
    const run = (section: unknown) => planBus({ data: { plugins: { apps: { picky: section } } }, envOrigins: new Map(), file: '/x/c.yaml' }, { plugins: [picky], searchRoots: false });
    expect(problems(() => run({ a: 1, b: 2 }))).toEqual(["plugins.apps.picky: set 'a' or 'b', not both (c.yaml)", 'plugins.apps.picky.b: conflicts with a (c.yaml)']);
    // Schema errors first; the hook only sees a config that passed the schema.
    expect(problems(() => run({ a: 'x', b: 2 }))).toEqual(['plugins.apps.picky.a: must be integer, got "x" (c.yaml)']);
    expect(() => run({ a: 1 })).not.toThrow();
  });

  test('a configured plugin that is not installed names the npm package', () => {
    expect(problems(() => plan({ plugins: { apps: { misp: {} }, backbones: { rabbitmq: {} } } }))).toEqual([
      'plugins.backbones.rabbitmq: no backbone plugin named \'rabbitmq\' is installed; install it with: npm install threatbus-rabbitmq',
      "plugins.apps.misp: no app plugin named 'misp' is installed; install it with: npm install threatbus-misp",
    ]);
  });

  describe('config-validation vectors (core and env cases)', () => {
    interface In { yaml: Record<string, unknown>; env?: Record<string, string>; plugins_validated?: string[] }
    interface Out { valid: boolean; error?: string }
    const vectors = loadVectors<In, Out>('config-validation.json').filter((v) => (v.input.plugins_validated ?? []).length === 0);
    test.each(vectors.map((v) => [v.name, v] as const))('%s', (_n, v) => {
      const run = () => plan(structuredClone(v.input.yaml), v.input.env ?? {});
      // Deliberate differences from the original, each asked for: env overrides work at any depth (spec/core.md §3.3),
      // logging.filename has its documented default (§3.1), levels are accepted in any case and
      // a missing plugins.backbones means the in-memory backbone (issue #2).
      const deliberate = /QUIRK|without filename|lowercase verbosity|missing plugins.backbones/.test(v.name);
      if (v.expected.valid || deliberate) {
        expect(run).not.toThrow();
      } else {
        const key = v.expected.error!.split(' ')[0];
        expect(problems(run).some((l) => l.startsWith(key + ':'))).toBe(true);
      }
    });
  });
});

describe('loading files', () => {
  test('a file that is not YAML by name, or not YAML inside, is refused clearly', () => {
    const project = makeProject([]);
    try {
      writeFileSync(join(project.dir, 'cfg.json'), '{}');
      expect(() => loadRawConfig({ path: 'cfg.json', cwd: project.dir })).toThrow(/Please provide a YAML configuration file ending in .yaml or .yml, got 'cfg.json'/);
      writeFileSync(join(project.dir, 'bad.yaml'), 'plugins:\n  apps: [unclosed\n');
      expect(() => loadRawConfig({ path: 'bad.yaml', cwd: project.dir, env: {} })).toThrow(/not valid YAML: .* \(bad.yaml\)/);
      writeFileSync(join(project.dir, 'list.yaml'), '- a\n- b\n');
      expect(() => loadRawConfig({ path: 'list.yaml', cwd: project.dir, env: {} })).toThrow(/must be a YAML mapping .* got a list/);
      expect(() => loadRawConfig({ cwd: project.dir, env: {} })).toThrow(/no configuration: pass -c/);
    } finally {
      project.cleanup();
    }
  });

  test('secrets are masked', () => {
    expect(maskSecrets({ api: { key: 'k', host: 'h' }, password: 'p', nested: [{ token: 't' }], other: 'o' }, new Set(['other']))).toEqual({
      api: { key: '********', host: 'h' }, password: '********', nested: [{ token: '********' }], other: '********',
    });
  });
});

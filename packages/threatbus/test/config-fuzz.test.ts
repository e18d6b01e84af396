/**
 * Property tests of the config loader (issue 13): whatever the file, the
 * environment or the parsed value, loading and planning end in a plan or a
 * ConfigError, never in another error (a TypeError would be a stack trace
 * for the operator).
 */
import fc from 'fast-check';
import { applyEnvOverrides, ConfigError, parseConfigYaml } from '../src';
import { planBus } from '../src/runtime/plan';

function onlyConfigErrors(run: () => unknown): void {
  try {
    run();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
  }
}

const yamlish = fc.oneof(
  fc.string({ maxLength: 200 }),
  // Fragments that reach YAML's less common paths: anchors, aliases, tags, flow collections, block scalars.
  fc.array(fc.constantFrom('plugins:', '\n', '  ', 'apps:', '&a ', '*a', '!!str ', '!!binary ', '[', ']', '{', '}', ': ', '- ', '|', '>', '"', "'", '#', '---', '...', '? ', 'zmq', '13370', 'null', '~', '%YAML 1.2'), { maxLength: 40 }).map((parts) => parts.join('')),
);

test('any YAML text parses into a mapping or a ConfigError', () => {
  fc.assert(fc.property(yamlish, (text) => onlyConfigErrors(() => parseConfigYaml(text, 'fuzz.yaml'))), { numRuns: 2000 });
});

test('any parsed value plans into a bus or a ConfigError', () => {
  const section = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.dictionary(fc.constantFrom('inmem', 'zmq', 'x', '__proto__', 'constructor'), fc.jsonValue({ maxDepth: 2 })));
  const config = fc.record(
    {
      logging: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.record({ console: fc.jsonValue({ maxDepth: 1 }), console_verbosity: fc.oneof(fc.string(), fc.constantFrom('debug', 'WARN', 'info')) }, { requiredKeys: [] })),
      plugins: fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.record({ apps: section, backbones: section }, { requiredKeys: [] })),
      metrics: fc.jsonValue({ maxDepth: 2 }),
      extra: fc.jsonValue({ maxDepth: 2 }),
    },
    { requiredKeys: [] },
  );
  fc.assert(
    fc.property(config, (data) => onlyConfigErrors(() => planBus({ data: data as Record<string, unknown>, envOrigins: new Map() }, { searchRoots: false }))),
    { numRuns: 1000 },
  );
});

test('any THREATBUS_* variables apply or give a ConfigError naming them', () => {
  const name = fc.array(fc.constantFrom('LOGGING', 'PLUGINS', 'APPS', 'ZMQ', 'MANAGE', 'x', '', '__PROTO__', 'CONSTRUCTOR'), { minLength: 1, maxLength: 5 }).map((s) => 'THREATBUS_' + s.join('__'));
  const value = fc.oneof(fc.string(), fc.constantFrom('@int abc', '@int 5', '@json {bad', '@json [1]', '@float x', '@bool yes', '{a: [', '[1, 2]', "'q'"));
  fc.assert(
    fc.property(fc.dictionary(name, value, { maxKeys: 6 }), fc.jsonValue({ maxDepth: 3 }), (env, start) => {
      const data = (typeof start === 'object' && start !== null && !Array.isArray(start) ? start : {}) as Record<string, unknown>;
      onlyConfigErrors(() => {
        applyEnvOverrides(data, env);
        planBus({ data, envOrigins: new Map() }, { searchRoots: false });
      });
      // Prototype pollution through a variable name would show on every object.
      expect(({} as Record<string, unknown>).logging).toBeUndefined();
    }),
    { numRuns: 1000 },
  );
});

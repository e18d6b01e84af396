/** A plugin's manifest declares the core versions it was built for; the core refuses one built for another (docs/plugins.md). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, startThreatBus, createLogger } from '../src';
import { planBus } from '../src/runtime/plan';
import { CORE_VERSION } from '../src/runtime/discovery';
import { satisfiesRange } from '../src/runtime/version-range';
import { runCli } from './cli-process';
import { makeProject } from './fixtures';

test.each([
  ['0.1.0', '^0.1.0', true], ['0.1.9', '^0.1.0', true], ['0.2.0', '^0.1.0', false], ['0.0.9', '^0.1.0', false],
  ['1.9.9', '^1.2.3', true], ['2.0.0', '^1.2.3', false], ['1.2.2', '^1.2.3', false], ['0.0.3', '^0.0.3', true], ['0.0.4', '^0.0.3', false],
  ['1.0.0', '^1', true], ['0.5.0', '^0.x', true], ['1.2.9', '~1.2.3', true], ['1.3.0', '~1.2.3', false], ['1.9.0', '~1', true],
  ['2.0.0', '>=1.2.0', true], ['1.1.9', '>=1.2.0', false], ['1.9.9', '<2', true], ['2.0.0', '<2.0.0', false], ['1.3.5', '<=1.3', true], ['1.4.0', '<=1.3', false],
  ['2.0.0', '>1', true], ['1.9.0', '>1', false], ['1.2.3', '1.2.3', true], ['1.2.4', '=1.2.3', false], ['1.2.7', '1.2.x', true], ['1.3.0', '1.x', true],
  ['2.0.0', '1.x', false], ['9.9.9', '*', true], ['0.1.0', '', true], ['1.5.0', '>=1.2.0 <2.0.0', true], ['2.1.0', '>=1.2.0 <2.0.0', false],
  ['3.0.0', '^1.0.0 || ^3.0.0', true], ['2.0.0', '^1.0.0 || ^3.0.0', false], ['1.2.3-rc.1', '^1.2.0', true], ['1.5.0', '>= 1.2.0', true],
])('%s satisfies %p: %p', (version, range, expected) => {
  expect(satisfiesRange(version, range)).toBe(expected);
});

test.each(['^banana', '>>1', '1.2.3.4', '~'])('an invalid range %p is neither satisfied nor refused: undefined', (range) => {
  expect(satisfiesRange('0.1.0', range)).toBeUndefined();
});

describe('plugins with a core range', () => {
  const project = makeProject([
    { packageName: 'threatbus-fits', kind: 'app', name: 'fits', core: `^${CORE_VERSION}` },
    { packageName: 'threatbus-foo', kind: 'app', name: 'foo', core: '^2.0.0', version: '1.2.0' },
    { packageName: 'threatbus-odd', kind: 'app', name: 'odd', core: 'banana' },
    { packageName: 'threatbus-old', kind: 'app', name: 'old' },
  ]);
  afterAll(() => project.cleanup());
  const plan = (apps: Record<string, unknown>) => planBus({ data: { plugins: { apps } }, envOrigins: new Map() }, { searchRoots: [project.dir] });

  test('a mismatching plugin is refused with one line and code TB_PLUGIN_CORE_MISMATCH; a fitting one loads', () => {
    expect(plan({ fits: {} }).apps.map((a) => a.origin)).toEqual(['threatbus-fits@1.2.3']);
    let error: unknown;
    try {
      plan({ fits: {}, foo: {}, odd: {} });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      expect.objectContaining({
        path: 'plugins.apps.foo',
        code: 'TB_PLUGIN_CORE_MISMATCH',
        message: `threatbus-foo 1.2.0 was built for threatbus ^2.0.0, this is threatbus ${CORE_VERSION}; install a version of threatbus-foo made for this core`,
      }),
      expect.objectContaining({ path: 'plugins.apps.odd', code: 'TB_PLUGIN_INVALID', message: expect.stringContaining('declares an invalid core range "banana"') }),
    ]);
  });

  test('a plugin without a core range loads, with a debug line', async () => {
    const file = join(project.dir, 'bus.log');
    const handle = createLogger({ console: false, file: true, filename: file, file_verbosity: 'DEBUG' });
    const started = await startThreatBus({ config: { plugins: { apps: { old: {} } } }, searchRoots: [project.dir], logger: handle.logger });
    await started.close();
    await handle.close();
    expect(require('node:fs').readFileSync(file, 'utf8')).toMatch(/DEBUG +\[threatbus\] threatbus-old 1\.2\.3 declares no core range .*loaded without a version check/);
  });

  test('threatbus --check fails with the mismatch on one line', () => {
    writeFileSync(join(project.dir, 'config.yaml'), 'plugins:\n  apps:\n    foo: {}\n');
    const out = runCli(['--check'], project.dir);
    expect(out.status).toBe(1);
    expect(out.stderr.trim()).toBe(`Invalid config: plugins.apps.foo: threatbus-foo 1.2.0 was built for threatbus ^2.0.0, this is threatbus ${CORE_VERSION}; install a version of threatbus-foo made for this core`);
  });
});

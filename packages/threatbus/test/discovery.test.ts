import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, startThreatBus, createLogger } from '../src';
import { discoverPlugins } from '../src/runtime/discovery';
import { planBus } from '../src/runtime/plan';
import { makeProject } from './fixtures';

describe('plugin discovery with fixture packages in a temporary node_modules', () => {
  const project = makeProject([
    { packageName: 'threatbus-alpha', kind: 'app', name: 'alpha' },
    { packageName: '@acme/threatbus-beta', kind: 'app', name: 'beta' },
    { packageName: 'threatbus-gamma', kind: 'backbone', name: 'gamma' },
    { packageName: 'threatbus-not-a-plugin', kind: 'app', name: 'x', code: '' },
    { packageName: 'threatbus-broken', kind: 'app', name: 'broken', code: 'module.exports = { nothing: true };' },
  ]);
  // A package named threatbus-* without the manifest is not a plugin.
  writeFileSync(join(project.dir, 'node_modules', 'threatbus-not-a-plugin', 'package.json'), JSON.stringify({ name: 'threatbus-not-a-plugin', version: '1.0.0' }));
  afterAll(() => project.cleanup());

  test('finds declared plugins, scoped ones too, and only those', () => {
    const found = discoverPlugins([project.dir]);
    expect([...found.keys()].sort()).toEqual(['app:alpha', 'app:beta', 'app:broken', 'backbone:gamma']);
    expect(found.get('app:beta')).toMatchObject({ packageName: '@acme/threatbus-beta', version: '1.2.3' });
  });

  test('loads only configured plugins, validates their config, reports unconfigured ones', () => {
    const plan = planBus({ data: { plugins: { apps: { alpha: { port: '99' } } } }, envOrigins: new Map() }, { searchRoots: [project.dir] });
    expect(plan.apps.map((a) => [a.name, a.origin, a.config])).toEqual([['alpha', 'threatbus-alpha@1.2.3', { port: 99 }]]);
    expect(plan.unconfigured.map((p) => p.name).sort()).toEqual(['beta', 'broken', 'gamma']);
  });

  test('configured but missing, and a package without a valid definition, are errors', () => {
    try {
      planBus({ data: { plugins: { apps: { alpha: { port: 'x' }, delta: {}, broken: {} } } }, envOrigins: new Map() }, { searchRoots: [project.dir] });
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).problems.map((p) => p.message)).toEqual([
        'must be integer, got "x"',
        "no app plugin named 'delta' is installed; install it with: npm install threatbus-delta",
        "plugin package threatbus-broken must export (as 'default' or 'plugin') a app plugin definition named 'broken'",
      ]);
    }
  });

  test('a configured plugin is started and stopped; an unconfigured one gets one info line', async () => {
    const logFile = join(project.dir, 'events.log');
    const busLog = join(project.dir, 'bus.log');
    process.env.FIXTURE_LOG = logFile;
    try {
      const handle = createLogger({ console: false, file: true, filename: busLog, file_verbosity: 'INFO' });
      const started = await startThreatBus({
        config: { plugins: { apps: { alpha: {} }, backbones: { gamma: {} } } },
        searchRoots: [project.dir],
        logger: handle.logger,
      });
      await started.close();
      await handle.close();
      expect(readFileSync(logFile, 'utf8').trim().split('\n')).toEqual(['start gamma port=4711', 'start alpha port=4711', 'stop alpha', 'stop gamma']);
      const lines = readFileSync(busLog, 'utf8');
      expect(lines.match(/Ignoring installed, but unconfigured app 'beta' \(@acme\/threatbus-beta\)/g)).toHaveLength(1);
      expect(lines).toMatch(/INFO +\[threatbus\.alpha\] fixture alpha connected to nothing/);
      expect(lines).toMatch(/Threat Bus ready/);
    } finally {
      delete process.env.FIXTURE_LOG;
      expect(existsSync(logFile)).toBe(true);
    }
  });
});

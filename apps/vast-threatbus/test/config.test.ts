/** Configuration: defaults, YAML, VAST_THREATBUS_* environment, CLI flags, validation errors. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configErrorLines } from 'threatbus/testing';
import { loadConfig } from '../src';
import { overridesFromArgs, parseArgs } from '../src/cli';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vast-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const problems = configErrorLines;

test('defaults are the original\'s (2022.05.16)', () => {
  const c = loadConfig({ cwd: dir, env: {} });
  expect(c).toEqual({
    logging: { console: true, console_verbosity: 'INFO', file: false, file_verbosity: 'INFO', filename: 'vast-threatbus.log', format: 'text' },
    backend: 'vast',
    vast: 'localhost:42000',
    vast_binary: 'vast',
    threatbus: 'localhost:13370',
    snapshot: 30,
    live_match: false,
    matcher_name: null,
    retro_match: true,
    retro_match_max_events: 0,
    retro_match_timeout: 3600,
    max_background_tasks: 500,
    metrics: { interval: 10, filename: 'metrics.log', endpoint: { enabled: false, host: '127.0.0.1', port: 9465 } },
    transform_context: null,
    sink: null,
  });
  expect(loadConfig({ cwd: dir, env: {}, overrides: { backend: 'tenzir' } }).vast_binary).toBe('tenzir');
});

test('file < environment < flags', () => {
  writeFileSync(join(dir, 'vast.yaml'), 'vast: node:1\nsnapshot: 5\nretro_match_timeout: 5.\nmetrics:\n  interval: 3\n  filename: m.log\nsink: STDOUT\n');
  const env = { VAST_THREATBUS_SNAPSHOT: '7', VAST_THREATBUS_METRICS__INTERVAL: '4', VAST_THREATBUS_RETRO_MATCH: 'false', THREATBUS_SNAPSHOT: '99' };
  const c = loadConfig({ cwd: dir, path: 'vast.yaml', env, overrides: overridesFromArgs(parseArgs(['--snapshot', '9', '--metrics-filename', 'x.log', '--loglevel', 'debug'])) });
  expect(c.vast).toBe('node:1');
  expect(c.snapshot).toBe(9);
  expect(c.retro_match).toBe(false);
  expect(c.retro_match_timeout).toBe(5);
  expect(c.metrics).toEqual({ interval: 4, filename: 'x.log', endpoint: { enabled: false, host: '127.0.0.1', port: 9465 } });
  expect(c.sink).toBe('STDOUT');
  expect(c.logging.console_verbosity).toBe('DEBUG');
});

test('config.yaml in the working directory is found; .env is honoured', () => {
  writeFileSync(join(dir, 'config.yaml'), 'threatbus: bus:1\n');
  writeFileSync(join(dir, '.env'), 'VAST_THREATBUS_VAST=fromdotenv:2\n');
  const c = loadConfig({ cwd: dir, env: {} });
  expect([c.threatbus, c.vast]).toEqual(['bus:1', 'fromdotenv:2']);
});

test('integers are fine for retro_match_timeout (the original refused `5`)', () => {
  writeFileSync(join(dir, 'c.yml'), 'retro_match_timeout: 5\n');
  expect(loadConfig({ cwd: dir, path: 'c.yml', env: {} }).retro_match_timeout).toBe(5);
});

test('errors name the key, the problem and the source; all at once', () => {
  writeFileSync(join(dir, 'c.yaml'), 'retro_match: maybe\nmax_backround_tasks: 3\nmetrics:\n  interval: -1\n');
  const p = problems(() => loadConfig({ cwd: dir, path: 'c.yaml', env: { VAST_THREATBUS_THREATBUS: 'nope' } }));
  expect(p).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^retro_match: must be boolean, got "maybe" \(.*c\.yaml\)$/),
      expect.stringMatching(/^max_backround_tasks: unknown key \(did you mean 'max_background_tasks'\?\)/),
      expect.stringMatching(/^metrics\.interval: must be >= 0/),
      expect.stringMatching(/^threatbus: must match pattern .*\(env VAST_THREATBUS_THREATBUS\)$/),
    ]),
  );
});

test('live matching needs a matcher name and the vast backend', () => {
  expect(problems(() => loadConfig({ cwd: dir, env: {}, overrides: { live_match: true } }))).toEqual([
    expect.stringMatching(/^matcher_name: is required when live_match is true/),
  ]);
  expect(problems(() => loadConfig({ cwd: dir, env: {}, overrides: { live_match: true, matcher_name: 'm', backend: 'tenzir' } }))).toEqual([
    expect.stringMatching(/^live_match: is only supported with backend vast/),
  ]);
});

test('the config file must be YAML', () => {
  expect(problems(() => loadConfig({ cwd: dir, path: 'config.json', env: {} }))).toEqual(['Please provide a `yaml` or `yml` configuration file.']);
});

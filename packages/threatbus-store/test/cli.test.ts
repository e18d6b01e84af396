/** `threatbus-store export|import|stats`: round trip, removals, validation, --since, config through the core's loader. */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { MessageType, encodeMessage } from 'threatbus';
import { StoreDatabase, toRow } from '../src';
import { run } from '../src/cli/main';
import { DAY, detachedStore, ids, indicator, removeTempDirs, sighting, tempDir } from './helpers';

afterEach(() => removeTempDirs());

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(...argv: string[]): Promise<Ran> {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  let stderr = '';
  const code = await run(argv, { stdout, stderr: { write: (s: string) => ((stderr += s), true) } });
  return { code, stdout: Buffer.concat(chunks).toString('utf8'), stderr };
}

/** A config file whose store lives in a fresh temp directory. */
function config(): { cfg: string; db: string } {
  const dir = tempDir();
  const db = join(dir, 'store.db');
  const cfg = join(dir, 'config.yaml');
  writeFileSync(cfg, `plugins:\n  apps:\n    store:\n      path: ${db}\n`);
  return { cfg, db };
}

function seed(db: string, objs: Parameters<typeof toRow>[0][]): void {
  const store = StoreDatabase.open(db);
  store.write(objs.map(toRow));
  store.close();
}

const now = Date.now();
const kept = [indicator({ at: now - 3 * DAY }), indicator({ at: now - DAY, value: 'ünïcode.example' })];
const removal = indicator({ at: now - 2 * DAY, remove: true });
const seen = sighting(kept[0], now - DAY);

test('export → import into an empty store → export: the same objects, byte for byte (bundle and JSON lines)', async () => {
  const a = config();
  seed(a.db, [...kept, removal, seen]);
  const bundle = await cli('export', '-c', a.cfg);
  expect(bundle.code).toBe(0);
  expect(bundle.stderr).toBe(`exported 4 objects from ${a.db}\n`);
  const parsed = JSON.parse(bundle.stdout) as { type: string; id: string; objects: { id: string }[] };
  expect(parsed.type).toBe('bundle');
  expect(parsed.id).toMatch(/^bundle--[0-9a-f-]{36}$/);
  expect(ids(parsed.objects)).toEqual(ids([...kept, removal, seen]));

  const b = config();
  const file = join(tempDir(), 'intel.json');
  writeFileSync(file, bundle.stdout);
  const imported = await cli('import', file, '-c', b.cfg);
  expect(imported).toMatchObject({ code: 0, stdout: '' });
  expect(imported.stderr).toContain('imported 4 objects');
  const again = await cli('export', '-c', b.cfg);
  // Everything but the bundle's own (random) id is identical.
  const body = (text: string) => text.slice(text.indexOf('"objects"'));
  expect(body(again.stdout)).toBe(body(bundle.stdout));
  // Each object exactly as it travels on the wire.
  expect(again.stdout).toContain(encodeMessage(kept[1]));

  const lines = await cli('export', '--jsonl', '-c', a.cfg);
  const linesFile = join(tempDir(), 'intel.jsonl');
  writeFileSync(linesFile, lines.stdout);
  const c = config();
  expect((await cli('import', linesFile, '-c', c.cfg)).code).toBe(0);
  expect((await cli('export', '--jsonl', '-c', c.cfg)).stdout).toBe(lines.stdout);
  expect(lines.stdout.split('\n')).toHaveLength(5);
});

test('import honours removals: an indicator present in the target store is removed by the imported removal', async () => {
  const target = config();
  const victim = indicator({ at: now - 5 * DAY });
  seed(target.db, [victim]);
  const file = join(tempDir(), 'removals.jsonl');
  writeFileSync(file, encodeMessage(indicator({ id: victim.id, at: now - 4 * DAY, remove: true })) + '\n');
  expect((await cli('import', file, '-c', target.cfg)).code).toBe(0);
  const s = await detachedStore(target.db);
  try {
    expect(await s.snapshot(MessageType.INDICATOR, 30 * 86400)).toEqual([]);
  } finally {
    await s.app.stop();
  }
});

test('import validates every object: problems name the file and line, valid ones are imported, exit 1', async () => {
  const target = config();
  const file = join(tempDir(), 'mixed.jsonl');
  const good = indicator({ at: now - DAY });
  writeFileSync(file, [encodeMessage(good), '{not json', JSON.stringify({ ...good, id: 'indicator--nope' }), '', JSON.stringify({ type: 'identity', id: 'identity--x' })].join('\n') + '\n');
  const r = await cli('import', file, '-c', target.cfg);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(`invalid: ${file}:2: not JSON`);
  expect(r.stderr).toMatch(new RegExp(`invalid: ${file}:3: .*id`));
  expect(r.stderr).toContain('imported 1 objects');
  expect(r.stderr).toContain('2 invalid (skipped), 1 of other STIX types (skipped)');
});

test('a bundle with other STIX types and a pretty-printed layout imports its indicators and sightings', async () => {
  const target = config();
  const file = join(tempDir(), 'bundle.json');
  writeFileSync(file, JSON.stringify({ type: 'bundle', id: 'bundle--1', objects: [{ type: 'identity', id: 'identity--1', name: 'x' }, kept[0], seen] }, null, 2));
  const r = await cli('import', file, '-c', target.cfg);
  expect(r.code).toBe(0);
  expect(r.stderr).toContain('imported 2 objects');
  expect(r.stderr).toContain('1 of other STIX types');
});

test('export --since leaves out older objects; stats counts by type, size and range', async () => {
  const a = config();
  seed(a.db, [...kept, removal, seen]);
  const recent = await cli('export', '--jsonl', '--since', '36h', '-c', a.cfg);
  expect(ids(recent.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string }))).toEqual(ids([kept[1], seen]));
  const since = await cli('export', '--jsonl', '--since', new Date(now - 2.5 * DAY).toISOString(), '-c', a.cfg);
  expect(since.stdout.trim().split('\n')).toHaveLength(3);
  expect(await cli('export', '--since', 'yesterday', '-c', a.cfg)).toMatchObject({ code: 2 });

  const stats = await cli('stats', '--json', '-c', a.cfg);
  expect(stats.code).toBe(0);
  const s = JSON.parse(stats.stdout) as Record<string, unknown>;
  expect(s).toMatchObject({ path: a.db, indicators: 2, removals: 1, sightings: 1, expired: 0, oldest: kept[0].created, newest: seen.created });
  expect(s.bytes).toBeGreaterThan(0);
  expect((await cli('stats', '-c', a.cfg)).stdout).toMatch(/^database {3}.*\nsize .*\nindicators 2\n/);
});

test('the database comes from the config through the core loader: THREATBUS_* overrides apply; errors are one line', async () => {
  const a = config();
  const other = join(tempDir(), 'other.db');
  seed(other, [kept[0]]);
  process.env.THREATBUS_PLUGINS__APPS__STORE__PATH = other;
  try {
    expect(JSON.parse((await cli('stats', '--json', '-c', a.cfg)).stdout)).toMatchObject({ path: other, indicators: 1 });
  } finally {
    delete process.env.THREATBUS_PLUGINS__APPS__STORE__PATH;
  }
  const missing = await cli('stats', '-c', a.cfg);
  expect(missing).toMatchObject({ code: 1, stderr: `threatbus-store: store database '${a.db}' does not exist; check plugins.apps.store.path (relative paths resolve against the working directory), or start the bus with the store once\n` });
  const noSection = join(tempDir(), 'nostore.yaml');
  writeFileSync(noSection, 'plugins:\n  apps:\n    zmq: {}\n');
  expect((await cli('stats', '-c', noSection)).stderr).toContain('plugins.apps.store: the config has no store section');
  const badKey = join(tempDir(), 'bad.yaml');
  writeFileSync(badKey, 'plugins:\n  apps:\n    store:\n      snapshot_page: lots\n');
  expect((await cli('stats', '-c', badKey)).stderr).toContain('plugins.apps.store.snapshot_page');
  expect(await cli('frobnicate')).toMatchObject({ code: 2 });
  expect(await cli('import')).toMatchObject({ code: 2 });
});

test('the installed command runs (bin shim → dist)', () => {
  const a = config();
  seed(a.db, kept);
  const bin = resolve(__dirname, '../bin/threatbus-store.js');
  const r = spawnSync(process.execPath, [bin, 'stats', '-c', a.cfg], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  expect(r.stdout).toContain('indicators 2');
  expect(readFileSync(bin, 'utf8')).toContain("require('../dist/cli/main.js')");
});

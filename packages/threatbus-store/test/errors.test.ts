/**
 * A database the store cannot use is one clear error naming the file:
 * corrupt, locked by another process, in a read-only or missing directory.
 * At bus start it aborts the start with that message (no crash, no stack).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { isThreatBusError } from 'threatbus';
import { startTestBus } from 'threatbus/testing';
import storePlugin, { StoreDatabase, StoreError, StoreErrorCode } from '../src';
import { removeTempDirs, tempDir } from './helpers';

afterEach(() => removeTempDirs());

function openError(path: string, options = {}): StoreError {
  try {
    StoreDatabase.open(path, options).close();
  } catch (e) {
    expect(e).toBeInstanceOf(StoreError);
    return e as StoreError;
  }
  throw new Error(`opening ${path} succeeded`);
}

test('a file that is not an SQLite database: the error names the path and says what to do; the bus does not start', async () => {
  const path = join(tempDir(), 'corrupt.db');
  writeFileSync(path, 'this is not an SQLite database\n'.repeat(200));
  const e = openError(path);
  expect(e.code).toBe(StoreErrorCode.CORRUPT);
  expect(e.message).toContain(`'${path}'`);
  expect(e.message).toMatch(/not a valid SQLite database.*move it away/);
  expect(isThreatBusError(e)).toBe(true);
  await expect(startTestBus({ plugins: [storePlugin], config: { plugins: { apps: { store: { path } } } } })).rejects.toThrow(`store database '${path}' is not a valid SQLite database`);
});

test('a database locked by another process is a LOCKED error naming the path (after the busy timeout)', () => {
  const path = join(tempDir(), 'locked.db');
  StoreDatabase.open(path).close();
  const other = new Database(path);
  try {
    other.pragma('locking_mode = EXCLUSIVE');
    other.exec('BEGIN EXCLUSIVE');
    const e = openError(path, { busyTimeoutMs: 50 });
    expect(e.code).toBe(StoreErrorCode.LOCKED);
    expect(e.retriable).toBe(true);
    expect(e.message).toContain(`store database '${path}' is locked by another process`);
  } finally {
    other.close();
  }
});

test('a missing directory is named', () => {
  const path = join(tempDir(), 'no', 'such', 'dir', 'store.db');
  const e = openError(path);
  expect(e.code).toBe(StoreErrorCode.UNAVAILABLE);
  expect(e.message).toContain(`the directory '${join(path, '..')}' does not exist`);
});

// Root may write anywhere: as root, the read-only case runs in a child process as user nobody.
const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;
const DIST = resolve(__dirname, '../dist');

test('a read-only directory at start is a clear error naming the path, not a crash', () => {
  const dir = join(tempDir(), 'readonly');
  mkdirSync(dir);
  chmodSync(join(dir, '..'), 0o755);
  chmodSync(dir, 0o555);
  const path = join(dir, 'store.db');
  let result: { code: string; message: string };
  if (!isRoot) {
    const e = openError(path);
    result = { code: e.code, message: e.message };
  } else {
    const script = `try { require(${JSON.stringify(DIST)}).StoreDatabase.open(${JSON.stringify(path)}); console.log('{}') } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })) }`;
    const child = spawnSync(process.execPath, ['-e', script], { uid: NOBODY, gid: NOBODY, encoding: 'utf8', cwd: '/' });
    expect(child.stderr).toBe('');
    result = JSON.parse(child.stdout) as { code: string; message: string };
  }
  expect(result.code).toBe(StoreErrorCode.UNAVAILABLE);
  expect(result.message).toContain(`store database '${path}'`);
  expect(result.message).toMatch(/writable/);
});

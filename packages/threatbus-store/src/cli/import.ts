/**
 * `threatbus-store import FILE`: a STIX 2.1 bundle or JSON lines (one
 * indicator or sighting per line). Every object is validated with the
 * core's STIX checks; removals are applied by the store's usual rule (newest
 * `modified` wins, a removal leaves a tombstone). Other STIX types in a
 * bundle (identities, marking definitions) are counted and skipped.
 */
import { closeSync, createReadStream, openSync, readFileSync, readSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { isJsonObject, parseStixObject } from 'threatbus';
import type { StixObject } from 'threatbus';
import { StoreDatabase } from '../database';
import { StoreError, StoreErrorCode } from '../errors';
import { toRow } from '../rows';
import type { ObjectRow } from '../rows';

export interface ImportResult {
  /** Valid indicators and sightings read. */
  read: number;
  /** Inserted, or replacing an older version. */
  written: number;
  invalid: number;
  /** Objects of other STIX types. */
  otherTypes: number;
  /** The first problems, each `where: what`. */
  problems: string[];
}

const MAX_PROBLEMS = 20;
const BATCH = 1000;

class Importer {
  private rows: ObjectRow[] = [];
  readonly result: ImportResult = { read: 0, written: 0, invalid: 0, otherTypes: 0, problems: [] };

  constructor(private readonly db: StoreDatabase) {}

  take(value: unknown, where: string): void {
    if (isJsonObject(value) && typeof value.type === 'string' && value.type !== 'indicator' && value.type !== 'sighting') {
      this.result.otherTypes++;
      return;
    }
    let obj: StixObject;
    try {
      obj = parseStixObject(value);
    } catch (e) {
      this.problem(where, (e as Error).message);
      return;
    }
    this.result.read++;
    this.rows.push(toRow(obj));
    if (this.rows.length >= BATCH) this.flush();
  }

  problem(where: string, what: string): void {
    this.result.invalid++;
    if (this.result.problems.length < MAX_PROBLEMS) this.result.problems.push(`${where}: ${what}`);
  }

  flush(): void {
    if (this.rows.length === 0) return;
    this.result.written += this.db.write(this.rows);
    this.rows = [];
  }
}

/** The first non-blank character and the first line decide: a bundle (or a single JSON document), or JSON lines. */
function looksLikeBundle(file: string): boolean {
  const head = readHead(file);
  const firstLine = head.split('\n').find((l) => l.trim() !== '') ?? '';
  try {
    const value: unknown = JSON.parse(firstLine);
    return isJsonObject(value) && value.type === 'bundle';
  } catch {
    // A line that is not JSON alone: a pretty-printed document.
    return true;
  }
}

/** The first MiB of the file (a JSON-lines file may be far larger than memory should hold). */
function readHead(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(1 << 20);
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

export async function importFile(dbPath: string, file: string): Promise<ImportResult> {
  let bundle: boolean;
  try {
    bundle = looksLikeBundle(file);
  } catch (e) {
    throw new StoreError(StoreErrorCode.FILE_INVALID, `cannot read '${file}': ${(e as Error).message}`);
  }
  const db = StoreDatabase.open(dbPath);
  try {
    const importer = new Importer(db);
    if (bundle) importBundle(importer, file);
    else await importLines(importer, file);
    importer.flush();
    return importer.result;
  } finally {
    db.close();
  }
}

function importBundle(importer: Importer, file: string): void {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new StoreError(StoreErrorCode.FILE_INVALID, `'${file}' is neither a STIX bundle nor JSON lines: ${(e as Error).message}`);
  }
  if (isJsonObject(value) && value.type === 'bundle') {
    if (!Array.isArray(value.objects)) {
      if (value.objects === undefined) return;
      throw new StoreError(StoreErrorCode.FILE_INVALID, `'${file}': the bundle's 'objects' must be a list`);
    }
    value.objects.forEach((obj: unknown, i: number) => importer.take(obj, `${file}: objects[${i}]`));
  } else {
    importer.take(value, file);
  }
}

async function importLines(importer: Importer, file: string): Promise<void> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      importer.problem(`${file}:${n}`, `not JSON: ${(e as Error).message}`);
      continue;
    }
    importer.take(value, `${file}:${n}`);
  }
}

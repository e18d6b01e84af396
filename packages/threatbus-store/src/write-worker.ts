/**
 * The write worker: SQLite transactions (and the WAL checkpoints with their
 * fsyncs) run on a thread of their own, so the bus's event loop only hands
 * over each batch as a list of strings. Requests are answered in order.
 *
 * Batches that queued up while a transaction ran (the worker fell behind,
 * say on a loaded machine) are written together in one transaction, up to
 * MAX_ROWS_PER_TRANSACTION rows: each transaction rewrites every page of
 * the id index it touches (ids are random), so fewer, larger transactions
 * cost less per object exactly when the worker is short of CPU.
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { StoreDatabase } from './database';
import type { PruneLimits, PruneResult } from './database';
import { HEAD_FIELDS, rowFromHead } from './rows';
import type { ObjectRow } from './rows';

export type WorkerRequest =
  /** `count` objects: their head fields (HEAD_FIELDS each) and their wire texts, each list joined by line feeds. */
  | { op: 'write'; seq: number; count: number; heads: string; bodies: string }
  | { op: 'prune'; seq: number; limits: PruneLimits }
  | { op: 'close'; seq: number };

export type WorkerReply =
  | { seq: number; ok: true; written: number; unreadable: number; pruned?: PruneResult }
  | { seq: number; ok: false; error: string };

export interface WorkerData {
  path: string;
}

type WriteRequest = WorkerRequest & { op: 'write' };

/** Queued write batches are merged into one transaction up to this many rows. */
const MAX_ROWS_PER_TRANSACTION = 10_000;

function serve(): void {
  const port = parentPort;
  if (!port) return;
  const { path } = workerData as WorkerData;
  let db: StoreDatabase;
  try {
    db = StoreDatabase.open(path);
    // Checkpoint every ~40 MB of WAL instead of ~4 MB: fewer copies into the main file and fewer fsyncs per object.
    db.db.pragma('wal_autocheckpoint = 10000');
  } catch (e) {
    port.postMessage({ seq: 0, ok: false, error: (e as Error).message } satisfies WorkerReply);
    return;
  }
  port.postMessage({ seq: 0, ok: true, written: 0, unreadable: 0 } satisfies WorkerReply);
  port.on('message', (request: WorkerRequest) => {
    let next: WorkerRequest | undefined = request;
    while (next) {
      if (next.op !== 'write') {
        handleOther(db, port, next);
        return;
      }
      const writes = [next];
      next = takeWrites(port, writes);
      write(db, port, writes);
    }
  });
}

/** Add the write requests already queued to `writes` (up to the row limit); returns a queued request of another kind. */
function takeWrites(port: MessagePort, writes: WriteRequest[]): WorkerRequest | undefined {
  let rows = writes[0].count;
  while (rows < MAX_ROWS_PER_TRANSACTION) {
    const queued = receiveMessageOnPort(port)?.message as WorkerRequest | undefined;
    if (!queued) return undefined;
    if (queued.op !== 'write') return queued;
    writes.push(queued);
    rows += queued.count;
  }
  return undefined;
}

/** One transaction for all `writes`; each request is answered (the rows written are counted on the first). */
function write(db: StoreDatabase, port: MessagePort, writes: WriteRequest[]): void {
  const rows: ObjectRow[] = [];
  const unreadable: number[] = [];
  for (const request of writes) {
    const heads = request.heads.split('\n');
    const bodies = request.bodies.split('\n');
    if (bodies.length !== request.count || heads.length !== request.count * HEAD_FIELDS) {
      // Cannot happen with validated objects (see BatchWriter.flush); never store misaligned rows.
      unreadable.push(request.count);
      continue;
    }
    let bad = 0;
    for (let i = 0; i < request.count; i++) {
      try {
        rows.push(rowFromHead(heads, i, bodies[i]));
      } catch {
        // Objects on the bus are validated; this guards against one with unreadable timestamps.
        bad++;
      }
    }
    unreadable.push(bad);
  }
  try {
    const written = db.write(rows);
    writes.forEach((request, i) => port.postMessage({ seq: request.seq, ok: true, written: i === 0 ? written : 0, unreadable: unreadable[i] } satisfies WorkerReply));
  } catch (e) {
    for (const request of writes) port.postMessage({ seq: request.seq, ok: false, error: (e as Error).message } satisfies WorkerReply);
  }
}

function handleOther(db: StoreDatabase, port: MessagePort, request: WorkerRequest & { op: 'prune' | 'close' }): void {
  try {
    if (request.op === 'prune') {
      port.postMessage({ seq: request.seq, ok: true, written: 0, unreadable: 0, pruned: db.prune(request.limits) } satisfies WorkerReply);
    } else {
      db.close();
      port.postMessage({ seq: request.seq, ok: true, written: 0, unreadable: 0 } satisfies WorkerReply);
      port.close();
    }
  } catch (e) {
    port.postMessage({ seq: request.seq, ok: false, error: (e as Error).message } satisfies WorkerReply);
  }
}

serve();

/**
 * The write worker: SQLite transactions (and the WAL checkpoints with their
 * fsyncs) run on a thread of their own, so the bus's event loop only hands
 * over each batch as a list of strings. Requests are answered in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { StoreDatabase } from './database';
import type { PruneLimits, PruneResult } from './database';
import { rowFromHead } from './rows';
import type { ObjectRow } from './rows';

export type WorkerRequest =
  | { op: 'write'; seq: number; heads: string[]; bodies: string[] }
  | { op: 'prune'; seq: number; limits: PruneLimits }
  | { op: 'close'; seq: number };

export type WorkerReply =
  | { seq: number; ok: true; written: number; unreadable: number; pruned?: PruneResult }
  | { seq: number; ok: false; error: string };

export interface WorkerData {
  path: string;
}

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
    try {
      if (request.op === 'write') {
        const rows: ObjectRow[] = [];
        let unreadable = 0;
        for (let i = 0; i < request.bodies.length; i++) {
          try {
            rows.push(rowFromHead(request.heads, i, request.bodies[i]));
          } catch {
            // Objects on the bus are validated; this guards against one with unreadable timestamps.
            unreadable++;
          }
        }
        port.postMessage({ seq: request.seq, ok: true, written: db.write(rows), unreadable } satisfies WorkerReply);
      } else if (request.op === 'prune') {
        port.postMessage({ seq: request.seq, ok: true, written: 0, unreadable: 0, pruned: db.prune(request.limits) } satisfies WorkerReply);
      } else {
        db.close();
        port.postMessage({ seq: request.seq, ok: true, written: 0, unreadable: 0 } satisfies WorkerReply);
        port.close();
      }
    } catch (e) {
      port.postMessage({ seq: request.seq, ok: false, error: (e as Error).message } satisfies WorkerReply);
    }
  });
}

serve();

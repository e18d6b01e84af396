/**
 * `threatbus-store export`: the stored indicators (with removals, so an
 * import elsewhere honours them) and sightings, as one STIX 2.1 bundle or as
 * JSON lines, streamed page by page. Expired indicators are left out.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { readPages } from '../reader';

export interface ExportOptions {
  path: string;
  /** ms; 0: everything. */
  since: number;
  jsonl: boolean;
  out: Writable;
  now?: number;
}

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

/** Write the export; resolves with the number of objects. */
export async function exportStore(options: ExportOptions): Promise<number> {
  const { out, jsonl } = options;
  let first = true;
  if (!jsonl) await write(out, `{"type": "bundle", "id": "bundle--${randomUUID()}", "objects": [`);
  const n = await readPages(options.path, { since: options.since, removals: true, now: options.now ?? Date.now() }, 1000, async (bodies) => {
    if (jsonl) {
      await write(out, bodies.join('\n') + '\n');
    } else {
      await write(out, (first ? '\n' : ',\n') + bodies.join(',\n'));
      first = false;
    }
  });
  if (!jsonl) await write(out, first ? ']}\n' : '\n]}\n');
  return n;
}

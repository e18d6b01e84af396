/** `threatbus-store stats`: what the store holds, in lines for people or JSON with --json. */
import { StoreDatabase } from '../database';
import type { StoreStats } from '../database';

export function readStats(path: string, now = Date.now()): StoreStats {
  const db = StoreDatabase.open(path, { readonly: true });
  try {
    return db.stats(now);
  } finally {
    db.close();
  }
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = -1;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

export function formatStats(s: StoreStats): string {
  const time = (ms?: number): string => (ms === undefined ? '-' : new Date(ms).toISOString());
  return [
    `database   ${s.path}`,
    `size       ${size(s.bytes)} (${s.bytes} bytes, with -wal and -shm)`,
    `indicators ${s.indicators}`,
    `expired    ${s.expired} (not served; removed at the next prune)`,
    `removals   ${s.removals}`,
    `sightings  ${s.sightings}`,
    `oldest     ${time(s.oldest)}`,
    `newest     ${time(s.newest)}`,
  ].join('\n') + '\n';
}

export function statsJson(s: StoreStats): string {
  const iso = (ms?: number): string | null => (ms === undefined ? null : new Date(ms).toISOString());
  return JSON.stringify({ ...s, oldest: iso(s.oldest), newest: iso(s.newest) }) + '\n';
}

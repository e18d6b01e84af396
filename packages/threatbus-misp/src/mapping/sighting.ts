/**
 * STIX Sighting → body of MISP's `POST /sightings/add` (spec/misp.md §8):
 * `{id, source?, type: "0", timestamp}` in that key order.
 *
 * Change from the original (spec/quirks.md C6): only sightings of `indicator--…`
 * refs are reported; the original cut the first 11 characters off any ref
 * and sent MISP garbage ids.
 */
import { parseStixTimestamp } from 'threatbus';

export interface MispSighting {
  id: string;
  source?: string;
  type: '0';
  timestamp: string;
}

export function mapSighting(sighting: unknown): MispSighting | null {
  if (typeof sighting !== 'object' || sighting === null) return null;
  const s = sighting as Record<string, unknown>;
  if (s.type !== 'sighting' || typeof s.sighting_of_ref !== 'string' || typeof s.created !== 'string') return null;
  if (!s.sighting_of_ref.startsWith('indicator--')) return null;
  let ms: number;
  try {
    ms = parseStixTimestamp(s.created);
  } catch {
    return null;
  }
  const out: MispSighting = { id: s.sighting_of_ref.slice('indicator--'.length), type: '0', timestamp: String(Math.floor(ms / 1000)) };
  if (s.x_threatbus_source !== undefined) {
    // Key order id, source, type, timestamp as PyMISP sent it.
    return { id: out.id, source: String(s.x_threatbus_source), type: out.type, timestamp: out.timestamp };
  }
  return out;
}

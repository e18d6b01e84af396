/** Small re-exports for tests, so they read like the spec. */
export { parseStixObject, encodeMessage } from 'threatbus';
import { parseStixTimestamp } from 'threatbus';

export function parseTimestampInstant(ts: string): number {
  return parseStixTimestamp(ts);
}

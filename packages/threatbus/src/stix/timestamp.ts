/**
 * STIX timestamps: RFC 3339, UTC, trailing `Z` (spec/core.md §10.3).
 *
 * JavaScript dates carry milliseconds only, so timestamps are handled as
 * strings: parsing validates and normalises, formatting produces the
 * millisecond-minimum form that STIX 2.1 requires for created/modified.
 */

const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?Z$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The last two timestamps found valid. Every indicator carries three, usually
 * two of them equal (modified, valid_from) and the third shared with its
 * neighbours (created of attributes of one MISP event), so this spares most
 * of the regular expression matches on the hot path.
 */
let validA = '';
let validB = '';

/** True when `value` is an RFC 3339 UTC timestamp with a valid calendar date. (Hot path: no Date objects.) */
export function isStixTimestamp(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  if (value === validA || value === validB) return true;
  if (!checkTimestamp(value)) return false;
  validB = validA;
  validA = value;
  return true;
}

function checkTimestamp(value: string): boolean {
  const m = TIMESTAMP_RE.exec(value);
  if (!m) return false;
  const year = +m[1];
  const month = +m[2];
  const day = +m[3];
  if (month < 1 || month > 12 || day < 1 || +m[4] > 23 || +m[5] > 59 || +m[6] > 60) return false;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= DAYS_IN_MONTH[month - 1] + (leap ? 1 : 0);
}

/** Milliseconds since the epoch of a STIX timestamp (sub-millisecond digits are truncated). */
export function parseStixTimestamp(value: string): number {
  if (!isStixTimestamp(value)) throw new RangeError(`not a STIX timestamp: ${JSON.stringify(value)}`);
  return Date.parse(value.replace(/(\.\d{3})\d+Z$/, '$1Z'));
}

let lastFormattedMs = NaN;
let lastFormattedText = '';

/** `2021-05-04T15:15:58.300Z` form (millisecond-minimum, as STIX 2.1 requires for created/modified). */
export function formatStixTimestamp(date: Date | number): string {
  // Attributes of one MISP event share their timestamp: remember the last one formatted.
  if (typeof date === 'number' && date === lastFormattedMs) return lastFormattedText;
  const d = typeof date === 'number' ? new Date(date) : date;
  if (Number.isNaN(d.getTime())) throw new RangeError('invalid date');
  const text = d.toISOString();
  if (typeof date === 'number') {
    lastFormattedMs = date;
    lastFormattedText = text;
  }
  return text;
}

let lastNowMs = -1;
let lastNowText = '';

/** The current time as a STIX timestamp. (Cached within a millisecond: every new indicator asks several times.) */
export function nowStixTimestamp(): string {
  const ms = Date.now();
  if (ms !== lastNowMs) {
    lastNowMs = ms;
    lastNowText = new Date(ms).toISOString();
  }
  return lastNowText;
}

/** Unix seconds (possibly fractional) → STIX timestamp, always UTC (spec/quirks.md C7 of the original fixed). */
export function unixSecondsToStixTimestamp(seconds: number): string {
  return formatStixTimestamp(Math.round(seconds * 1000));
}

/**
 * Lenient timestamp parsing for VAST results (spec/vast-app.md §5.5): the
 * original used dateutil, which accepts ISO-8601 with `T` or a space, any
 * number of fractional digits (truncated to microseconds), an optional zone
 * (`Z`, `+00:00`, `+0000`); no zone means UTC.
 */

const LENIENT_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Parse `text` into a STIX timestamp string in UTC with microsecond precision
 * at most, formatted as the Python stix2 library does for `last_seen`
 * (fraction with trailing zeros removed, none when zero). Numbers are Unix
 * seconds. Returns undefined for anything unparsable.
 */
export function toStixTimestamp(input: unknown): string | undefined {
  if (typeof input === 'number' && Number.isFinite(input)) {
    const whole = Math.floor(input);
    const micros = Math.round((input - whole) * 1e6);
    return format(whole * 1000, micros);
  }
  if (typeof input !== 'string') return undefined;
  const m = LENIENT_RE.exec(input.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  let ms = Date.UTC(year, month - 1, day, hour, minute, second);
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0');
    ms -= sign * offset * 60_000;
  }
  const micros = Number((frac + '000000').slice(0, 6));
  return format(ms, micros);
}

function format(wholeSecondsMs: number, micros: number): string | undefined {
  const d = new Date(wholeSecondsMs);
  if (Number.isNaN(d.getTime())) return undefined;
  const base = d.toISOString().slice(0, 19);
  if (micros === 0) return `${base}Z`;
  return `${base}.${String(micros).padStart(6, '0').replace(/0+$/, '')}Z`;
}

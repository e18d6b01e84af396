/**
 * JSON text exactly as Python's `json.dumps` writes it with default settings:
 * separators `", "` and `": "`, non-ASCII escaped as `\uXXXX`, floats that
 * are integral keep a `.0` only when the value was a float in Python — which
 * JavaScript cannot know, so numbers are written as JavaScript writes them.
 *
 * The original bus put this text on every wire (ZeroMQ frames, AMQP bodies);
 * writing the same bytes keeps byte-level compatibility with apps and with a
 * Python bus sharing a RabbitMQ exchange. Decoders never depend on it.
 */

/** Strings Python writes verbatim between quotes: printable ASCII except `"` and `\`. */
const VERBATIM = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
/** What Python's ensure_ascii escapes beyond what JSON.stringify escapes: DEL and everything past ASCII. */
const PAST_ASCII = /[\u007f-\uffff]/g;

const escapeCodeUnit = (c: string): string => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');

/**
 * A string literal as Python's `json.dumps` writes it (ensure_ascii): always
 * pure ASCII. Most strings on the bus (ids, timestamps, patterns of plain
 * IoCs) are printable ASCII: one regular-expression test and two quotes,
 * several times cheaper than JSON.stringify. The others get JSON.stringify,
 * which escapes quotes, backslashes and control characters exactly as Python
 * does (same short forms, lowercase hex), and then every UTF-16 code unit
 * from DEL up as `\uXXXX` (a pair for characters outside the BMP), as
 * Python does.
 */
export function pythonJsonString(s: string): string {
  if (VERBATIM.test(s)) return '"' + s + '"';
  return JSON.stringify(s).replace(PAST_ASCII, escapeCodeUnit);
}

/**
 * Serialise `value` like Python's `json.dumps(value)`. Keys keep insertion
 * order; `undefined` properties are skipped. The output is pure ASCII, so
 * pieces written by it compose into a larger text as they are.
 */
export function pythonJsonStringify(value: unknown): string {
  return write(value);
}

// Hot path (every message on every wire): string concatenation and for-in, no intermediate arrays.
function write(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return pythonJsonString(value);
    case 'number':
      if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ', ') + write(value[i]);
        return out + ']';
      }
      const toJSON = (value as { toJSON?: () => unknown }).toJSON;
      if (typeof toJSON === 'function') return write(toJSON.call(value));
      let out = '{';
      let first = true;
      for (const k in value) {
        const v = (value as Record<string, unknown>)[k];
        if (v === undefined || typeof v === 'function') continue;
        out += (first ? '' : ', ') + pythonJsonString(k) + ': ' + write(v);
        first = false;
      }
      return out + '}';
    }
    default:
      return 'null';
  }
}

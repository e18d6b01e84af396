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

const NON_ASCII = /[\u0080-\uffff]/g;
const HAS_NON_ASCII = /[\u0080-\uffff]/;

function escapeNonAscii(json: string): string {
  return json.replace(NON_ASCII, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** Serialise `value` like Python's `json.dumps(value)`. Keys keep insertion order; `undefined` properties are skipped. */
export function pythonJsonStringify(value: unknown): string {
  return escapeNonAsciiIfAny(write(value));
}

/**
 * The second half of `pythonJsonStringify`, for text assembled from
 * `pythonJsonValue` pieces. Non-ASCII characters can only occur inside
 * strings (JSON.stringify leaves them as they are), so one pass over the
 * whole text escapes them as Python's ensure_ascii does.
 */
export function escapeNonAsciiIfAny(json: string): string {
  return HAS_NON_ASCII.test(json) ? escapeNonAscii(json) : json;
}

/** `pythonJsonStringify` without the non-ASCII pass: a piece of a larger text that gets it once at the end. */
export function pythonJsonValue(value: unknown): string {
  return write(value);
}

// Hot path (every message on every wire): string concatenation and for-in, no intermediate arrays.
function write(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
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
        out += (first ? '' : ', ') + JSON.stringify(k) + ': ' + write(v);
        first = false;
      }
      return out + '}';
    }
    default:
      return 'null';
  }
}

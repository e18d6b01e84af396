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

function quote(s: string): string {
  const json = JSON.stringify(s);
  // Fast path: almost all values are ASCII.
  return HAS_NON_ASCII.test(json) ? escapeNonAscii(json) : json;
}

/** Serialise `value` like Python's `json.dumps(value)`. Keys keep insertion order; `undefined` properties are skipped. */
export function pythonJsonStringify(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return '[' + value.map(pythonJsonStringify).join(', ') + ']';
      const toJSON = (value as { toJSON?: () => unknown }).toJSON;
      if (typeof toJSON === 'function') return pythonJsonStringify(toJSON.call(value));
      const parts: string[] = [];
      for (const [k, v] of Object.entries(value)) {
        if (v === undefined || typeof v === 'function') continue;
        parts.push(quote(k) + ': ' + pythonJsonStringify(v));
      }
      return '{' + parts.join(', ') + '}';
    }
    default:
      return 'null';
  }
}

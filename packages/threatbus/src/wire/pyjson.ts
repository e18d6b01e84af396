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
import { ErrorCode, ThreatBusError } from '../errors';

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
  return write(value, 0);
}

/** pythonJsonStringify for a value `depth` levels down in a message (the STIX writer's nested values). */
export function pythonJsonAt(value: unknown, depth: number): string {
  return write(value, depth);
}

/**
 * Levels the encoders nest before they give up with a MessageEncodeError,
 * far below what overflows the stack. Decoders refuse more than 64 levels
 * (stix/nesting.ts), so only an object a plugin built itself can get here.
 */
export const MAX_ENCODE_DEPTH = 1000;

/** A value could not be encoded: nested deeper than MAX_ENCODE_DEPTH. Thrown instead of a stack overflow. */
export class MessageEncodeError extends ThreatBusError {
  override readonly name = 'MessageEncodeError';
  constructor(message: string) {
    super(ErrorCode.MESSAGE_INVALID, message);
  }
}

/** Throw a MessageEncodeError when `depth` is past the limit. */
export function checkEncodeDepth(depth: number): void {
  if (depth > MAX_ENCODE_DEPTH) throw new MessageEncodeError(`cannot encode a value nested deeper than ${MAX_ENCODE_DEPTH} levels`);
}

// Hot path (every message on every wire): string concatenation and for-in, no intermediate arrays.
function write(value: unknown, depth: number): string {
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
      if (depth >= MAX_ENCODE_DEPTH) checkEncodeDepth(depth + 1);
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ', ') + write(value[i], depth + 1);
        return out + ']';
      }
      const toJSON = (value as { toJSON?: () => unknown }).toJSON;
      if (typeof toJSON === 'function') return write(toJSON.call(value), depth + 1);
      let out = '{';
      let first = true;
      for (const k in value) {
        const v = (value as Record<string, unknown>)[k];
        if (v === undefined || typeof v === 'function') continue;
        out += (first ? '' : ', ') + pythonJsonString(k) + ': ' + write(v, depth + 1);
        first = false;
      }
      return out + '}';
    }
    default:
      return 'null';
  }
}

/**
 * A JSON parser that keeps every number's source text.
 *
 * Broker's data model needs it: a `count` may exceed 2^53 (JSON.parse would
 * round it), and a `real` must have been written with a fraction or exponent
 * (`2` is a type clash, `2.0` is fine), which JSON.parse cannot tell apart.
 * Only the number representation differs from JSON.parse; everything else
 * (strings, escapes, nesting) follows RFC 8259.
 */

/** A JSON number as written on the wire. */
export class JsonNumber {
  constructor(readonly raw: string) {}
  /** True when written without fraction and exponent (`42`, `-7`). */
  get isInteger(): boolean {
    return !/[.eE]/.test(this.raw);
  }
  toNumber(): number {
    return Number(this.raw);
  }
  /** Only valid when {@link isInteger}. */
  toBigInt(): bigint {
    return BigInt(this.raw);
  }
}

export type LosslessJson = null | boolean | string | JsonNumber | LosslessJson[] | { [key: string]: LosslessJson };

export class JsonSyntaxError extends SyntaxError {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position}`);
    this.name = 'JsonSyntaxError';
  }
}

const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
/** Nesting limit, so a hostile peer cannot exhaust the stack. */
const MAX_DEPTH = 512;

export function parseLosslessJson(text: string): LosslessJson {
  let pos = 0;

  const fail = (what: string): never => {
    throw new JsonSyntaxError(pos >= text.length ? 'unexpected end of input' : `${what}, found ${JSON.stringify(text[pos])}`, pos);
  };
  const skipWs = (): void => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      pos++;
    }
  };
  const literal = (word: string, value: LosslessJson): LosslessJson => {
    if (text.startsWith(word, pos)) {
      pos += word.length;
      return value;
    }
    return fail('invalid literal');
  };

  const parseString = (): string => {
    pos++; // opening quote
    let out = '';
    let chunkStart = pos;
    for (;;) {
      if (pos >= text.length) fail('unterminated string');
      const c = text[pos];
      if (c === '"') {
        out += text.slice(chunkStart, pos);
        pos++;
        return out;
      }
      if (c === '\\') {
        out += text.slice(chunkStart, pos);
        const e = text[pos + 1];
        if (e === 'u') {
          const hex = text.slice(pos + 2, pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            pos++;
            fail('invalid \\u escape');
          }
          out += String.fromCharCode(parseInt(hex, 16));
          pos += 6;
        } else if (e !== undefined && e in ESCAPES) {
          out += ESCAPES[e];
          pos += 2;
        } else {
          pos++;
          fail('invalid escape');
        }
        chunkStart = pos;
        continue;
      }
      if (c.charCodeAt(0) < 0x20) fail('control character in string');
      pos++;
    }
  };

  const parseValue = (depth: number): LosslessJson => {
    if (depth > MAX_DEPTH) fail('nesting too deep');
    skipWs();
    const c = text[pos];
    if (c === '{') {
      pos++;
      const obj: { [key: string]: LosslessJson } = {};
      skipWs();
      if (text[pos] === '}') {
        pos++;
        return obj;
      }
      for (;;) {
        skipWs();
        if (text[pos] !== '"') fail('expected a string key');
        const key = parseString();
        skipWs();
        if (text[pos] !== ':') fail("expected ':'");
        pos++;
        // defineProperty: a key named __proto__ must stay data, not change the prototype.
        Object.defineProperty(obj, key, { value: parseValue(depth + 1), enumerable: true, writable: true, configurable: true });
        skipWs();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === '}') {
          pos++;
          return obj;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      pos++;
      const arr: LosslessJson[] = [];
      skipWs();
      if (text[pos] === ']') {
        pos++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue(depth + 1));
        skipWs();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === ']') {
          pos++;
          return arr;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return parseString();
    if (c === 't') return literal('true', true);
    if (c === 'f') return literal('false', false);
    if (c === 'n') return literal('null', null);
    NUMBER_RE.lastIndex = pos;
    const m = NUMBER_RE.exec(text);
    if (m) {
      pos += m[0].length;
      return new JsonNumber(m[0]);
    }
    return fail('unexpected character');
  };

  const value = parseValue(0);
  skipWs();
  if (pos < text.length) fail('unexpected data after the JSON value');
  return value;
}

/** A JSON object of parsed lossless JSON (a JsonNumber is an object too, but not a mapping; hence not the core's isJsonObject). */
export function isLosslessObject(v: LosslessJson | undefined): v is { [key: string]: LosslessJson } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber);
}

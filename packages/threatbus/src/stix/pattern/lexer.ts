/**
 * Tokenizer for STIX 2.1 patterns, following the lexer rules of the ANTLR
 * grammar `STIXPattern.g4` (longest match; keywords are case-sensitive).
 *
 * Where the ANTLR lexer would fall back to tokens that no parser rule accepts
 * (a lone quote, `+`, `-`, `/`, `^`, or any other stray character) this lexer
 * throws right away with a precise message; the set of accepted patterns is
 * the same, because such tokens always make the ANTLR parse fail.
 */
import { ErrorCode, ThreatBusError } from '../../errors';

/** Syntax error in a STIX pattern; `position` is the 0-based offset of the offending character. */
export class PatternSyntaxError extends ThreatBusError {
  readonly position: number;

  constructor(message: string, position: number) {
    super(ErrorCode.PATTERN_SYNTAX, message);
    this.name = 'PatternSyntaxError';
    this.position = position;
  }
}

/** Reserved words of the grammar. `LAST` is reserved but used by no rule. */
export const KEYWORDS = [
  'AND', 'OR', 'NOT', 'FOLLOWEDBY', 'LIKE', 'MATCHES', 'ISSUPERSET', 'ISSUBSET', 'EXISTS',
  'LAST', 'IN', 'START', 'STOP', 'SECONDS', 'WITHIN', 'REPEATS', 'TIMES',
] as const;
export type Keyword = (typeof KEYWORDS)[number];
const KEYWORD_SET: ReadonlySet<string> = new Set(KEYWORDS);

export type PunctuationKind = '[' | ']' | '(' | ')' | ':' | '.' | ',' | '*';
export type OperatorKind = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type Token =
  | { type: 'punct'; value: PunctuationKind; text: string; start: number }
  /** `text` keeps the spelling (`==`, `<>`); `value` is normalised. */
  | { type: 'operator'; value: OperatorKind; text: string; start: number }
  | { type: 'keyword'; value: Keyword; text: string; start: number }
  /** Object types may contain `-`, property names may not; `hasHyphen` tells them apart. */
  | { type: 'identifier'; text: string; hasHyphen: boolean; start: number }
  | { type: 'string'; value: string; text: string; start: number }
  /** `positive` is false for a leading `-` (the grammar's IntNegLiteral/FloatNegLiteral). */
  | { type: 'integer'; value: number; positive: boolean; text: string; start: number }
  | { type: 'float'; value: number; positive: boolean; text: string; start: number }
  | { type: 'boolean'; value: boolean; text: string; start: number }
  | { type: 'binary'; value: string; text: string; start: number }
  | { type: 'hex'; value: string; text: string; start: number }
  | { type: 'timestamp'; value: string; text: string; start: number }
  | { type: 'eof'; text: ''; start: number };

/** Whitespace skipped by the grammar's WS rule (ASCII plus the Unicode spaces it lists). */
const WHITESPACE = /[ \t\r\n\u000B\u000C\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
const IDENTIFIER_START = /[A-Za-z_]/;
/** `[A-Za-z0-9_-]` */
function isIdentifierPart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45;
}
const DIGIT = /[0-9]/;
/** Two-character operators and their normalised meaning. */
const TWO_CHAR_OPERATORS: ReadonlyMap<string, OperatorKind> = new Map<string, OperatorKind>([
  ['==', '='], ['!=', '!='], ['<>', '!='], ['<=', '<='], ['>=', '>='],
]);

/** Grammar's TimestampLiteral body: field ranges are checked, calendars are not (Feb 30 passes). */
const TIMESTAMP_BODY =
  /^[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])T(?:[01][0-9]|2[0-3]):[0-5][0-9]:(?:[0-5][0-9]|60)(?:\.[0-9]+)?Z$/;
/** Grammar's BinaryLiteral body: non-empty, correctly padded base64. */
const BASE64_BODY = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{4}|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2}==)$/;
const HEX_BODY = /^(?:[0-9A-Fa-f]{2})*$/;

/** Human-readable description of a token for error messages. */
export function describeToken(token: Token): string {
  switch (token.type) {
    case 'eof':
      return 'end of input';
    case 'string':
    case 'integer':
    case 'float':
    case 'boolean':
    case 'binary':
    case 'hex':
    case 'timestamp':
      return `${token.type} ${token.text}`;
    default:
      return `'${token.text}'`;
  }
}

/** Decodes the body of a string literal (the text between the quotes). */
export function decodeStringBody(body: string): string {
  return body.replace(/\\(['\\])/g, '$1');
}

/** Quotes a string as a STIX string literal (inverse of {@link decodeStringBody}). */
export function quoteString(value: string): string {
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/**
 * On-demand tokenizer with one token of lookahead. Lexing lazily means the
 * first error in reading order is the one reported, whether lexical or
 * syntactic.
 */
export class Lexer {
  private offset = 0;
  private lookahead: Token | undefined;

  constructor(private readonly text: string) {}

  /** The next token, without consuming it. */
  peek(): Token {
    this.lookahead ??= this.scan();
    return this.lookahead;
  }

  /** Consumes and returns the next token. */
  next(): Token {
    const token = this.peek();
    this.lookahead = undefined;
    return token;
  }

  private scan(): Token {
    this.skipWhitespaceAndComments();
    const text = this.text;
    const start = this.offset;
    if (start >= text.length) return { type: 'eof', text: '', start };
    const ch = text[start];
    const next = text[start + 1];

    if ((ch === 'h' || ch === 'b' || ch === 't') && next === "'") return this.scanPrefixedLiteral(ch);
    if (IDENTIFIER_START.test(ch)) return this.scanWord();
    if (ch === "'") return this.scanString();
    if (DIGIT.test(ch) || ch === '+' || ch === '-' || (ch === '.' && next !== undefined && DIGIT.test(next))) {
      return this.scanNumber();
    }
    switch (ch) {
      case '[': case ']': case '(': case ')': case ':': case '.': case ',': case '*':
        this.offset++;
        return { type: 'punct', value: ch, text: ch, start };
    }
    return this.scanOperator();
  }

  private skipWhitespaceAndComments(): void {
    const text = this.text;
    for (;;) {
      const ch = text[this.offset];
      if (ch === undefined) return;
      if (WHITESPACE.test(ch)) {
        this.offset++;
      } else if (ch === '/' && text[this.offset + 1] === '*') {
        const end = text.indexOf('*/', this.offset + 2);
        if (end < 0) throw new PatternSyntaxError(`unterminated comment at position ${this.offset}`, this.offset);
        this.offset = end + 2;
      } else if (ch === '/' && text[this.offset + 1] === '/') {
        const end = text.slice(this.offset).search(/[\r\n]/);
        this.offset = end < 0 ? text.length : this.offset + end;
      } else {
        return;
      }
    }
  }

  /** Identifier, keyword or boolean: `[A-Za-z_][A-Za-z0-9_-]*`, classified afterwards like ANTLR's rule order does. */
  private scanWord(): Token {
    const start = this.offset;
    let end = start + 1;
    // A char-code loop, not a regular expression per character: this runs for every indicator on the bus.
    while (end < this.text.length && isIdentifierPart(this.text.charCodeAt(end))) end++;
    this.offset = end;
    const word = this.text.slice(start, end);
    if (word === 'true' || word === 'false') return { type: 'boolean', value: word === 'true', text: word, start };
    if (KEYWORD_SET.has(word)) return { type: 'keyword', value: word as Keyword, text: word, start };
    return { type: 'identifier', text: word, hasHyphen: word.includes('-'), start };
  }

  /** `'…'` with `\'` and `\\` as the only escapes. */
  private scanString(): Token {
    const start = this.offset;
    const text = this.text;
    let i = start + 1;
    for (;;) {
      const ch = text[i];
      if (ch === undefined) throw new PatternSyntaxError(`unterminated string literal at position ${start}`, start);
      if (ch === "'") break;
      if (ch === '\\') {
        const escaped = text[i + 1];
        if (escaped !== "'" && escaped !== '\\') {
          const shown = escaped === undefined ? 'end of input' : `'\\${escaped}'`;
          throw new PatternSyntaxError(
            `invalid escape sequence ${shown} at position ${i}: only \\' and \\\\ are allowed in string literals`,
            i,
          );
        }
        i += 2;
      } else {
        i++;
      }
    }
    this.offset = i + 1;
    const raw = text.slice(start, i + 1);
    return { type: 'string', value: decodeStringBody(raw.slice(1, -1)), text: raw, start };
  }

  /** `h'…'`, `b'…'`, `t'…'`: none of them may contain a quote, so the body ends at the next one. */
  private scanPrefixedLiteral(prefix: 'h' | 'b' | 't'): Token {
    const start = this.offset;
    const close = this.text.indexOf("'", start + 2);
    const name = prefix === 'h' ? 'hex' : prefix === 'b' ? 'binary' : 'timestamp';
    if (close < 0) throw new PatternSyntaxError(`unterminated ${name} literal at position ${start}`, start);
    const body = this.text.slice(start + 2, close);
    const raw = this.text.slice(start, close + 1);
    const valid = prefix === 'h' ? HEX_BODY : prefix === 'b' ? BASE64_BODY : TIMESTAMP_BODY;
    if (!valid.test(body)) {
      const expectation =
        prefix === 'h' ? 'an even number of hex digits'
        : prefix === 'b' ? 'non-empty, padded base64'
        : "an RFC 3339 UTC timestamp 'YYYY-MM-DDTHH:MM:SS[.s]Z'";
      throw new PatternSyntaxError(`invalid ${name} literal ${raw} at position ${start}: expected ${expectation}`, start);
    }
    this.offset = close + 1;
    return { type: name, value: body, text: raw, start };
  }

  /**
   * IntPos/IntNeg/FloatPos/FloatNeg: `[+-]? ('0' | [1-9][0-9]*)` or
   * `[+-]? [0-9]* '.' [0-9]+`. `1.` is the integer 1 followed by a dot, as in
   * ANTLR; a sign with no digits, or an integer with a leading zero, is an error.
   */
  private scanNumber(): Token {
    const text = this.text;
    const start = this.offset;
    let i = start;
    const sign = text[i] === '+' || text[i] === '-' ? text[i++] : '';
    const digitsStart = i;
    while (i < text.length && DIGIT.test(text[i])) i++;
    const intDigits = text.slice(digitsStart, i);
    const positive = sign !== '-';
    if (text[i] === '.' && DIGIT.test(text[i + 1] ?? '')) {
      i++;
      while (i < text.length && DIGIT.test(text[i])) i++;
      this.offset = i;
      const raw = text.slice(start, i);
      return { type: 'float', value: Number(raw) || 0, positive, text: raw, start };
    }
    if (intDigits === '') {
      throw new PatternSyntaxError(`unexpected character '${sign}' at position ${start}`, start);
    }
    if (intDigits.length > 1 && intDigits.startsWith('0')) {
      throw new PatternSyntaxError(
        `invalid integer ${text.slice(start, i)} at position ${start}: leading zeros are not allowed`,
        start,
      );
    }
    this.offset = i;
    const raw = text.slice(start, i);
    // `|| 0` turns -0 into 0 so that `-0` and `0` give equal ASTs.
    return { type: 'integer', value: Number(raw) || 0, positive, text: raw, start };
  }

  /** `=`, `==`, `!=`, `<>`, `<`, `<=`, `>`, `>=`; anything else is a stray character. */
  private scanOperator(): Token {
    const start = this.offset;
    const two = this.text.slice(start, start + 2);
    const normalisedTwo = TWO_CHAR_OPERATORS.get(two);
    if (normalisedTwo !== undefined) {
      this.offset += 2;
      return { type: 'operator', value: normalisedTwo, text: two, start };
    }
    const ch = this.text[start];
    if (ch === '=' || ch === '<' || ch === '>') {
      this.offset++;
      return { type: 'operator', value: ch, text: ch, start };
    }
    // Show a whole code point (astral characters are two UTF-16 units).
    const shown = String.fromCodePoint(this.text.codePointAt(start) ?? 0);
    throw new PatternSyntaxError(`unexpected character '${shown}' at position ${start}`, start);
  }
}

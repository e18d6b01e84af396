/**
 * Recursive-descent parser for STIX 2.1 patterns (grammar `STIXPattern.g4`).
 *
 * The grammar's left-recursive rules become loops; every decision needs one
 * token of lookahead. Precedence, loosest first:
 *
 *     pattern      := followedBy EOF
 *     followedBy   := obsOr ('FOLLOWEDBY' obsOr)*
 *     obsOr        := obsAnd ('OR' obsAnd)*
 *     obsAnd       := qualified ('AND' qualified)*
 *     qualified    := obsPrimary (WITHIN n SECONDS | REPEATS n TIMES | START t STOP t)*
 *     obsPrimary   := '[' cmpOr ']' | '(' followedBy ')'
 *     cmpOr        := cmpAnd ('OR' cmpAnd)*
 *     cmpAnd       := propTest ('AND' propTest)*
 *     propTest     := '(' cmpOr ')' | 'NOT'? 'EXISTS' path | path 'NOT'? operator operand
 */

import type {
  Comparison,
  ComparisonExpression,
  ObjectPath,
  ObservationExpression,
  Pattern,
  PathComponent,
  PrimitiveLiteral,
  Qualifier,
  SetLiteral,
  StringLiteral,
  TimestampLiteral,
  ValueComparison,
} from './ast';
import { KEYWORDS, Lexer, PatternSyntaxError, describeToken, type Keyword, type Token } from './lexer';

/** Parses a STIX 2.1 pattern into its AST; throws {@link PatternSyntaxError} on the first error. */
export function parsePattern(text: string): Pattern {
  if (typeof text !== 'string') {
    // Callers pass untyped JSON (indicator.pattern); fail like a syntax error, not a TypeError.
    throw new PatternSyntaxError(`expected the pattern to be a string, got ${text === null ? 'null' : typeof text}`, 0);
  }
  return new PatternParser(new Lexer(text)).parsePattern();
}

/** Returns the syntax error of `text`, or undefined when it is a valid STIX 2.1 pattern. */
export function validatePattern(text: string): PatternSyntaxError | undefined {
  try {
    parsePattern(text);
    return undefined;
  } catch (error) {
    if (error instanceof PatternSyntaxError) return error;
    throw error;
  }
}

const KEYWORD_NAMES: ReadonlySet<string> = new Set(KEYWORDS);
/**
 * Maximum nesting of parentheses/brackets. Patterns come from untrusted
 * feeds; without a bound, deep nesting would overflow the call stack with a
 * RangeError instead of a syntax error. Real patterns nest a few levels.
 */
export const MAX_NESTING_DEPTH = 256;
const STRING_OPERATORS = ['LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET'] as const;
type StringOperatorKeyword = (typeof STRING_OPERATORS)[number];

class PatternParser {
  private depth = 0;

  constructor(private readonly lexer: Lexer) {}

  parsePattern(): Pattern {
    const expression = this.parseFollowedBy();
    const rest = this.lexer.peek();
    if (rest.type !== 'eof') throw this.expected('AND, OR, FOLLOWEDBY, a qualifier or end of input', rest);
    return expression;
  }

  // ---- observation level -------------------------------------------------

  private parseFollowedBy(): ObservationExpression {
    let left = this.parseObservationOr();
    while (this.acceptKeyword('FOLLOWEDBY')) {
      left = { kind: 'followedby', left, right: this.parseObservationOr() };
    }
    return left;
  }

  private parseObservationOr(): ObservationExpression {
    let left = this.parseObservationAnd();
    while (this.acceptKeyword('OR')) left = { kind: 'or', left, right: this.parseObservationAnd() };
    return left;
  }

  private parseObservationAnd(): ObservationExpression {
    let left = this.parseQualified();
    while (this.acceptKeyword('AND')) left = { kind: 'and', left, right: this.parseQualified() };
    return left;
  }

  private parseQualified(): ObservationExpression {
    let expression = this.parseObservationPrimary();
    for (;;) {
      const qualifier = this.parseQualifier();
      if (qualifier === undefined) return expression;
      expression = { kind: 'qualified', expression, qualifier };
    }
  }

  private parseObservationPrimary(): ObservationExpression {
    const token = this.lexer.peek();
    if (this.acceptPunct('[')) {
      this.enterNesting(token);
      const expression = this.parseComparisonOr();
      this.expectPunct(']');
      this.depth--;
      return { kind: 'observation', expression };
    }
    if (this.acceptPunct('(')) {
      this.enterNesting(token);
      const inner = this.parseFollowedBy();
      this.expectPunct(')');
      this.depth--;
      return inner;
    }
    throw this.expected("'[' or '('", token);
  }

  private parseQualifier(): Qualifier | undefined {
    if (this.acceptKeyword('WITHIN')) {
      const count = this.lexer.next();
      if ((count.type !== 'integer' && count.type !== 'float') || !count.positive) {
        throw this.expected('a non-negative number of seconds', count);
      }
      this.expectKeyword('SECONDS');
      return { kind: 'within', seconds: count.value };
    }
    if (this.acceptKeyword('REPEATS')) {
      const count = this.lexer.next();
      if (count.type !== 'integer' || !count.positive) throw this.expected('a non-negative integer', count);
      this.expectKeyword('TIMES');
      return { kind: 'repeats', times: count.value };
    }
    if (this.acceptKeyword('START')) {
      const start = this.expectTimestamp();
      this.expectKeyword('STOP');
      return { kind: 'startstop', start, stop: this.expectTimestamp() };
    }
    return undefined;
  }

  // ---- comparison level --------------------------------------------------

  private parseComparisonOr(): ComparisonExpression {
    let left = this.parseComparisonAnd();
    while (this.acceptKeyword('OR')) left = { kind: 'or', left, right: this.parseComparisonAnd() };
    return left;
  }

  private parseComparisonAnd(): ComparisonExpression {
    let left = this.parsePropTest();
    while (this.acceptKeyword('AND')) left = { kind: 'and', left, right: this.parsePropTest() };
    return left;
  }

  private parsePropTest(): ComparisonExpression {
    const token = this.lexer.peek();
    if (this.acceptPunct('(')) {
      this.enterNesting(token);
      const inner = this.parseComparisonOr();
      this.expectPunct(')');
      this.depth--;
      return inner;
    }
    if (this.acceptKeyword('NOT')) {
      this.expectKeyword('EXISTS');
      return { kind: 'comparison', operator: 'EXISTS', negated: true, path: this.parseObjectPath() };
    }
    if (this.acceptKeyword('EXISTS')) {
      return { kind: 'comparison', operator: 'EXISTS', negated: false, path: this.parseObjectPath() };
    }
    if (token.type !== 'identifier') throw this.expected("an object path, '(' or EXISTS", token);
    const path = this.parseObjectPath();
    const negated = this.acceptKeyword('NOT');
    return this.parseOperatorAndOperand(path, negated);
  }

  private parseOperatorAndOperand(path: ObjectPath, negated: boolean): Comparison {
    const op = this.lexer.next();
    if (op.type === 'operator') {
      if (op.value === '=' || op.value === '!=') {
        const comparison: ValueComparison = { kind: 'comparison', path, operator: op.value, negated, value: this.expectPrimitive(false) };
        if (op.text === '==' || op.text === '<>') comparison.operatorSpelling = op.text;
        return comparison;
      }
      return { kind: 'comparison', path, operator: op.value, negated, value: this.expectPrimitive(true) };
    }
    if (op.type === 'keyword') {
      if (op.value === 'IN') return { kind: 'comparison', path, operator: 'IN', negated, value: this.expectSet() };
      if (isStringOperator(op.value)) {
        return { kind: 'comparison', path, operator: op.value, negated, value: this.expectString() };
      }
    }
    throw this.expected(negated ? 'a comparison operator after NOT' : 'a comparison operator', op);
  }

  /** `type:first(.key | .'key' | [n] | [*])*` */
  private parseObjectPath(): ObjectPath {
    const typeToken = this.lexer.next();
    if (typeToken.type !== 'identifier') throw this.expected('an object type', typeToken);
    this.expectPunct(':');
    const components: PathComponent[] = [this.expectKey()];
    for (;;) {
      if (this.acceptPunct('.')) {
        components.push(this.expectKey());
      } else if (this.acceptPunct('[')) {
        const index = this.lexer.next();
        if (index.type === 'integer') components.push({ kind: 'index', index: index.value });
        else if (index.type === 'punct' && index.value === '*') components.push({ kind: 'index', index: '*' });
        else throw this.expected("a list index (integer or '*')", index);
        this.expectPunct(']');
      } else {
        return { objectType: typeToken.text, components };
      }
    }
  }

  /** A property name: an identifier without `-`, or a quoted string. */
  private expectKey(): PathComponent {
    const token = this.lexer.next();
    if (token.type === 'identifier' && !token.hasHyphen) return { kind: 'key', name: token.text, quoted: false };
    if (token.type === 'string') return { kind: 'key', name: token.value, quoted: true };
    const hint = token.type === 'identifier' ? " (property names containing '-' must be quoted)" : '';
    throw this.expected('a property name', token, hint);
  }

  // ---- literals ----------------------------------------------------------

  private expectPrimitive(orderable: boolean): PrimitiveLiteral {
    const token = this.lexer.next();
    const literal = literalFromToken(token);
    if (literal === undefined || (orderable && literal.kind === 'boolean')) {
      throw this.expected(orderable ? 'an orderable constant (not a boolean)' : 'a constant', token);
    }
    return literal;
  }

  private expectString(): StringLiteral {
    const token = this.lexer.next();
    if (token.type !== 'string') throw this.expected('a string constant', token);
    return { kind: 'string', value: token.value, raw: token.text };
  }

  private expectTimestamp(): TimestampLiteral {
    const token = this.lexer.next();
    if (token.type !== 'timestamp') throw this.expected("a timestamp t'…'", token);
    return { kind: 'timestamp', value: token.value, raw: token.text };
  }

  /** `( )` or `( constant (, constant)* )` */
  private expectSet(): SetLiteral {
    this.expectPunct('(');
    const elements: PrimitiveLiteral[] = [];
    if (this.acceptPunct(')')) return { kind: 'set', elements };
    for (;;) {
      elements.push(this.expectPrimitive(false));
      if (this.acceptPunct(')')) return { kind: 'set', elements };
      const separator = this.lexer.peek();
      if (!this.acceptPunct(',')) throw this.expected("',' or ')'", separator);
    }
  }

  // ---- token helpers -----------------------------------------------------

  private enterNesting(opening: Token): void {
    if (++this.depth > MAX_NESTING_DEPTH) {
      throw new PatternSyntaxError(
        `nesting deeper than ${MAX_NESTING_DEPTH} levels at position ${opening.start}`,
        opening.start,
      );
    }
  }

  private acceptKeyword(keyword: Keyword): boolean {
    const token = this.lexer.peek();
    if (token.type !== 'keyword' || token.value !== keyword) return false;
    this.lexer.next();
    return true;
  }

  private expectKeyword(keyword: Keyword): void {
    const token = this.lexer.peek();
    if (!this.acceptKeyword(keyword)) throw this.expected(keyword, token);
  }

  private acceptPunct(punct: string): boolean {
    const token = this.lexer.peek();
    if (token.type !== 'punct' || token.value !== punct) return false;
    this.lexer.next();
    return true;
  }

  private expectPunct(punct: string): void {
    const token = this.lexer.peek();
    if (!this.acceptPunct(punct)) throw this.expected(`'${punct}'`, token);
  }

  /** Builds "expected X at position N, found Y", with a hint for lowercase keywords. */
  private expected(what: string, found: Token, hint = ''): PatternSyntaxError {
    let caseHint = hint;
    if (caseHint === '' && found.type === 'identifier' && KEYWORD_NAMES.has(found.text.toUpperCase())) {
      caseHint = ` (keywords are case-sensitive: write '${found.text.toUpperCase()}')`;
    }
    return new PatternSyntaxError(
      `expected ${what} at position ${found.start}, found ${describeToken(found)}${caseHint}`,
      found.start,
    );
  }
}

function isStringOperator(keyword: Keyword): keyword is StringOperatorKeyword {
  return (STRING_OPERATORS as readonly string[]).includes(keyword);
}

/** The literal a token stands for, or undefined if it is no constant. */
function literalFromToken(token: Token): PrimitiveLiteral | undefined {
  switch (token.type) {
    case 'string':
      return { kind: 'string', value: token.value, raw: token.text };
    case 'integer':
      return { kind: 'integer', value: token.value, raw: token.text };
    case 'float':
      return { kind: 'float', value: token.value, raw: token.text };
    case 'boolean':
      return { kind: 'boolean', value: token.value, raw: token.text };
    case 'binary':
      return { kind: 'binary', value: token.value, raw: token.text };
    case 'hex':
      return { kind: 'hex', value: token.value, raw: token.text };
    case 'timestamp':
      return { kind: 'timestamp', value: token.value, raw: token.text };
    default:
      return undefined;
  }
}

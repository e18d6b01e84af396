/**
 * AST → STIX pattern text, and small AST walkers.
 *
 * Formatting is canonical (single spaces, no comments) and inserts only the
 * parentheses needed to keep the tree shape, so `parsePattern(formatPattern(p))`
 * is deep-equal to `p` for every parsed `p`.
 */

import type {
  Comparison,
  ComparisonExpression,
  Literal,
  ObjectPath,
  ObservationExpression,
  PathComponent,
  Pattern,
  Qualifier,
} from './ast';
import { KEYWORDS, quoteString } from './lexer';

/** Binding strength at the observation level; higher binds tighter. */
const OBSERVATION_PRECEDENCE = { followedby: 1, or: 2, and: 3, qualified: 4, observation: 4 } as const;
/** Binding strength at the comparison level; higher binds tighter. */
const COMPARISON_PRECEDENCE = { or: 1, and: 2, comparison: 3 } as const;

/** Turns a pattern (or any observation expression) back into STIX pattern text. */
export function formatPattern(pattern: Pattern): string {
  return formatObservation(pattern, 0);
}

/**
 * Formats `expression`, parenthesised if it binds looser than `minPrecedence`.
 * Operators are left-associative, so a right operand of the same operator
 * gets parentheses (`[a] OR ([b] OR [c])` keeps its shape).
 *
 * Left-deep chains (`[a] OR [b] OR …`, repeated qualifiers) are walked with a
 * loop, not recursion: generated patterns can have thousands of operands.
 */
function formatObservation(expression: ObservationExpression, minPrecedence: number): string {
  const precedence = OBSERVATION_PRECEDENCE[expression.kind];
  let text: string;
  switch (expression.kind) {
    case 'observation':
      return `[${formatComparisonExpression(expression.expression)}]`;
    case 'qualified': {
      const qualifiers: string[] = [];
      let base: ObservationExpression = expression;
      while (base.kind === 'qualified') {
        qualifiers.unshift(formatQualifier(base.qualifier));
        base = base.expression;
      }
      text = `${formatObservation(base, precedence)} ${qualifiers.join(' ')}`;
      break;
    }
    case 'and':
    case 'or':
    case 'followedby': {
      const kind = expression.kind;
      const rights: ObservationExpression[] = [];
      let left: ObservationExpression = expression;
      while (left.kind === kind) {
        rights.unshift(left.right);
        left = left.left;
      }
      const operands = [formatObservation(left, precedence), ...rights.map((r) => formatObservation(r, precedence + 1))];
      text = operands.join(` ${kind.toUpperCase()} `);
      break;
    }
  }
  return precedence < minPrecedence ? `(${text})` : text;
}

/** Formats the inside of an observation's brackets (chains looped as above). */
export function formatComparisonExpression(expression: ComparisonExpression, minPrecedence = 0): string {
  if (expression.kind === 'comparison') return formatComparison(expression);
  const kind = expression.kind;
  const precedence = COMPARISON_PRECEDENCE[kind];
  const rights: ComparisonExpression[] = [];
  let left: ComparisonExpression = expression;
  while (left.kind === kind) {
    rights.unshift(left.right);
    left = left.left;
  }
  const operands = [
    formatComparisonExpression(left, precedence),
    ...rights.map((right) => formatComparisonExpression(right, precedence + 1)),
  ];
  const text = operands.join(` ${kind.toUpperCase()} `);
  return precedence < minPrecedence ? `(${text})` : text;
}

/** `path [NOT] op value`, or `[NOT] EXISTS path`. */
export function formatComparison(comparison: Comparison): string {
  const not = comparison.negated ? 'NOT ' : '';
  const path = formatObjectPath(comparison.path);
  switch (comparison.operator) {
    case 'EXISTS':
      return `${not}EXISTS ${path}`;
    case 'IN':
      return `${path} ${not}IN ${formatLiteral(comparison.value)}`;
    default:
      return `${path} ${not}${comparison.operatorSpelling ?? comparison.operator} ${formatLiteral(comparison.value)}`;
  }
}

/** A literal as written (`raw`); sets are rebuilt from their elements. */
export function formatLiteral(literal: Literal): string {
  if (literal.kind === 'set') return `(${literal.elements.map((element) => element.raw).join(', ')})`;
  return literal.raw;
}

function formatQualifier(qualifier: Qualifier): string {
  switch (qualifier.kind) {
    case 'within':
      return `WITHIN ${plainDecimal(qualifier.seconds)} SECONDS`;
    case 'repeats':
      return `REPEATS ${plainDecimal(qualifier.times)} TIMES`;
    case 'startstop':
      return `START ${qualifier.start.raw} STOP ${qualifier.stop.raw}`;
  }
}

/** Property names that can be written without quotes: identifiers that are not keywords or booleans. */
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED_WORDS: ReadonlySet<string> = new Set<string>([...KEYWORDS, 'true', 'false']);

/**
 * An object path as STIX text, e.g. `file:hashes.'SHA-256'`. Keys are quoted
 * when they were quoted in the source (plugins look paths up verbatim) or
 * when they could not be written bare.
 */
export function formatObjectPath(path: ObjectPath): string {
  let text = `${path.objectType}:`;
  path.components.forEach((component, position) => {
    text += formatPathComponent(component, position === 0);
  });
  return text;
}

function formatPathComponent(component: PathComponent, first: boolean): string {
  if (component.kind === 'index') return `[${component.index}]`;
  const bare = !component.quoted && PLAIN_KEY.test(component.name) && !RESERVED_WORDS.has(component.name);
  const key = bare ? component.name : quoteString(component.name);
  return first ? key : `.${key}`;
}

/**
 * A non-negative number as the grammar's IntPosLiteral/FloatPosLiteral: no
 * exponent notation, which `String(n)` produces for very large or small values.
 */
function plainDecimal(value: number): string {
  const text = String(value);
  const match = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (match === null) return text;
  const [, sign, intPart, fraction = '', exponentText] = match;
  const digits = intPart + fraction;
  const pointAt = intPart.length + Number(exponentText);
  if (pointAt >= digits.length) return sign + digits + '0'.repeat(pointAt - digits.length);
  if (pointAt <= 0) return `${sign}0.${'0'.repeat(-pointAt)}${digits}`;
  return `${sign}${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
}

/**
 * Every comparison of a pattern (or of any sub-expression), in textual order.
 * Iterative (explicit stack) so that very long operator chains cannot
 * overflow the call stack.
 */
export function comparisons(pattern: Pattern | ComparisonExpression): Comparison[] {
  const found: Comparison[] = [];
  const pending: Array<ObservationExpression | ComparisonExpression> = [pattern];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    switch (node.kind) {
      case 'comparison':
        found.push(node);
        break;
      case 'observation':
      case 'qualified':
        pending.push(node.expression);
        break;
      default:
        // Right first, so that the left operand is popped (and listed) first.
        pending.push(node.right, node.left);
    }
  }
  return found;
}

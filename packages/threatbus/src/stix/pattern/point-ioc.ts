/**
 * "Point IoC" helpers (spec/core.md §9).
 *
 * `isPointEqualityIoc` and `splitObjectPathAndValue` reproduce the original
 * Python helpers (threatbus/stix2_helpers.py on stix2-patterns 1.3.0)
 * including their quirks, because plugins and test vectors depend on them.
 * `pointIoc` is the recommended strict replacement.
 */

import type { Literal, ObjectPath, ValueComparison } from './ast';
import { comparisons, formatObjectPath } from './format';
import { parsePattern } from './parser';

/**
 * The original point-IoC rule. True when `pattern` is a string that parses,
 * has no observation operators and no qualifiers, all its comparisons use
 * one object type, and the first comparison's operator is exactly `=`.
 *
 * Quirks kept on purpose (the original inspected the stix2-patterns
 * "inspector" summary, not the tree):
 * - only the first comparison is checked, so `[t:a = 1 OR t:a != 2]` passes;
 * - `==` is not `=` there (the inspector keeps the spelling), so it fails;
 * - EXISTS tests are invisible to the inspector: they neither count as the
 *   first comparison nor add an object type;
 * - `NOT EXISTS` did not parse in stix2-patterns 1.3.0, so it fails;
 * - a negative list index (`[-1]`) crashed the inspector, so it fails.
 */
export function isPointEqualityIoc(pattern: unknown): boolean {
  if (typeof pattern !== 'string') return false;
  let root;
  try {
    root = parsePattern(pattern);
  } catch {
    return false;
  }
  // Parentheses leave no node, so `([a])` is still a bare observation here, as in the original.
  if (root.kind !== 'observation') return false;
  const all = comparisons(root);
  if (all.some((c) => c.operator === 'EXISTS' && c.negated)) return false;
  if (all.some((c) => c.path.components.some((p) => p.kind === 'index' && p.index !== '*' && p.index < 0))) {
    return false;
  }
  const inspected = all.filter((c) => c.operator !== 'EXISTS');
  if (new Set(inspected.map((c) => c.path.objectType)).size !== 1) return false;
  const first = inspected[0];
  return first.operator === '=' && !first.negated && first.operatorSpelling === undefined;
}

/**
 * The original raw-string split: null unless {@link isPointEqualityIoc};
 * otherwise drop the first and last character, split at the first `=`, trim
 * both parts, and strip one pair of surrounding single quotes from the value.
 * Escapes are not decoded, and surrounding whitespace or parentheses corrupt
 * the result (quirks kept for compatibility; see spec/core.md §9).
 */
export function splitObjectPathAndValue(pattern: unknown): [string, string] | null {
  if (!isPointEqualityIoc(pattern)) return null;
  // Python slices by code point; Array.from does too (a string slice would split surrogate pairs).
  const inner = Array.from(pattern as string).slice(1, -1).join('');
  const equals = inner.indexOf('=');
  // Cannot happen for a point IoC (its operator is `=`); kept as a guard for the types.
  if (equals < 0) return null;
  const objectPath = pythonStrip(inner.slice(0, equals));
  let value = pythonStrip(inner.slice(equals + 1));
  if (value.startsWith("'") && value.endsWith("'")) value = value.slice(1, -1);
  return [objectPath, value];
}

/** Characters Python's `str.strip()` removes (`str.isspace()`), which differ from JS `trim()`. */
const PYTHON_WHITESPACE = '\t\n\u000b\u000c\r\u001c\u001d\u001e\u001f \u0085\u00a0\u1680' +
  '\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';

function pythonStrip(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && PYTHON_WHITESPACE.includes(text[start])) start++;
  while (end > start && PYTHON_WHITESPACE.includes(text[end - 1])) end--;
  return text.slice(start, end);
}

/** A pattern that is exactly one `=` comparison against a constant. */
export interface PointIoc {
  /** e.g. `file` */
  objectType: string;
  /** Canonical path text with quoted keys kept quoted, e.g. `file:hashes.'SHA-256'`. */
  objectPath: string;
  path: ObjectPath;
  /**
   * The decoded constant: string literals unescaped, numbers and booleans as
   * JS values, and for `b'…'`, `h'…'`, `t'…'` the text between the quotes.
   */
  value: string | number | boolean;
  literal: Literal;
  /** The comparison itself, for callers that translate it (e.g. into a VAST query). */
  comparison: ValueComparison;
}

/**
 * Strict point-IoC extraction with the real parser: exactly one observation
 * holding exactly one comparison, operator `=` (or its spelling `==`), not
 * negated, and no qualifiers. Returns null for anything else, including
 * unparsable input and non-strings.
 */
export function pointIoc(pattern: unknown): PointIoc | null {
  if (typeof pattern !== 'string') return null;
  let root;
  try {
    root = parsePattern(pattern);
  } catch {
    return null;
  }
  if (root.kind !== 'observation') return null;
  const comparison = root.expression;
  if (comparison.kind !== 'comparison' || comparison.operator !== '=' || comparison.negated) return null;
  return {
    objectType: comparison.path.objectType,
    objectPath: formatObjectPath(comparison.path),
    path: comparison.path,
    value: comparison.value.value,
    literal: comparison.value,
    comparison,
  };
}

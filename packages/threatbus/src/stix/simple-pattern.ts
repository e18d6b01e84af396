/**
 * A fast check for the patterns that make up nearly all the traffic: point
 * IoCs like `[domain-name:value = 'evil.example']`, one comparison per
 * observation, observations joined by AND (what the MISP mapping and the
 * original's apps write). Every text this accepts is a valid STIX 2.1
 * pattern (tested against the full parser); anything else, valid or not,
 * goes to the full parser, which also explains what is wrong.
 */

import { KEYWORDS } from './pattern/lexer';

/** Words the lexer reads as something other than an identifier (unless more identifier characters follow). */
const NOT_IDENTIFIER = `(?!(?:true|false|${KEYWORDS.join('|')})(?![A-Za-z0-9_-]))`;
/** A property name (like `value`, `MD5`); hyphenated names must be quoted. */
const NAME = `${NOT_IDENTIFIER}[A-Za-z_][A-Za-z0-9_]*`;
/** An object type (like `domain-name`). */
const TYPE = `${NOT_IDENTIFIER}[a-z][a-z0-9-]*`;
const STRING = "'(?:[^'\\\\]|\\\\['\\\\])*'";
const COMPARISON = `\\[${TYPE}:${NAME}(?:\\.(?:${NAME}|'[A-Za-z0-9_-]+'))* = ${STRING}\\]`;
const SIMPLE = new RegExp(`^${COMPARISON}(?: AND ${COMPARISON})*$`);

/** True only for patterns that certainly parse; false says nothing. */
export function isSimpleValidPattern(text: string): boolean {
  return SIMPLE.test(text);
}

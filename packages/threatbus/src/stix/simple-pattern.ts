/**
 * A fast check for the patterns that make up nearly all the traffic: point
 * IoCs like `[domain-name:value = 'evil.example']`, one comparison per
 * observation, observations joined by AND (what the MISP mapping and the
 * original's apps write). Every text this accepts is a valid STIX 2.1
 * pattern (tested against the full parser); anything else, valid or not,
 * goes to the full parser, which also explains what is wrong.
 */

/** An identifier the lexer reads as one (lower-case start), but not the boolean words. */
const NAME = "(?!(?:true|false)(?![a-z0-9_-]))[a-z][a-z0-9_]*";
const TYPE = "(?!(?:true|false)(?![a-z0-9_-]))[a-z][a-z0-9-]*";
const STRING = "'(?:[^'\\\\]|\\\\['\\\\])*'";
const COMPARISON = `\\[${TYPE}:${NAME}(?:\\.(?:${NAME}|'[A-Za-z0-9_-]+'))* = ${STRING}\\]`;
const SIMPLE = new RegExp(`^${COMPARISON}(?: AND ${COMPARISON})*$`);

/** True only for patterns that certainly parse; false says nothing. */
export function isSimpleValidPattern(text: string): boolean {
  return SIMPLE.test(text);
}

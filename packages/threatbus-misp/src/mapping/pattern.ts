/**
 * Building STIX 2.1 pattern text from (object path, value) comparisons, the
 * way the original's stix2 library printed them (spec/misp.md §6.4): string
 * constants in single quotes with `\` and `'` escaped, a path component quoted
 * iff it contains a `-`.
 */

/** One `<object>:<path> = <constant>` comparison. */
export interface Comparison {
  /** Object type, e.g. `file`. */
  object: string;
  /** Property path components, e.g. `['hashes', 'SHA-256']`; `[*]` list steps are written as their own component `*`. */
  path: string[];
  value: string | number;
}

/** Observations (`[...]`) joined by AND; the comparisons inside one observation are AND-ed too (same object). */
export type PatternSpec = Comparison[][];

export function stixString(value: string): string {
  // Most values have neither a backslash nor a quote: no regular expressions then.
  if (!value.includes('\\') && !value.includes("'")) return `'${value}'`;
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function pathText(path: string[]): string {
  let out = '';
  for (const part of path) {
    if (part === '*') out += '[*]';
    else out += '.' + (part.includes('-') ? `'${part}'` : part);
  }
  return out.slice(1);
}

export function comparisonText(c: Comparison): string {
  const constant = typeof c.value === 'number' ? String(c.value) : stixString(c.value);
  return `${c.object}:${pathText(c.path)} = ${constant}`;
}

export function patternText(spec: PatternSpec): string {
  // Loops rather than map/join: this runs for every MISP attribute, nearly always one comparison.
  let out = '';
  for (let i = 0; i < spec.length; i++) {
    const observation = spec[i];
    out += i === 0 ? '[' : ' AND [';
    for (let j = 0; j < observation.length; j++) out += (j === 0 ? '' : ' AND ') + comparisonText(observation[j]);
    out += ']';
  }
  return out;
}

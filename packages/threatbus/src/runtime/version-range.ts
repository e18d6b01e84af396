/**
 * The subset of npm's semver ranges a plugin manifest's `core` field needs
 * (`"threatbus": { "core": "^0.1.0" }`): exact versions, `^`, `~`, `>=`,
 * `>`, `<=`, `<`, `=`, x-ranges (`1.x`, `1.2.*`, `*`), space-separated
 * comparators (all must hold) and `||` alternatives. Pre-release tags and
 * build metadata are ignored (the version's numbers decide). Written here
 * rather than adding the `semver` package for one check at start-up.
 */

type Version = [number, number, number];
/** A partial version: undefined parts are wildcards or missing (`1`, `1.x`). */
type Partial3 = [number | undefined, number | undefined, number | undefined];
type Check = (v: Version) => boolean;

const PART = '(?:0|[1-9]\\d*|[xX*])';
const PARTIAL_RE = new RegExp(`^v?(${PART})(?:\\.(${PART})(?:\\.(${PART})(?:-[0-9A-Za-z.-]+)?(?:\\+[0-9A-Za-z.-]+)?)?)?$`);

function parsePartial(text: string): Partial3 | undefined {
  const m = PARTIAL_RE.exec(text);
  if (!m) return undefined;
  const num = (s: string | undefined) => (s === undefined || /^[xX*]$/.test(s) ? undefined : Number(s));
  const p: Partial3 = [num(m[1]), num(m[2]), num(m[3])];
  // After a wildcard, everything is one: 1.x.3 means 1.x.
  for (let i = 1; i < 3; i++) if (p[i - 1] === undefined) p[i] = undefined;
  return p;
}

/** `1.2.3` → [1, 2, 3]; undefined for anything else. */
export function parseVersion(text: string): Version | undefined {
  const p = parsePartial(text.trim());
  return p && p.every((n) => n !== undefined) ? (p as Version) : undefined;
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

const floor = (p: Partial3): Version => [p[0] ?? 0, p[1] ?? 0, p[2] ?? 0];

/** The first version past an x-range: 1 → 2.0.0, 1.2 → 1.3.0, 1.2.3 → 1.2.4. */
function pastRange(p: Partial3): Version | undefined {
  if (p[0] === undefined) return undefined;
  if (p[1] === undefined) return [p[0] + 1, 0, 0];
  if (p[2] === undefined) return [p[0], p[1] + 1, 0];
  return [p[0], p[1], p[2] + 1];
}

function between(low: Version, high: Version | undefined): Check {
  return (v) => compare(v, low) >= 0 && (high === undefined || compare(v, high) < 0);
}

function comparator(text: string): Check | undefined {
  const m = /^(\^|~|>=|<=|>|<|=)?\s*(.+)$/.exec(text);
  if (!m) return undefined;
  const op = m[1] ?? '';
  const p = parsePartial(m[2]);
  if (!p) return undefined;
  const [major, minor, patch] = p;
  switch (op) {
    case '':
    case '=':
      return between(floor(p), pastRange(p));
    case '^': {
      // The left-most non-zero part may not change: ^1.2.3 <2.0.0, ^0.2.3 <0.3.0, ^0.0.3 <0.0.4.
      if (major === undefined) return () => true;
      const high: Version =
        major > 0 || minor === undefined ? [major + 1, 0, 0] : minor > 0 || patch === undefined ? [0, minor + 1, 0] : [0, 0, patch + 1];
      return between(floor(p), high);
    }
    case '~':
      if (major === undefined) return () => true;
      return between(floor(p), minor === undefined ? [major + 1, 0, 0] : [major, minor + 1, 0]);
    case '>=':
      return (v) => compare(v, floor(p)) >= 0;
    case '>': {
      const past = pastRange(p);
      return past ? (v) => compare(v, past) >= 0 : () => false;
    }
    case '<':
      return major === undefined ? () => false : (v) => compare(v, floor(p)) < 0;
    case '<=': {
      const past = pastRange(p);
      return past ? (v) => compare(v, past) < 0 : () => true;
    }
  }
  return undefined;
}

/**
 * Whether `version` satisfies `range`; undefined when either cannot be
 * parsed (the caller says so instead of guessing).
 */
export function satisfiesRange(version: string, range: string): boolean | undefined {
  const v = parseVersion(version);
  if (!v) return undefined;
  let any = false;
  for (const alternative of range.split('||')) {
    // `>= 1.2.3` is one comparator: glue an operator to its version before splitting on spaces.
    const parts = alternative.trim().replace(/(\^|~|>=|<=|>|<|=)\s+/g, '$1').split(/\s+/).filter((s) => s !== '');
    if (parts.length === 0) parts.push('*');
    const checks = parts.map(comparator);
    if (checks.some((c) => c === undefined)) return undefined;
    if ((checks as Check[]).every((c) => c(v))) any = true;
  }
  return any;
}

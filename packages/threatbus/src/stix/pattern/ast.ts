/**
 * Typed AST of the STIX 2.1 patterning language (OASIS STIX 2.1 §9, grammar
 * `STIXPattern.g4` of oasis-open/cti-stix2-json-schemas).
 *
 * Every node is a plain JSON-compatible object with a `kind` discriminator,
 * so consumers (e.g. the VAST app turning compound patterns into queries) can
 * walk it with a `switch (node.kind)`. Nodes carry no source positions: two
 * patterns that differ only in whitespace, comments or redundant parentheses
 * produce deep-equal ASTs, which is what makes `parse → format → parse`
 * round-trip exactly.
 *
 * Shape of a pattern:
 *
 *     Pattern = ObservationExpression
 *     ObservationExpression
 *       = { kind: 'observation', expression: ComparisonExpression }   // [ ... ]
 *       | { kind: 'and' | 'or' | 'followedby', left, right }          // observation operators
 *       | { kind: 'qualified', expression, qualifier }                // WITHIN / REPEATS / START..STOP
 *     ComparisonExpression
 *       = Comparison
 *       | { kind: 'and' | 'or', left, right }
 *     Comparison = { kind: 'comparison', path, operator, negated, value? }
 */

/** A whole pattern. It is its root observation expression (no wrapper node). */
export type Pattern = ObservationExpression;

/**
 * An observation expression.
 *
 * Binary operators are left-associative; precedence (loosest first) is
 * FOLLOWEDBY, OR, AND. Qualifiers bind tighter than all three and apply to the
 * observation expression directly before them: `[a] AND [b] WITHIN 5 SECONDS`
 * is `and([a], qualified([b], within 5))`. Chained qualifiers nest with the
 * first-written qualifier innermost.
 */
export type ObservationExpression =
  | ObservationNode
  | ObservationOperatorNode
  | QualifiedObservationNode;

/** `[ comparisonExpression ]` — one observation. */
export interface ObservationNode {
  kind: 'observation';
  expression: ComparisonExpression;
}

/** Observation operator names as AST kinds (lowercase, unlike the keywords). */
export type ObservationOperatorKind = 'and' | 'or' | 'followedby';

/** `left AND right`, `left OR right`, `left FOLLOWEDBY right` between observations. */
export interface ObservationOperatorNode {
  kind: ObservationOperatorKind;
  left: ObservationExpression;
  right: ObservationExpression;
}

/** An observation expression followed by one qualifier. */
export interface QualifiedObservationNode {
  kind: 'qualified';
  expression: ObservationExpression;
  qualifier: Qualifier;
}

/** Observation-expression qualifiers. */
export type Qualifier = WithinQualifier | RepeatsQualifier | StartStopQualifier;

/** `WITHIN n SECONDS`; `n` is a non-negative integer or float. */
export interface WithinQualifier {
  kind: 'within';
  seconds: number;
}

/** `REPEATS n TIMES`; `n` is a non-negative integer. */
export interface RepeatsQualifier {
  kind: 'repeats';
  times: number;
}

/** `START t'…' STOP t'…'`. */
export interface StartStopQualifier {
  kind: 'startstop';
  start: TimestampLiteral;
  stop: TimestampLiteral;
}

/**
 * A comparison expression inside brackets. AND binds tighter than OR; both
 * are left-associative.
 */
export type ComparisonExpression = Comparison | ComparisonOperatorNode;

/** `left AND right` / `left OR right` between comparisons. */
export interface ComparisonOperatorNode {
  kind: 'and' | 'or';
  left: ComparisonExpression;
  right: ComparisonExpression;
}

/** Operators whose right-hand side is a single primitive constant. */
export type EqualityOperator = '=' | '!=';
/** Operators that need an orderable constant (anything but a boolean). */
export type OrderingOperator = '<' | '<=' | '>' | '>=';
/** Operators whose right-hand side must be a string constant. */
export type StringOperator = 'LIKE' | 'MATCHES' | 'ISSUBSET' | 'ISSUPERSET';
/** Every comparison operator, normalised (`==` → `=`, `<>` → `!=`). */
export type ComparisonOperator = EqualityOperator | OrderingOperator | StringOperator | 'IN' | 'EXISTS';

/** Fields shared by every comparison. */
interface ComparisonBase {
  kind: 'comparison';
  path: ObjectPath;
  /** True when the operator was preceded by `NOT`. */
  negated: boolean;
}

/** `path [NOT] op constant` for every operator except IN and EXISTS. */
export interface ValueComparison extends ComparisonBase {
  operator: EqualityOperator | OrderingOperator | StringOperator;
  value: PrimitiveLiteral;
  /**
   * Present only when the pattern used the alternative spelling `==` (for
   * `=`) or `<>` (for `!=`). Kept because the original point-IoC rule treats
   * `==` differently from `=`, and so that formatting reproduces the text.
   */
  operatorSpelling?: '==' | '<>';
}

/** `path [NOT] IN ( … )`. */
export interface SetComparison extends ComparisonBase {
  operator: 'IN';
  value: SetLiteral;
}

/** `[NOT] EXISTS path` (the keyword precedes the path; there is no value). */
export interface ExistsComparison extends ComparisonBase {
  operator: 'EXISTS';
}

/** A single comparison (leaf of a comparison expression). */
export type Comparison = ValueComparison | SetComparison | ExistsComparison;

/**
 * An object path: `type:first.key[0].'quoted key'[*]`.
 * `components[0]` is the first property (always a key); the rest follow in
 * order.
 */
export interface ObjectPath {
  /** Object type, e.g. `file`, `ipv4-addr`, `x-usb-device` (may contain hyphens). */
  objectType: string;
  components: PathComponent[];
}

/** One step of an object path. */
export type PathComponent = KeyPathComponent | IndexPathComponent;

/** A property name: `name` (plain identifier) or `'name'` (quoted). */
export interface KeyPathComponent {
  kind: 'key';
  /** Decoded name (`\'` and `\\` escapes resolved for quoted keys). */
  name: string;
  /** True when written as a quoted string (`hashes.'SHA-256'`); kept for verbatim formatting. */
  quoted: boolean;
}

/** A list index `[n]` (may be negative per the grammar) or `[*]`. */
export interface IndexPathComponent {
  kind: 'index';
  index: number | '*';
}

/**
 * A constant. `raw` is the literal exactly as written (quotes, prefix and sign
 * included); formatting emits `raw`, so keep it consistent with `value` when
 * building literals by hand.
 */
export type Literal = PrimitiveLiteral | SetLiteral;

/** Any literal except a set. */
export type PrimitiveLiteral =
  | StringLiteral
  | IntegerLiteral
  | FloatLiteral
  | BooleanLiteral
  | BinaryLiteral
  | HexLiteral
  | TimestampLiteral;

/** `'text'`; `value` has `\'` and `\\` decoded. */
export interface StringLiteral {
  kind: 'string';
  value: string;
  raw: string;
}

/** Signed integer; `value` is a JS number (exact up to 2^53, `raw` is always exact). */
export interface IntegerLiteral {
  kind: 'integer';
  value: number;
  raw: string;
}

/** Signed decimal number with a fraction, e.g. `7.0`, `-.5`. */
export interface FloatLiteral {
  kind: 'float';
  value: number;
  raw: string;
}

/** `true` / `false` (lowercase only). */
export interface BooleanLiteral {
  kind: 'boolean';
  value: boolean;
  raw: string;
}

/** `b'base64'`; `value` is the base64 text between the quotes (not decoded to bytes). */
export interface BinaryLiteral {
  kind: 'binary';
  value: string;
  raw: string;
}

/** `h'hex'`; `value` is the hex digits between the quotes. */
export interface HexLiteral {
  kind: 'hex';
  value: string;
  raw: string;
}

/** `t'YYYY-MM-DDTHH:MM:SS[.fff]Z'`; `value` is the timestamp text between the quotes. */
export interface TimestampLiteral {
  kind: 'timestamp';
  value: string;
  raw: string;
}

/** `( constant, … )`, only on the right of IN; may be empty. */
export interface SetLiteral {
  kind: 'set';
  elements: PrimitiveLiteral[];
}

/**
 * STIX 2.1 patterning: parser, typed AST, formatter and point-IoC helpers.
 * See `ast.ts` for the shape of the tree.
 */

export type {
  Pattern,
  ObservationExpression,
  ObservationNode,
  ObservationOperatorKind,
  ObservationOperatorNode,
  QualifiedObservationNode,
  Qualifier,
  WithinQualifier,
  RepeatsQualifier,
  StartStopQualifier,
  ComparisonExpression,
  ComparisonOperatorNode,
  Comparison,
  ValueComparison,
  SetComparison,
  ExistsComparison,
  ComparisonOperator,
  EqualityOperator,
  OrderingOperator,
  StringOperator,
  ObjectPath,
  PathComponent,
  KeyPathComponent,
  IndexPathComponent,
  Literal,
  PrimitiveLiteral,
  StringLiteral,
  IntegerLiteral,
  FloatLiteral,
  BooleanLiteral,
  BinaryLiteral,
  HexLiteral,
  TimestampLiteral,
  SetLiteral,
} from './ast';
export { PatternSyntaxError } from './lexer';
export { parsePattern, validatePattern } from './parser';
export {
  formatPattern,
  formatComparisonExpression,
  formatComparison,
  formatLiteral,
  formatObjectPath,
  comparisons,
} from './format';
export { isPointEqualityIoc, splitObjectPathAndValue, pointIoc, type PointIoc } from './point-ioc';

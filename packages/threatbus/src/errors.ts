/**
 * One error hierarchy for the core and every plugin (as Fastify's and
 * KafkaJS's): each error a caller may want to tell apart carries a stable
 * `code` (what went wrong, never reworded) and `retriable` (whether trying
 * the same thing again later can succeed, e.g. an unreachable peer).
 *
 * Messages stay human-readable one-liners; callers branch on `code`, not on
 * message text or class names. The table of codes is in docs/plugins.md.
 */

/** Stable error codes. Plugins may define their own, always starting with `TB_`. */
export const ErrorCode = {
  /** The config (file, environment or a plugin section) is invalid; `ConfigError.problems` lists every problem. */
  CONFIG_INVALID: 'TB_CONFIG_INVALID',
  /** The config names a plugin that is not installed. */
  PLUGIN_MISSING: 'TB_PLUGIN_MISSING',
  /** A plugin package threw while being loaded. */
  PLUGIN_LOAD_FAILED: 'TB_PLUGIN_LOAD_FAILED',
  /** A plugin package does not export a definition matching its package.json manifest. */
  PLUGIN_INVALID: 'TB_PLUGIN_INVALID',
  /** A plugin was built for a core version this core cannot run. */
  PLUGIN_CORE_MISMATCH: 'TB_PLUGIN_CORE_MISMATCH',
  /** A message off the wire could not be decoded (bad JSON, unknown type, invalid STIX). */
  MESSAGE_INVALID: 'TB_MESSAGE_INVALID',
  /** A STIX object failed validation. */
  STIX_INVALID: 'TB_STIX_INVALID',
  /** A STIX pattern has a syntax error. */
  PATTERN_SYNTAX: 'TB_PATTERN_SYNTAX',
  /** A peer (broker, MISP, OpenCTI, VAST, Zeek) cannot be reached; retriable. */
  PEER_UNREACHABLE: 'TB_PEER_UNREACHABLE',
  /** A peer answered, but refused or failed the request (HTTP 4xx/5xx, an error reply). */
  PEER_REJECTED: 'TB_PEER_REJECTED',
  /** A peer broke its protocol (framing, handshake, unexpected message). */
  PROTOCOL_VIOLATION: 'TB_PROTOCOL_VIOLATION',
  /** A port to listen on is already taken. */
  PORT_IN_USE: 'TB_PORT_IN_USE',
  /** Publishing was refused because a bounded buffer is full; retriable. */
  BUFFER_FULL: 'TB_BUFFER_FULL',
  /** The component (bus, backbone, app) is not running, or no longer. */
  NOT_RUNNING: 'TB_NOT_RUNNING',
  /** An optional dependency a feature needs is not installed. */
  DEPENDENCY_MISSING: 'TB_DEPENDENCY_MISSING',
  /** A request of a client (e.g. a zmq-app management request) is invalid. */
  REQUEST_INVALID: 'TB_REQUEST_INVALID',
} as const;

/** A known code, or a plugin's own `TB_...` code. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode] | `TB_${string}`;

export interface ThreatBusErrorOptions {
  /** Whether the same operation may succeed later. Default false. */
  retriable?: boolean;
  cause?: unknown;
}

export class ThreatBusError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;

  constructor(code: ErrorCode, message: string, options: ThreatBusErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    // Subclasses set their own name with a field initializer, which runs after this.
    this.name = 'ThreatBusError';
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** Whether `error` is a ThreatBusError, optionally with the given code. */
export function isThreatBusError(error: unknown, code?: ErrorCode): error is ThreatBusError {
  return error instanceof ThreatBusError && (code === undefined || error.code === code);
}

/** Whether retrying the operation that threw `error` may succeed (only a ThreatBusError can say so). */
export function isRetriable(error: unknown): boolean {
  return error instanceof ThreatBusError && error.retriable;
}

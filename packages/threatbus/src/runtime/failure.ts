/**
 * One line for every expected failure of the `threatbus` command: a bad
 * config, a port in use, an address this host does not have, a peer that
 * does not answer. A stack trace only for what looks like a bug in Threat Bus
 * or a plugin (TypeError and the like), or with --log-level debug.
 */
import { ConfigError } from '../config/validate';

/** Error classes that mean a programming mistake, not an operating condition. */
const BUG_CLASSES = [TypeError, RangeError, ReferenceError, SyntaxError, EvalError, URIError];

/** What an OS error code means, said for an operator. */
const ERRNO_TEXT: Record<string, string> = {
  EADDRINUSE: 'address already in use (another process listens there; pick another port or stop that process)',
  EADDRNOTAVAIL: 'address not available on this host (no local interface has that IP address)',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ECONNREFUSED: 'connection refused (nothing listens there)',
  ECONNRESET: 'connection reset by the peer',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed (DNS not answering)',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

interface ErrnoLike {
  code?: unknown;
  address?: unknown;
  port?: unknown;
  hostname?: unknown;
  cause?: unknown;
}

/** The first error in the `cause` chain that carries an OS error code. */
function errnoIn(e: unknown): ErrnoLike | undefined {
  for (let cur = e, hops = 0; cur && typeof cur === 'object' && hops < 8; cur = (cur as ErrnoLike).cause, hops++) {
    const code = (cur as ErrnoLike).code;
    if (typeof code === 'string' && code in ERRNO_TEXT) return cur as ErrnoLike;
  }
  return undefined;
}

/** True for errors that are bugs (stack trace worth printing), false for operating conditions. */
export function looksLikeBug(e: unknown): boolean {
  if (e instanceof ConfigError || errnoIn(e)) return false;
  if (!(e instanceof Error)) return true;
  // An AggregateError or plain Error from a plugin ("cannot bind ...") is an operating condition.
  return BUG_CLASSES.some((c) => e.constructor === c);
}

/** `tcp://127.0.0.1:13370`, `127.0.0.1:5672` or the host name an errno error carries. */
function addressOf(e: ErrnoLike): string | undefined {
  const host = typeof e.address === 'string' ? e.address : typeof e.hostname === 'string' ? e.hostname : undefined;
  if (host === undefined) return undefined;
  return typeof e.port === 'number' ? `${host}:${e.port}` : host;
}

/** One line (no newline) describing an error that stopped the bus from starting. */
export function describeFailure(e: unknown): string {
  // `Invalid config: ...` as the original printed it (spec/core.md §3); one line per problem.
  if (e instanceof ConfigError) return e.problems.length === 1 ? `Invalid config: ${e.message}` : `Invalid config:\n  ${e.message.split('\n').join('\n  ')}`;
  const message = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: unknown } | null)?.code;
  const errno = errnoIn(e);
  if (errno) {
    const address = addressOf(errno);
    const text = ERRNO_TEXT[errno.code as string];
    // Say the address when the message does not already.
    const where = address && !message.includes(address) ? ` at ${address}` : '';
    return `${message.replace(/\s+/g, ' ')}${where} [${String(errno.code)}: ${text}]`;
  }
  const tag = typeof code === 'string' && /^TB_[A-Z_]+$/.test(code) ? ` [${code}]` : '';
  return `${message.replace(/\s+/g, ' ')}${tag}`;
}

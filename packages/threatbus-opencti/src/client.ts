/**
 * OpenCTI over HTTP (spec/opencti.md §1.1, §4): GraphQL requests on
 * `POST <url>/graphql` and the events stream on `GET <url>/stream[/<id>]`,
 * both with `Authorization: Bearer <token>`, on node:http(s) with `ssl` as
 * the MISP plugin reads it (false: no verification; a path: CA bundle).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { ErrorCode, isJsonObject, ThreatBusError, tlsOptionsFromSsl } from 'threatbus';
import { CONFIG_PATH } from './config';
import type { OpenCtiConfig } from './config';

export const USER_AGENT = 'threatbus-opencti (Node.js)';

/** GraphQL error codes that will not go away by retrying the same request. */
const PERMANENT_GRAPHQL_CODES = new Set(['AUTH_REQUIRED', 'FORBIDDEN_ACCESS', 'UNSUPPORTED_ERROR']);

/**
 * A failed call: `TB_PEER_UNREACHABLE` without an answer (network, timeout),
 * `TB_PEER_REJECTED` when OpenCTI answered with an error. `status` is the
 * HTTP status, `graphqlCode` the code of OpenCTI's GraphQL error
 * (`AUTH_REQUIRED`, ...; OpenCTI answers those with HTTP 200, spec/opencti.md §4).
 */
export class OpenCtiError extends ThreatBusError {
  override readonly name = 'OpenCtiError';
  constructor(
    message: string,
    readonly status?: number,
    readonly graphqlCode?: string,
  ) {
    super(status === undefined ? ErrorCode.PEER_UNREACHABLE : ErrorCode.PEER_REJECTED, message, {
      retriable: status === undefined || status === 429 || status >= 500 || (graphqlCode !== undefined && !PERMANENT_GRAPHQL_CODES.has(graphqlCode)),
    });
  }
}

export class OpenCtiClient {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;

  /** TLS options for https URLs: read once (the CA bundle too), used by the pool and by the stream. */
  private readonly tls?: https.AgentOptions;

  constructor(private readonly config: Pick<OpenCtiConfig, 'url' | 'token' | 'ssl' | 'timeout'>) {
    this.base = new URL(config.url.endsWith('/') ? config.url : config.url + '/');
    if (this.base.protocol === 'https:') this.tls = tlsOptionsFromSsl(config.ssl, `${CONFIG_PATH}.ssl`);
    this.transport = this.tls ? https : http;
    // Keep-alive: a paged snapshot makes many requests in a row.
    this.agent = this.tls ? new https.Agent({ keepAlive: true, ...this.tls }) : new http.Agent({ keepAlive: true });
  }

  /** The platform's URL without a trailing slash, for log lines. */
  get origin(): string {
    return this.base.origin + this.base.pathname.replace(/\/$/, '');
  }

  url(path: string): URL {
    return new URL(path.replace(/^\//, ''), this.base);
  }

  private headers(extra: Record<string, string | number>): Record<string, string | number> {
    return { Authorization: `Bearer ${this.config.token}`, 'User-Agent': USER_AGENT, ...extra };
  }

  /** One GraphQL operation; resolves with `data`, rejects with the first error's message and code. */
  graphql(query: string, variables: Record<string, unknown>, signal?: AbortSignal): Promise<Record<string, unknown>> {
    const payload = Buffer.from(JSON.stringify({ query, variables }));
    const url = this.url('graphql');
    const operation = /^\s*(?:query|mutation)\s+(\w+)/.exec(query)?.[1] ?? 'graphql';
    return new Promise((resolve, reject) => {
      const req = this.transport.request(
        url,
        {
          method: 'POST',
          agent: this.agent,
          signal,
          headers: this.headers({ Accept: 'application/json', 'Content-Type': 'application/json', 'Content-Length': payload.length }),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown;
            try {
              body = JSON.parse(text);
            } catch {
              body = undefined;
            }
            if (status !== 200 || !isJsonObject(body)) {
              const detail = res.statusMessage || text.slice(0, 200);
              return reject(new OpenCtiError(`${operation} failed with HTTP ${status}${detail ? `: ${detail}` : ''}`, status));
            }
            const errors = body.errors;
            if (Array.isArray(errors) && errors.length > 0) {
              const first: Record<string, unknown> = isJsonObject(errors[0]) ? errors[0] : {};
              const ext = isJsonObject(first.extensions) ? first.extensions : {};
              const code = typeof ext.code === 'string' ? ext.code : typeof first.name === 'string' ? first.name : undefined;
              const message = typeof first.message === 'string' ? first.message : JSON.stringify(first).slice(0, 200);
              return reject(new OpenCtiError(`${operation} failed: ${code ? `${code}: ` : ''}${message}`, status, code));
            }
            if (!isJsonObject(body.data)) return reject(new OpenCtiError(`${operation} failed: the answer has no data`, status));
            resolve(body.data);
          });
        },
      );
      req.setTimeout(this.config.timeout * 1000, () => req.destroy(new OpenCtiError(`${operation} timed out after ${this.config.timeout}s`)));
      req.on('error', (e) => reject(e instanceof OpenCtiError ? e : new OpenCtiError(`${operation} failed: ${e.message}`)));
      req.end(payload);
    });
  }

  /**
   * Open the events stream. Resolves with the response once headers arrived
   * and the status is 200; rejects with the status and OpenCTI's reason
   * phrase otherwise (its error replies have an empty body, §1.3).
   */
  openStream(path: string, lastEventId: string | undefined, signal: AbortSignal): Promise<http.IncomingMessage> {
    const url = this.url(path);
    return new Promise((resolve, reject) => {
      const req = this.transport.request(
        url,
        {
          method: 'GET',
          // The stream holds its connection for hours: not from the keep-alive pool.
          agent: false,
          ...this.tls,
          signal,
          headers: this.headers({
            Accept: 'text/event-stream',
            'Cache-Control': 'no-cache',
            'listen-delete': 'true',
            'no-dependencies': 'true',
            ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}),
          }),
        },
        (res) => {
          // From here the heartbeat watchdog decides when the stream is silent for too long.
          req.setTimeout(0);
          const status = res.statusCode ?? 0;
          if (status !== 200) {
            res.resume();
            const reason = res.statusMessage ? `: ${res.statusMessage}` : '';
            reject(new OpenCtiError(`GET ${url.pathname} answered HTTP ${status}${reason}`, status));
            return;
          }
          const type = res.headers['content-type'] ?? '';
          if (!type.startsWith('text/event-stream')) {
            // A login page of a proxy, say: not OpenCTI's stream.
            res.resume();
            reject(new OpenCtiError(`GET ${url.pathname} answered with ${JSON.stringify(type)} instead of an event stream (is url OpenCTI's base URL?)`, status));
            return;
          }
          resolve(res);
        },
      );
      req.setTimeout(this.config.timeout * 1000, () => req.destroy(new OpenCtiError(`GET ${url.pathname}: no answer after ${this.config.timeout}s`)));
      req.on('error', (e) => reject(e instanceof OpenCtiError ? e : new OpenCtiError(`GET ${url.pathname} failed: ${e.message}`)));
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * A small client for MISP's REST API on node:http(s): JSON in and out, the
 * automation key in `Authorization`, a timeout per request (the original had
 * none, spec/quirks.md C3), and `ssl: false` meaning "do not verify the certificate"
 * (as the original; a string is a CA bundle path).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { CONFIG_PATH } from '../config';
import type { ApiConfig } from '../config';
import { ErrorCode, ThreatBusError, tlsOptionsFromSsl } from 'threatbus';

export const USER_AGENT = 'threatbus-misp (Node.js)';

/** A failed call. `status` is absent for network errors and timeouts. */
/** No answer (network, timeout: TB_PEER_UNREACHABLE) or a refusal (HTTP status: TB_PEER_REJECTED, retriable for 429 and 5xx). */
export class MispApiError extends ThreatBusError {
  override readonly name = 'MispApiError';
  constructor(
    message: string,
    readonly status?: number,
    readonly body?: unknown,
  ) {
    super(status === undefined ? ErrorCode.PEER_UNREACHABLE : ErrorCode.PEER_REJECTED, message, { retriable: status === undefined || status === 429 || status >= 500 });
  }
}

/** MISP's error bodies are `{name, message, url}` (OpenAPI `ApiError`). */
function errorText(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  const parts = [b.name, b.message].filter((p, i, all): p is string => typeof p === 'string' && p !== '' && all.indexOf(p) === i);
  if (b.errors !== undefined) parts.push(JSON.stringify(b.errors));
  return parts.length ? parts.join(': ') : undefined;
}

export class MispClient {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;

  constructor(private readonly config: Pick<ApiConfig, 'host' | 'ssl' | 'key' | 'timeout'>) {
    this.base = new URL(config.host.endsWith('/') ? config.host : config.host + '/');
    const tls = this.base.protocol === 'https:';
    this.transport = tls ? https : http;
    // Keep-alive: a paged snapshot makes many requests in a row.
    this.agent = tls
      ? new https.Agent({ keepAlive: true, ...tlsOptionsFromSsl(config.ssl, `${CONFIG_PATH}.api.ssl`) })
      : new http.Agent({ keepAlive: true });
  }

  get host(): string {
    return this.base.origin + this.base.pathname.replace(/\/$/, '');
  }

  get(path: string, signal?: AbortSignal): Promise<unknown> {
    return this.request('GET', path, undefined, signal);
  }

  post(path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    return this.request('POST', path, body, signal);
  }

  /** Close idle keep-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  /**
   * Hears, after every call, whether MISP answered (`true`; also for HTTP
   * errors other than 401/403) or not (`false`: no connection, a timeout, or
   * the key refused), with why: the plugin's `threatbus_peer_up{peer="api"}`.
   * Calls the caller aborted say nothing.
   */
  onReachability?: (up: boolean, detail: string) => void;

  private request(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    const call = this.send(method, path, body, signal);
    if (!this.onReachability) return call;
    return call.then(
      (answer) => {
        this.onReachability?.(true, 'answered');
        return answer;
      },
      (e: unknown) => {
        if (!signal?.aborted && e instanceof MispApiError) {
          const refused = e.status === 401 || e.status === 403;
          if (e.status === undefined || refused) this.onReachability?.(false, refused ? `refused the key (HTTP ${e.status})` : 'unreachable');
          else this.onReachability?.(true, 'answered');
        }
        throw e;
      },
    );
  }

  private send(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    const url = new URL(path.replace(/^\//, ''), this.base);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = this.transport.request(
        url,
        {
          method,
          agent: this.agent,
          signal,
          headers: {
            Authorization: this.config.key,
            Accept: 'application/json',
            'Content-Type': 'application/json',
            'User-Agent': USER_AGENT,
            ...(payload ? { 'Content-Length': payload.length } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text === '' ? null : JSON.parse(text);
            } catch {
              // Not JSON (an HTML error page of a proxy, say); keep the text for the message.
            }
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) {
              const detail = errorText(parsed) ?? (typeof parsed === 'string' ? parsed.slice(0, 200) : '');
              reject(new MispApiError(`${method} ${url.pathname} failed with HTTP ${status}${detail ? `: ${detail}` : ''}`, status, parsed));
              return;
            }
            resolve(parsed);
          });
        },
      );
      req.setTimeout(this.config.timeout * 1000, () => req.destroy(new MispApiError(`${method} ${url.pathname} timed out after ${this.config.timeout}s`)));
      req.on('error', (e) => reject(e instanceof MispApiError ? e : new MispApiError(`${method} ${url.pathname} failed: ${e.message}`)));
      req.end(payload);
    });
  }
}

export { errorText as mispErrorText };

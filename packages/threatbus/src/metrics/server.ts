/**
 * The operator's HTTP endpoint (docs/observability.md): `GET /metrics`
 * (Prometheus text format), `GET /healthz` (200 while the process runs) and
 * `GET /readyz` (200 once every plugin started and its peers are up, else
 * 503; both with a small JSON body naming what each plugin waits for).
 * Node's own http: three read-only routes need no framework.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BusMetrics } from './registry';

export interface MetricsServerConfig {
  enabled: boolean;
  host: string;
  port: number;
}

export const DEFAULT_METRICS_CONFIG: MetricsServerConfig = { enabled: false, host: '127.0.0.1', port: 9464 };

export interface MetricsServer {
  /** Where it listens (the real port when configured with 0). */
  readonly address: { host: string; port: number };
  close(): Promise<void>;
}

/** Listening failed for an expected reason (port in use, address not available); the message names the address. */
export class MetricsListenError extends Error {
  constructor(
    message: string,
    readonly errno: string | undefined,
  ) {
    super(message);
    this.name = 'MetricsListenError';
  }
}

export async function startMetricsServer(metrics: BusMetrics, config: Pick<MetricsServerConfig, 'host' | 'port'>): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    handle(metrics, req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`metrics collection failed: ${(error as Error).message}\n`);
    });
  });
  // A scraper that stalls must not hold a socket forever.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  await listen(server, config.host, config.port);
  const { port } = server.address() as AddressInfo;
  return {
    address: { host: config.host, port },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const where = `${host}:${port}`;
      const reason =
        error.code === 'EADDRINUSE' ? 'the port is in use'
        : error.code === 'EADDRNOTAVAIL' ? 'the address is not available on this machine'
        : error.code === 'EACCES' ? 'permission denied'
        : error.message;
      reject(new MetricsListenError(`metrics endpoint cannot listen on ${where}: ${reason} (config: metrics.host, metrics.port)`, error.code));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

async function handle(metrics: BusMetrics, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
    return;
  }
  switch (path) {
    case '/metrics': {
      const body = await metrics.text();
      res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    case '/healthz':
      json(res, 200, { status: 'ok' });
      return;
    case '/readyz': {
      const readiness = metrics.health.readiness();
      json(res, readiness.ready ? 200 : 503, readiness.plugins);
      return;
    }
    default:
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics, /healthz or /readyz\n');
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body) + '\n');
}

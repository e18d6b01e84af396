/**
 * An HTTP double of OpenCTI 6.9 for the plugin's tests, honest about what
 * spec/opencti.md says the platform does:
 * - `GET /stream` and `GET /stream/<id>` (known live streams only), with
 *   `Authorization: Bearer <token>`; a bad token or unknown stream: 401 with
 *   the message in the reason phrase and an empty body (§1.1, §1.3); a
 *   stopped stream 410; any other path 404;
 * - SSE framing `id:`/`event:`/`data:` + blank line, `connected` first (no
 *   id), heartbeats carrying the last id and a JSON-string date, ids
 *   `<ms>-<seq>` that also advance on an idle platform (§1.4);
 * - resume from `from` (query or header) or `Last-Event-ID`, exclusive;
 *   none → live events only (§1.2);
 * - `POST /graphql` validated against OpenCTI's schema (opencti-graphql.ts).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { OCTI_EXTENSION } from '../src/mapping';
import { OpenCtiGraphql } from './opencti-graphql';

export interface SseEvent {
  id: string;
  event: string;
  data: string;
}

export interface StreamRequest {
  path: string;
  headers: IncomingMessage['headers'];
  status: number;
}

const compareIds = (a: string, b: string): number => {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am - bm || as - bs;
};

export class OpenCtiDouble {
  readonly token = 'opencti-token-' + randomUUID();
  readonly graphql = new OpenCtiGraphql();
  /** Every event ever emitted (the Redis stream). */
  readonly events: SseEvent[] = [];
  readonly streamRequests: StreamRequest[] = [];
  /** Live streams that exist (`/stream/<id>`); `stopped` ones answer 410. */
  readonly liveStreams = new Set<string>(['live']);
  readonly stopped = new Set<string>();
  /** Heartbeat period (OpenCTI: 5000 ms). */
  heartbeatMs = 5000;
  /** While true, the double sends nothing at all on open streams (a hung proxy). */
  silent = false;
  private readonly clients = new Set<ServerResponse>();
  private lastMs = 0;
  private lastSeq = 0;
  private server?: Server;
  private heartbeat?: NodeJS.Timeout;

  url = '';

  /** `tls`: serve HTTPS with this key and certificate (as OpenCTI with `app:https_cert`, §4). */
  constructor(private readonly tls?: { key: Buffer; cert: Buffer }) {}

  async start(): Promise<this> {
    const handler = (req: IncomingMessage, res: ServerResponse) => this.route(req, res);
    this.server = this.tls ? createTlsServer(this.tls, handler) : createServer(handler);
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `${this.tls ? 'https' : 'http'}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.scheduleHeartbeat();
    return this;
  }

  scheduleHeartbeat(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => this.beat(), this.heartbeatMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    this.dropConnections();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Violations of OpenCTI's contract by the plugin (GraphQL documents, headers): must stay empty. */
  get violations(): string[] {
    return this.graphql.violations;
  }

  get openStreams(): number {
    return this.clients.size;
  }

  /** Cut every open stream (a proxy restart, a network blip). */
  dropConnections(): void {
    for (const c of this.clients) c.destroy();
    this.clients.clear();
  }

  private get lastId(): string | undefined {
    return this.lastMs ? `${this.lastMs}-${this.lastSeq}` : undefined;
  }

  /** The next Redis stream id: never smaller than the last one. */
  private nextId(): string {
    const now = Date.now();
    if (now > this.lastMs) {
      this.lastMs = now;
      this.lastSeq = 0;
    } else this.lastSeq++;
    return `${this.lastMs}-${this.lastSeq}`;
  }

  /** Publish an event to the stream; returns its id. */
  emit(event: string, envelope: unknown): string {
    const e = { id: this.nextId(), event, data: typeof envelope === 'string' ? envelope : JSON.stringify(envelope) };
    this.events.push(e);
    if (!this.silent) for (const c of this.clients) this.write(c, e);
    return e.id;
  }

  /** Write raw text to every open stream (for malformed framing). */
  sendRaw(text: string): void {
    for (const c of this.clients) c.write(text);
  }

  private write(res: ServerResponse, e: { id?: string; event: string; data: string }): void {
    res.write(`${e.id ? `id: ${e.id}\n` : ''}event: ${e.event}\ndata: ${e.data}\n\n`);
  }

  /** Heartbeat: when idle, the processor advances the last id to `<now>-0` (redis-stream.ts L68-75). */
  private beat(): void {
    if (this.silent) return;
    if (Date.now() > this.lastMs) {
      this.lastMs = Date.now();
      this.lastSeq = 0;
    }
    const id = this.lastId!;
    const data = JSON.stringify(new Date(this.lastMs).toISOString());
    for (const c of this.clients) this.write(c, { id, event: 'heartbeat', data });
  }

  private authorized(req: IncomingMessage): boolean {
    return req.headers.authorization === `Bearer ${this.token}`;
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://double');
    if (req.method === 'POST' && url.pathname === '/graphql') return this.serveGraphql(req, res);
    const m = /^\/stream(?:\/([^/]+))?$/.exec(url.pathname);
    if (req.method === 'GET' && m) return this.serveStream(req, res, url, m[1]);
    res.writeHead(404).end();
  }

  private refuse(req: IncomingMessage, res: ServerResponse, status: number, reason: string): void {
    this.streamRequests.push({ path: req.url ?? '', headers: req.headers, status });
    res.statusMessage = reason;
    res.writeHead(status).end();
  }

  private serveStream(req: IncomingMessage, res: ServerResponse, url: URL, streamId: string | undefined): void {
    if (!this.authorized(req)) return this.refuse(req, res, 401, 'You are not authenticated, please check your credentials');
    if (streamId !== undefined && !this.liveStreams.has(streamId)) return this.refuse(req, res, 401, 'You are not authorized, please check your credentials');
    if (streamId !== undefined && this.stopped.has(streamId)) return this.refuse(req, res, 410, 'This live stream is stopped');
    this.streamRequests.push({ path: req.url ?? '', headers: req.headers, status: 200 });
    const header = (name: string) => (typeof req.headers[name] === 'string' && req.headers[name] !== '' ? (req.headers[name] as string) : undefined);
    const from = url.searchParams.get('from') || header('from') || header('last-event-id');
    res.writeHead(200, {
      Connection: 'keep-alive',
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Access-Control-Allow-Origin': '*',
      'Cache-Control': 'no-cache, no-transform',
    });
    res.flushHeaders();
    const first = this.events[0]?.id;
    this.write(res, {
      event: 'connected',
      data: JSON.stringify({ lastEventId: this.lastId ?? '0-0', firstEventId: first ?? '0-0', firstEventDate: null, lastEventDate: null, streamSize: this.events.length, connectionId: randomUUID() }),
    });
    if (from !== undefined && !this.silent) {
      const start = from === '0' ? '0-0' : from;
      for (const e of this.events) if (compareIds(e.id, start) > 0) this.write(res, e);
    }
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
  }

  private serveGraphql(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (!/^application\/json/.test(req.headers['content-type'] ?? '')) this.violations.push(`graphql request with content-type ${req.headers['content-type']}`);
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = undefined;
      }
      const answer = this.graphql.answer(body, this.authorized(req));
      res.writeHead(answer.status, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  }
}

/** OpenCTI's STIX of an indicator as it streams it (spec/opencti.md §1.9), with its internal id in the extension. */
export function indicatorStix(
  value: string,
  opts: { detection?: boolean; revoked?: boolean; internalId?: string; updatedAt?: string; pattern?: string; type?: string } = {},
): Record<string, unknown> {
  const updatedAt = opts.updatedAt ?? new Date().toISOString();
  const ext: Record<string, unknown> = {
    extension_type: 'property-extension',
    id: opts.internalId ?? randomUUID(),
    type: 'Indicator',
    created_at: '2023-10-05T07:57:00.671Z',
    updated_at: updatedAt,
    is_inferred: false,
    creator_ids: ['88ec0c6a-13ce-5e39-b486-354fe4a7084f'],
    score: 50,
    main_observable_type: 'Domain-Name',
  };
  if (opts.detection !== false) ext.detection = true;
  return {
    id: `indicator--${randomUUID()}`,
    spec_version: '2.1',
    type: 'indicator',
    extensions: { [OCTI_EXTENSION]: ext },
    created: '2020-02-25T22:25:59.717Z',
    modified: updatedAt,
    revoked: opts.revoked ?? false,
    confidence: 75,
    lang: 'en',
    labels: ['indicator'],
    name: value,
    description: 'download location',
    pattern: opts.pattern ?? `[domain-name:value = '${value}']`,
    pattern_type: 'stix',
    valid_from: '2016-09-09T05:58:03.000Z',
  };
}

/** The event envelope (`data` of an SSE event, §1.5). */
export function envelope(type: string, stix: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const verb = type === 'create' ? 'creates' : type === 'delete' ? 'deletes' : type === 'merge' ? 'merges' : 'updates';
  return {
    version: '4',
    type,
    scope: 'external',
    message: `${verb} a ${String(stix.type)} \`${String(stix.name ?? stix.id)}\``,
    origin: { socket: 'query', ip: '::1', user_id: '88ec0c6a-13ce-5e39-b486-354fe4a7084f', group_ids: [], organization_ids: [], user_metadata: {}, referer: 'http://localhost:3000/' },
    data: stix,
    ...extra,
  };
}

/** Store an indicator for GraphQL (snapshots, `indicator(id:)`). */
export function storeIndicator(double: OpenCtiDouble, stix: Record<string, unknown>): void {
  const ext = (stix.extensions as Record<string, Record<string, unknown>>)[OCTI_EXTENSION];
  double.graphql.indicators.push({ stix, internalId: String(ext.id), updatedAt: String(ext.updated_at) });
}

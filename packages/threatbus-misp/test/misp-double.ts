/**
 * A MISP double: a real HTTP server (node:http) with MISP's paths, status
 * codes and response shapes, as described by spec/misp-openapi.yaml.
 * Every request body and every response body it sends is validated with ajv
 * against the OpenAPI schemas; violations are collected in `violations` and
 * tests assert there are none.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import { parse as parseYaml } from 'yaml';

export const OPENAPI_PATH = resolve(__dirname, '../../../spec/misp-openapi.yaml');

type Json = Record<string, unknown>;

interface OpenApi {
  paths: Record<string, Record<string, { requestBody?: { $ref?: string }; responses: Record<string, { $ref?: string }> }>>;
  components: Record<string, Record<string, Json>>;
}

let cached: { doc: OpenApi; ajv: Ajv } | undefined;

/** The OpenAPI document and an ajv instance holding it as schema `misp`. */
export function openApi(): { doc: OpenApi; ajv: Ajv } {
  if (cached) return cached;
  const doc = parseYaml(readFileSync(OPENAPI_PATH, 'utf8')) as OpenApi;
  // OpenAPI 3.0 schemas: `nullable` is understood by ajv; `example` and the like are ignored with strict off.
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
  for (const f of ['int32', 'int64', 'date-time', 'date', 'email', 'hostname', 'uri', 'url', 'ipv4', 'ipv6', 'binary', 'byte', 'password', 'float', 'double']) ajv.addFormat(f, true);
  const components = openApiToJsonSchema(doc.components) as OpenApi['components'];
  // MISP's description says `org` is oneOf(OrganisationId, OrganisationName), but both are strings and every
  // id is also a valid name, so no numeric org could ever pass; it means anyOf.
  const org = (components.schemas.AttributeRestSearchFilter.properties as Record<string, Json>).org;
  org.anyOf = org.oneOf;
  delete org.oneOf;
  ajv.addSchema({ $id: 'misp', components }, 'misp');
  cached = { doc, ajv };
  return cached;
}

/**
 * OpenAPI 3.0 → JSON schema: `nullable: true` becomes a `null` type (or a
 * `null` alternative where there is no `type`, e.g. next to `$ref`/`oneOf`).
 */
function openApiToJsonSchema(node: unknown): never {
  if (Array.isArray(node)) return node.map(openApiToJsonSchema) as never;
  if (typeof node !== 'object' || node === null) return node as never;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) if (k !== 'nullable') out[k] = openApiToJsonSchema(v);
  if ((node as Json).nullable === true) {
    if (typeof out.type === 'string') {
      out.type = [out.type, 'null'];
      if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
    } else return { anyOf: [out, { type: 'null' }] } as never;
  }
  return out as never;
}

function resolveRef<T>(doc: OpenApi, node: { $ref?: string } | T): T {
  const ref = (node as { $ref?: string }).$ref;
  if (!ref) return node as T;
  const [, , kind, name] = ref.split('/');
  return doc.components[kind][name] as T;
}

const validators = new Map<string, ValidateFunction>();
function jsonSchemaValidator(schema: Json): ValidateFunction {
  const key = JSON.stringify(schema);
  let v = validators.get(key);
  if (!v) {
    // Inline schemas refer to `#/components/...`; point them at the registered document.
    const rewritten = JSON.parse(key.replace(/"#\/components\//g, '"misp#/components/')) as Json;
    v = openApi().ajv.compile(rewritten);
    validators.set(key, v);
  }
  return v;
}

/** Validate a request body for `method path` (an OpenAPI path template). Returns error text or undefined. */
export function checkRequest(method: string, template: string, body: unknown): string | undefined {
  const { doc } = openApi();
  const op = doc.paths[template]?.[method.toLowerCase()];
  if (!op) return `${method} ${template} is not in MISP's OpenAPI description`;
  if (!op.requestBody) return undefined;
  const rb = resolveRef<{ content: Record<string, { schema: Json }> }>(doc, op.requestBody);
  const v = jsonSchemaValidator(rb.content['application/json'].schema);
  return v(body) ? undefined : `request ${method} ${template}: ${openApi().ajv.errorsText(v.errors)}`;
}

/** Validate a response body for `method path` and status. */
export function checkResponse(method: string, template: string, status: number, body: unknown): string | undefined {
  const { doc } = openApi();
  const op = doc.paths[template]?.[method.toLowerCase()];
  if (!op) return `${method} ${template} is not in MISP's OpenAPI description`;
  const r = op.responses[String(status)] ?? op.responses.default;
  if (!r) return `status ${status} is not documented for ${method} ${template}`;
  const resp = resolveRef<{ content?: Record<string, { schema: Json }> }>(doc, r);
  const schema = resp.content?.['application/json']?.schema;
  if (!schema) return undefined;
  const v = jsonSchemaValidator(schema);
  return v(body) ? undefined : `response ${status} of ${method} ${template}: ${openApi().ajv.errorsText(v.errors)}`;
}

export type Fault = 'http500' | 'error-body' | 'timeout' | 'bad-key';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

/** A MISP attribute as restSearch returns it (with its event's creator org for the org filter). */
export interface StoredAttribute {
  id: string;
  event_id: string;
  type: string;
  category: string;
  value: string;
  to_ids: boolean;
  uuid: string;
  timestamp: string;
  deleted: boolean;
  Tag?: { id: string; name: string }[];
  Event?: { id: string; orgc_id: string; org_id: string; info: string };
}

export class MispDouble {
  readonly key: string;
  readonly requests: RecordedRequest[] = [];
  readonly violations: string[] = [];
  /** Sightings MISP accepted. */
  readonly sightings: Json[] = [];
  attributes: StoredAttribute[] = [];
  /** Faults applied to the next /sightings/add requests, one per request. */
  sightingFaults: Fault[] = [];
  /** Attribute uuids MISP does not know (sightings of them get an error body). */
  private server?: http.Server | https.Server;
  private readonly hanging = new Set<http.ServerResponse>();

  constructor(
    key = 'double-api-key',
    /** Serve HTTPS with this certificate (MISP is normally behind TLS). */
    private readonly tls?: { key: Buffer; cert: Buffer },
  ) {
    this.key = key;
  }

  get url(): string {
    const a = this.server!.address() as AddressInfo;
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${a.port}`;
  }

  async start(): Promise<this> {
    // Compile the validators now: compiling MISP's large description takes longer than a request timeout.
    checkRequest('POST', '/attributes/restSearch', {});
    checkRequest('POST', '/sightings/add', {});
    for (const status of [200, 403, 404, 500]) {
      for (const t of ['/sightings/add', '/attributes/restSearch', '/servers/getVersion']) checkResponse(t === '/servers/getVersion' ? 'GET' : 'POST', t, status, {});
    }
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => this.onRequest(req, res);
    this.server = this.tls ? https.createServer({ key: this.tls.key, cert: this.tls.cert }, handler) : http.createServer(handler);
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return this;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  private send(res: http.ServerResponse, method: string, template: string, status: number, body: unknown): void {
    const problem = checkResponse(method, template, status, body);
    if (problem) this.violations.push(`double sent an invalid response: ${problem}`);
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = undefined;
      if (text !== '') {
        try {
          body = JSON.parse(text);
        } catch {
          this.violations.push(`${req.method} ${req.url}: body is not JSON: ${text.slice(0, 100)}`);
        }
      }
      const method = req.method ?? 'GET';
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      this.requests.push({ method, path, headers: req.headers, body });
      try {
        this.route(method, path, req.headers, body, res);
      } catch (e) {
        this.violations.push(`double failed on ${method} ${path}: ${(e as Error).message}`);
        res.writeHead(500);
        res.end();
      }
    });
  }

  private checkHeaders(method: string, path: string, headers: http.IncomingHttpHeaders): void {
    if (headers.accept !== 'application/json') this.violations.push(`${method} ${path}: Accept is ${headers.accept}`);
    if (method === 'POST' && headers['content-type'] !== 'application/json') this.violations.push(`${method} ${path}: Content-Type is ${headers['content-type']}`);
  }

  private route(method: string, path: string, headers: http.IncomingHttpHeaders, body: unknown, res: http.ServerResponse): void {
    const templates: Record<string, string> = {
      'GET /servers/getVersion': '/servers/getVersion',
      'POST /sightings/add': '/sightings/add',
      'POST /attributes/restSearch': '/attributes/restSearch',
    };
    const template = templates[`${method} ${path}`];
    if (!template) {
      this.violations.push(`unexpected request ${method} ${path}`);
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ name: 'Not Found', message: 'Not Found', url: path }));
      return;
    }
    this.checkHeaders(method, path, headers);
    const requestProblem = checkRequest(method, template, body);
    if (requestProblem) this.violations.push(requestProblem);

    const fault = template === '/sightings/add' ? this.sightingFaults.shift() : undefined;
    if (headers.authorization !== this.key || fault === 'bad-key') {
      const msg = 'Authentication failed. Please make sure you pass the API key of an API enabled user along in the Authorization header.';
      this.send(res, method, template, 403, { name: msg, message: msg, url: path });
      return;
    }
    if (fault === 'timeout') {
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      return; // never answers
    }
    if (fault === 'http500') {
      this.send(res, method, template, 500, { name: 'An Internal Error Has Occurred.', message: 'An Internal Error Has Occurred.', url: path });
      return;
    }
    if (template === '/servers/getVersion') {
      this.send(res, method, template, 200, { version: '2.4.180', perm_sync: false, perm_sighting: true, perm_galaxy_editor: false, request_encoding: ['gzip'] });
    } else if (template === '/sightings/add') {
      this.addSighting(res, method, template, path, body as Json, fault);
    } else {
      this.restSearch(res, method, template, body as Json);
    }
  }

  private addSighting(res: http.ServerResponse, method: string, template: string, path: string, body: Json, fault?: Fault): void {
    const attribute = this.attributes.find((a) => a.uuid === body.id || a.id === body.id);
    if (fault === 'error-body' || !attribute) {
      // MISP answers an unknown attribute with 404 and its error body.
      this.send(res, method, template, 404, { name: 'Invalid attribute.', message: 'Invalid attribute.', url: path });
      return;
    }
    const sighting = {
      id: String(this.sightings.length + 1),
      attribute_id: attribute.id,
      event_id: attribute.event_id,
      org_id: '1',
      date_sighting: typeof body.timestamp === 'string' ? body.timestamp : String(Math.floor(Date.now() / 1000)),
      uuid: '5f7b2284-0000-4ef4-b457-' + String(this.sightings.length + 1).padStart(12, '0'),
      source: typeof body.source === 'string' ? body.source : '',
      type: typeof body.type === 'string' ? body.type : '0',
      attribute_uuid: attribute.uuid,
    };
    this.sightings.push(sighting);
    this.send(res, method, template, 200, sighting);
  }

  private restSearch(res: http.ServerResponse, method: string, template: string, q: Json): void {
    const tags = Array.isArray(q.tags) ? (q.tags as string[]) : undefined;
    let hits = this.attributes.filter(
      (a) =>
        !a.deleted &&
        (q.type === undefined || a.type === q.type) &&
        (q.org === undefined || a.Event?.orgc_id === String(q.org)) &&
        (q.to_ids === undefined || a.to_ids === q.to_ids) &&
        (tags === undefined || (a.Tag ?? []).some((t) => tags.includes(t.name))),
    );
    if (typeof q.limit === 'number') {
      const page = typeof q.page === 'number' ? q.page : 1;
      hits = hits.slice((page - 1) * q.limit, page * q.limit);
    }
    this.send(res, method, template, 200, { response: { Attribute: hits } });
  }
}

/** A stored attribute with sensible MISP-shaped fields. */
export function storedAttribute(n: number, init: Partial<StoredAttribute> = {}): StoredAttribute {
  const hex = n.toString(16).padStart(12, '0');
  return {
    id: String(n),
    event_id: '1',
    type: 'ip-dst',
    category: 'Network activity',
    value: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
    to_ids: true,
    uuid: `5f7b2284-bdd8-4ef4-b457-${hex}`,
    timestamp: '1601906335',
    deleted: false,
    Tag: [],
    Event: { id: '1', orgc_id: '1', org_id: '1', info: 'test event' },
    ...init,
  };
}

/**
 * Config section `plugins.apps.zeek`. The direction is reversed against the
 * original (spec/zeek.md §2): Zeek listens on its WebSocket API and the plugin
 * connects out, so the section lists Zeek endpoints instead of a listen
 * address. The original's `host`/`port` are refused (they meant the opposite).
 */
import type { JsonSchema } from 'threatbus';

export const DEFAULT_WEBSOCKET_PATH = '/v1/messages/json';
/** zeekctl's convention for `Cluster::listen_websocket`. */
export const DEFAULT_ZEEK_WEBSOCKET_PORT = 27759;
/** Characters Zeek ≥ 8 accepts in `X-Application-Name` (others close the connection with 1008). */
export const APPLICATION_NAME_PATTERN = '^[A-Za-z0-9/_\\-.=:*@]+$';

export interface EndpointConfig {
  /** `ws://host:port/v1/messages/json` or `wss://…`; alternative to host/port/tls. */
  url?: string;
  host?: string;
  port?: number;
  tls?: boolean;
  path?: string;
  /** PEM file of the CA that signed Zeek's certificate (default: the system's CAs). */
  ca?: string;
  /** PEM client certificate and key, for a Zeek with `enable_peer_verification`. */
  cert?: string;
  key?: string;
  passphrase?: string;
  /** Verify Zeek's certificate (default true). */
  verify?: boolean;
  /** Override `application_name` for this endpoint. */
  application_name?: string;
}

export interface ZeekConfig {
  endpoints: EndpointConfig[];
  module_namespace: string;
  snapshot: number;
  reconnect: { initial_delay: number; max_delay: number };
  ack_timeout: number;
  ping_interval: number;
  application_name: string;
  intel_topic: string;
  sighting_topic: string;
  management_topic: string;
}

const seconds = (def: number, min = 0): JsonSchema => ({ type: 'number', minimum: min, default: def });

export const configSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    endpoints: {
      type: 'array',
      minItems: 1,
      default: [{ url: `ws://127.0.0.1:${DEFAULT_ZEEK_WEBSOCKET_PORT}${DEFAULT_WEBSOCKET_PATH}` }],
      items: {
        type: 'object',
        additionalProperties: false,
        anyOf: [{ required: ['url'] }, { required: ['host'] }],
        properties: {
          url: { type: 'string', pattern: '^wss?://' },
          host: { type: 'string', minLength: 1 },
          port: { type: 'integer', minimum: 1, maximum: 65535 },
          tls: { type: 'boolean' },
          path: { type: 'string', pattern: '^/' },
          ca: { type: 'string' },
          cert: { type: 'string' },
          key: { type: 'string' },
          passphrase: { type: 'string' },
          verify: { type: 'boolean' },
          application_name: { type: 'string', pattern: APPLICATION_NAME_PATTERN },
        },
      },
    },
    module_namespace: { type: 'string', default: 'Tenzir' },
    snapshot: seconds(0),
    reconnect: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { initial_delay: seconds(1, 0.01), max_delay: seconds(30, 0.01) },
    },
    ack_timeout: seconds(10, 0.01),
    ping_interval: seconds(30),
    application_name: { type: 'string', pattern: APPLICATION_NAME_PATTERN, default: 'threatbus' },
    intel_topic: { type: 'string', minLength: 1, default: 'threatbus/intel' },
    sighting_topic: { type: 'string', minLength: 1, default: 'threatbus/sighting' },
    management_topic: { type: 'string', minLength: 1, default: 'threatbus/manage' },
  },
};

/** The URL to connect to: `url` as given, or built from host/port/tls/path. */
export function endpointUrl(e: EndpointConfig): string {
  if (e.url) return e.url;
  const host = e.host ?? '127.0.0.1';
  const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${e.tls ? 'wss' : 'ws'}://${bracketed}:${e.port ?? DEFAULT_ZEEK_WEBSOCKET_PORT}${e.path ?? DEFAULT_WEBSOCKET_PATH}`;
}

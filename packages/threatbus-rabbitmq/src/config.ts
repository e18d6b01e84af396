/**
 * Configuration of the RabbitMQ backbone (`plugins.backbones.rabbitmq`).
 *
 * The keys of the original (spec/backbones.md §3.1) keep their names and defaults,
 * so an existing config.yaml works unchanged. Added: a connection URL as an
 * alternative to host/port/credentials, TLS, and the knobs of what this
 * backbone does beyond the original (prefetch, publish buffer, reconnect
 * backoff).
 */
import { hostname } from 'node:os';
import type { JsonSchema } from 'threatbus';

export interface QueueConfig {
  name_suffix: string;
  name_join_symbol: string;
  durable: boolean;
  auto_delete: boolean;
  lazy: boolean;
  exclusive: boolean;
  /** 0: unlimited. Otherwise RabbitMQ drops the oldest message when the queue is full. */
  max_items: number;
}

export interface TlsConfig {
  /** PEM file with the CA certificate(s) that signed the broker's certificate. Absent: the system's CAs. */
  ca_file?: string;
  /** PEM client certificate, for brokers that require one. */
  cert_file?: string;
  key_file?: string;
  key_passphrase?: string;
  /** Check the broker's certificate against the CAs and its host name. */
  verify_peer: boolean;
  /** Host name to check the certificate against (SNI); default: the host connected to. */
  server_name?: string;
}

export interface ReconnectConfig {
  /** Seconds before the first reconnect attempt; doubled per failed attempt. */
  initial_delay: number;
  /** Upper bound of the delay between attempts, seconds. */
  max_delay: number;
}

export interface RabbitMqConfig {
  /** `amqp://user:pass@host:port/vhost` or `amqps://…`; when given, it replaces host, port, username, password and vhost. */
  url?: string;
  host?: string;
  port?: number;
  username?: string;
  password?: string;
  vhost: string;
  /** Connect with TLS (AMQPS). */
  amqps: boolean;
  tls: TlsConfig;
  /** Heartbeat interval in seconds; absent: the broker's suggestion; 0: off. */
  heartbeat?: number;
  exchange_name: string;
  /** Declare the exchange durable, so it and its bindings survive a broker restart. false: as the original (non-durable), to share an exchange with a Python Threat Bus. */
  durable_exchange: boolean;
  /** Seconds to wait for the TCP connection and the AMQP handshake. */
  connect_timeout: number;
  queue: QueueConfig;
  /** Most unacknowledged deliveries the broker sends at once (AMQP QoS); 0: unlimited, as the original. */
  prefetch: number;
  /** Most messages waiting for the broker (not yet confirmed) before publish() rejects. */
  publish_buffer: number;
  reconnect: ReconnectConfig;
}

const required = ['host', 'port', 'username', 'password'];

/** Built once at load, like the original's validators: the default suffix is this machine's host name. */
export const configSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    url: { type: 'string', pattern: '^amqps?://' },
    host: { type: 'string', minLength: 1 },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    username: { type: 'string' },
    password: { type: 'string' },
    vhost: { type: 'string', default: '/' },
    amqps: { type: 'boolean', default: false },
    tls: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        ca_file: { type: 'string', minLength: 1 },
        cert_file: { type: 'string', minLength: 1 },
        key_file: { type: 'string', minLength: 1 },
        key_passphrase: { type: 'string' },
        verify_peer: { type: 'boolean', default: true },
        server_name: { type: 'string', minLength: 1 },
      },
    },
    heartbeat: { type: 'integer', minimum: 0 },
    // "any" in the original; names are strings on the wire, so numbers are coerced.
    exchange_name: { type: 'string', default: 'threatbus' },
    durable_exchange: { type: 'boolean', default: true },
    connect_timeout: { type: 'number', exclusiveMinimum: 0, default: 10 },
    queue: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        name_suffix: { type: 'string', default: hostname() },
        name_join_symbol: { type: 'string', default: '.' },
        durable: { type: 'boolean', default: true },
        auto_delete: { type: 'boolean', default: false },
        lazy: { type: 'boolean', default: true },
        exclusive: { type: 'boolean', default: false },
        max_items: { type: 'integer', minimum: 0, default: 0 },
      },
    },
    prefetch: { type: 'integer', minimum: 0, maximum: 65535, default: 1000 },
    publish_buffer: { type: 'integer', minimum: 1, default: 10000 },
    reconnect: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        initial_delay: { type: 'number', exclusiveMinimum: 0, default: 0.5 },
        max_delay: { type: 'number', exclusiveMinimum: 0, default: 30 },
      },
    },
  },
  // Without a URL the original's four connection keys are required.
  if: { not: { required: ['url'] } },
  then: { required },
};

/** Keys masked by `--print-config` besides `password` (a URL may carry one). */
export const secretKeys = ['url', 'tls.key_passphrase'];

/** `"threatbus" + join + suffix`, e.g. `threatbus.myhost` (spec/backbones.md §3.2). */
export function queueName(q: Pick<QueueConfig, 'name_join_symbol' | 'name_suffix'>): string {
  return `threatbus${q.name_join_symbol}${q.name_suffix}`;
}

export interface QueueDeclaration {
  queue: string;
  options: { durable: boolean; exclusive: boolean; autoDelete: boolean; arguments: Record<string, string | number> };
}

/** The queue declaration of the original, argument for argument, so both can declare the same queue. */
export function queueDeclaration(q: QueueConfig): QueueDeclaration {
  const args: Record<string, string | number> = { 'x-queue-mode': q.lazy ? 'lazy' : 'default' };
  if (q.max_items !== 0) args['x-max-length'] = q.max_items;
  return { queue: queueName(q), options: { durable: q.durable, exclusive: q.exclusive, autoDelete: q.auto_delete, arguments: args } };
}

/**
 * Where and how to connect: the config turned into amqplib's connect
 * arguments, once, at start (TLS files are read then, so a wrong path fails
 * the start with the key that names it instead of every reconnect).
 */
import { readFileSync } from 'node:fs';
import type { Options, SocketOptions } from 'amqplib';
import type { RabbitMqConfig } from './config';
import { ErrorCode, ThreatBusError } from 'threatbus';

export interface Endpoint {
  target: string | Options.Connect;
  socketOptions: SocketOptions;
  /** For logs: `amqp://guest@127.0.0.1:5672/` (never the password). */
  display: string;
  /** `host:port`, for one-line errors. */
  address: string;
  /** The user name (for the "refused the credentials" line), '' when none. */
  user: string;
  /** Most milliseconds for the TCP connection and the AMQP handshake (`connect_timeout`). */
  connectTimeoutMs: number;
  tls: boolean;
}

/** A connection setting cannot be used (a TLS file, the URL): a config problem. */
export class EndpointError extends ThreatBusError {
  override readonly name = 'EndpointError';
  constructor(message: string) {
    super(ErrorCode.CONFIG_INVALID, message);
  }
}

function readPem(key: string, path: string | undefined): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (e) {
    throw new EndpointError(`tls.${key}: cannot read '${path}': ${(e as Error).message}`);
  }
}

/** `name` tells this connection apart in the management UI and `rabbitmqctl list_connections`. */
export function buildEndpoint(config: RabbitMqConfig, name: string): Endpoint {
  let target: string | Options.Connect;
  let display: string;
  let tls: boolean;
  let host: string;
  let address: string;
  let user: string;
  if (config.url !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(config.url);
    } catch {
      throw new EndpointError(`url: not a valid URL`);
    }
    tls = parsed.protocol === 'amqps:';
    host = parsed.hostname.replace(/^\[|\]$/g, '');
    const vhost = parsed.pathname.length > 1 ? decodeURIComponent(parsed.pathname.slice(1)) : '/';
    const port = parsed.port || (tls ? '5671' : '5672');
    display = `${parsed.protocol}//${parsed.username ? decodeURIComponent(parsed.username) + '@' : ''}${parsed.hostname}:${port}/ vhost '${vhost}'`;
    address = `${parsed.hostname}:${port}`;
    user = decodeURIComponent(parsed.username);
    target = config.url;
  } else {
    // The schema requires these four when there is no URL.
    tls = config.amqps;
    host = config.host as string;
    const protocol = tls ? 'amqps' : 'amqp';
    target = {
      protocol,
      hostname: host,
      port: config.port,
      username: config.username,
      password: config.password,
      vhost: config.vhost,
      ...(config.heartbeat !== undefined ? { heartbeat: config.heartbeat } : {}),
    };
    display = `${protocol}://${config.username}@${host}:${config.port}/ vhost '${config.vhost}'`;
    address = `${host.includes(':') ? `[${host}]` : host}:${config.port}`;
    user = config.username ?? '';
  }
  // `timeout`: amqplib drops a socket idle this long before the handshake completed (Link adds an overall limit).
  const socketOptions: SocketOptions = { clientProperties: { connection_name: name }, noDelay: true, timeout: config.connect_timeout * 1000 };
  if (tls) {
    const t = config.tls;
    const ca = readPem('ca_file', t.ca_file);
    const cert = readPem('cert_file', t.cert_file);
    const key = readPem('key_file', t.key_file);
    if (ca) socketOptions.ca = [ca];
    if (cert) socketOptions.cert = cert;
    if (key) socketOptions.key = key;
    if (t.key_passphrase !== undefined) socketOptions.passphrase = t.key_passphrase;
    socketOptions.rejectUnauthorized = t.verify_peer;
    if (t.server_name) socketOptions.servername = t.server_name;
    else if (!/^[\d.]+$|:/.test(host)) socketOptions.servername = host;
  }
  return { target, socketOptions, display, address, user, tls, connectTimeoutMs: config.connect_timeout * 1000 };
}

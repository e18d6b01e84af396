/**
 * Config section `plugins.apps.zmq`. The first four keys are the original's
 * (same names, same example values as defaults); the rest are new and bound
 * what the original left unbounded.
 */
import type { JsonSchema } from 'threatbus';
import { curveConfigSchema } from './curve/config';
import type { CurveConfig } from './curve/config';

export interface ZmqAppConfig {
  /** Bind address of all three sockets. */
  host: string;
  /** REP port for subscribe/unsubscribe/heartbeat. 0: any free port (tests). */
  manage: number;
  /** PUB port, bus → apps. */
  pub: number;
  /** SUB port, apps → bus. */
  sub: number;
  /** ZeroMQ send high-water mark per connected app on the PUB socket (messages; 0 = unlimited). */
  pub_hwm: number;
  /** ZeroMQ receive high-water mark per connected app on the SUB socket. */
  sub_hwm: number;
  /** Messages held per subscription before the oldest are dropped (with a warning). */
  queue_size: number;
  /** Seconds without heartbeat (or any management request naming the subscription) after which it is removed; 0 = never. */
  subscription_timeout: number;
  /** Seconds a new subscription's messages wait for the app's SUB socket to connect before they are sent anyway. */
  join_timeout: number;
  /** Largest frame (bytes) accepted on the management and sub sockets; larger ones are dropped by ZeroMQ (ZMQ_MAXMSGSIZE), which disconnects that peer. */
  max_message_size: number;
  /** Topics one subscribe request may name; more are refused with an error reply. */
  max_topics_per_subscription: number;
  /** Subscribe requests asking for a snapshot accepted per minute (all clients together); 0 = no limit. */
  snapshot_requests_per_minute: number;
  /** CURVE encryption and client authentication on all three sockets (src/curve/, docs/security.md); absent: plain sockets. */
  curve?: CurveConfig;
}

export const DEFAULT_MAX_MESSAGE_SIZE = 4 * 1024 * 1024;

const port = (example: number): JsonSchema => ({ type: 'integer', minimum: 0, maximum: 65535, default: example });

export const configSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    host: { type: 'string', minLength: 1, default: '127.0.0.1' },
    manage: port(13370),
    pub: port(13371),
    sub: port(13372),
    pub_hwm: { type: 'integer', minimum: 0, default: 100_000 },
    sub_hwm: { type: 'integer', minimum: 0, default: 100_000 },
    queue_size: { type: 'integer', minimum: 1, default: 100_000 },
    subscription_timeout: { type: 'number', minimum: 0, default: 600 },
    join_timeout: { type: 'number', minimum: 0, default: 5 },
    max_message_size: { type: 'integer', minimum: 1024, maximum: 0x1fffffe8, default: DEFAULT_MAX_MESSAGE_SIZE },
    max_topics_per_subscription: { type: 'integer', minimum: 1, default: 32 },
    snapshot_requests_per_minute: { type: 'integer', minimum: 0, default: 10 },
    curve: curveConfigSchema,
  },
};

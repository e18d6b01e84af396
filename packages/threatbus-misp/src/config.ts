/**
 * Config of `plugins.apps.misp` (spec/misp.md §2): JSON schema with defaults, and
 * the cross-key rule the schema cannot say clearly (exactly one of `zmq` and
 * `kafka`).
 *
 * Changes from the original: `kafka.poll_interval` accepts integers (quirk
 * C12); unknown keys, also inside filter entries, are errors (the original
 * ignored `org:` in a filter, which then matched everything); the `api`
 * section has optional tuning keys.
 */
import { caBundleProblems, ConfigError } from 'threatbus';
import type { PluginConfigProblem } from 'threatbus';
import type { JsonSchema } from 'threatbus';
import type { MispFilter } from './mapping/filter';
import { optionalProblem } from './intake/optional';

export interface ApiConfig {
  /** MISP base URL incl. scheme. */
  host: string;
  /** false: do not verify the TLS certificate; a string: path of a CA bundle to verify against. */
  ssl: boolean | string;
  key: string;
  /** Seconds per HTTP request. */
  timeout: number;
  /** Seconds a failing sighting is retried before it counts as failed. */
  retry_for: number;
  /** First retry delay in seconds; doubles per attempt up to 60 s. */
  retry_delay: number;
  /** Sightings reported concurrently (each retries on its own). */
  max_in_flight: number;
  /** Attributes per restSearch page during snapshots. */
  page_size: number;
  /** restSearch calls in flight at once, over all snapshot requests; more wait their turn. */
  max_concurrent_searches: number;
}

export interface ZmqConfig {
  host: string;
  port: number;
  /** Largest frame (bytes) taken from MISP; larger ones are dropped by ZeroMQ (ZMQ_MAXMSGSIZE), which then reconnects. */
  max_message_size: number;
}

export interface KafkaConfig {
  topics: string[];
  /** Seconds a poll waits for messages. */
  poll_interval: number;
  /** Seconds between offset commits (of what every local subscriber has taken). */
  commit_interval: number;
  /** librdkafka settings, passed as-is. */
  config: Record<string, string | number | boolean>;
}

export interface MispConfig {
  api?: ApiConfig;
  filter: MispFilter[];
  zmq?: ZmqConfig;
  kafka?: KafkaConfig;
}

const stringList = { type: 'array', items: { type: 'string' } };

export const configSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    api: {
      type: 'object',
      additionalProperties: false,
      required: ['host', 'ssl', 'key'],
      properties: {
        host: { type: 'string', pattern: '^https?://', description: 'MISP base URL, e.g. https://misp.example.org' },
        ssl: { type: ['boolean', 'string'], description: 'false: do not verify the certificate; a path: CA bundle' },
        key: { type: 'string', minLength: 1 },
        timeout: { type: 'number', exclusiveMinimum: 0, default: 30 },
        retry_for: { type: 'number', minimum: 0, default: 300 },
        retry_delay: { type: 'number', exclusiveMinimum: 0, default: 1 },
        max_in_flight: { type: 'integer', minimum: 1, default: 8 },
        page_size: { type: 'integer', minimum: 1, default: 1000 },
        max_concurrent_searches: { type: 'integer', minimum: 1, default: 4 },
      },
    },
    filter: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          orgs: { type: 'array', items: { type: ['string', 'integer'] } },
          types: stringList,
          tags: stringList,
        },
      },
    },
    zmq: {
      type: 'object',
      additionalProperties: false,
      required: ['host', 'port'],
      properties: {
        host: { type: 'string', minLength: 1 },
        port: { type: 'integer', minimum: 1, maximum: 65535 },
        max_message_size: { type: 'integer', minimum: 1024, maximum: 0x1fffffe8, default: 4 * 1024 * 1024 },
      },
    },
    kafka: {
      type: 'object',
      additionalProperties: false,
      required: ['topics', 'config'],
      properties: {
        topics: { ...stringList, minItems: 1 },
        poll_interval: { type: 'number', exclusiveMinimum: 0, default: 1.0 },
        commit_interval: { type: 'number', exclusiveMinimum: 0, default: 1.0 },
        config: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
      },
    },
  },
};

/** Dotted path of the plugin's section; the name is fixed by package.json. */
export const CONFIG_PATH = 'plugins.apps.misp';

/** Exactly one intake (spec/misp.md §2): the plugin's `validate` hook, so `threatbus --check` reports it with every other problem. */
export function intakeProblems(config: MispConfig): PluginConfigProblem[] {
  const problem =
    config.zmq && config.kafka
      ? `configure either '${CONFIG_PATH}.zmq' or '${CONFIG_PATH}.kafka', not both (MISP would deliver every attribute twice)`
      : !config.zmq && !config.kafka
        ? `one of '${CONFIG_PATH}.zmq' (MISP's ZeroMQ publisher) or '${CONFIG_PATH}.kafka' (MISP's Kafka export) is required`
        : undefined;
  return problem ? [{ path: '', message: problem }] : [];
}

/**
 * `api.ssl` naming a CA bundle that cannot be read (found by `threatbus
 * --check`, not at start). Only for an https host: over http the key is not
 * used, and a stale path there must not stop a working setup.
 */
export function apiProblems(config: MispConfig): PluginConfigProblem[] {
  // Reads the file, not just access(): a directory is accessible but not a bundle (EISDIR).
  return caBundleProblems(config.api?.host ?? '', config.api?.ssl, 'api.ssl');
}

/**
 * The configured intake's library must load (node-rdkafka is an optional peer
 * dependency, so a Kafka config may meet an install without it): reported by
 * `--check`, and at start before any plugin runs, once, naming the package.
 */
export function intakeLibraryProblems(config: MispConfig): PluginConfigProblem[] {
  const problem = config.kafka
    ? optionalProblem('node-rdkafka', `${CONFIG_PATH}.kafka`, 'Apache Kafka')
    : config.zmq
      ? optionalProblem('zeromq', `${CONFIG_PATH}.zmq`, 'ZeroMQ')
      : undefined;
  return problem ? [{ path: config.kafka ? 'kafka' : 'zmq', message: problem }] : [];
}

/** The plugin's `validate` hook: every cross-key, file and library problem at once. */
export function configProblems(config: MispConfig): PluginConfigProblem[] {
  const intake = intakeProblems(config);
  return [...intake, ...(intake.length ? [] : intakeLibraryProblems(config)), ...apiProblems(config)];
}

/** Throws a ConfigError naming both keys when `intakeProblems` finds one (for code that builds a MispApp directly). */
export function checkIntake(config: MispConfig): void {
  const problems = intakeProblems(config);
  if (problems.length) throw new ConfigError(problems.map((p) => ({ path: CONFIG_PATH, message: p.message })));
}

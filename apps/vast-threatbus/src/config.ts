/**
 * Configuration (spec/vast-app.md §1): YAML file, `.env`, environment
 * variables `VAST_THREATBUS_<KEY>` (`__` for nesting), CLI flags — later
 * sources win. Validated against a JSON schema with defaults; unknown keys are
 * errors, so typos are caught.
 */
import { applyEnvOverrides, ConfigError, isJsonObject, loadRawConfig, loggingConfigSchema, metricsEndpointSchema, validateAgainst } from 'threatbus';
import type { JsonObject } from 'threatbus';
import type { ConfigProblem, JsonSchema, LoggingConfig } from 'threatbus';
import type { BackendName } from './backend';
import { curvePublicKey, z85KeySchema } from 'threatbus-zmq-app/client';

export const ENV_PREFIX = 'VAST_THREATBUS_';
export interface VastThreatBusConfig {
  logging: LoggingConfig;
  backend: BackendName;
  vast: string;
  /** Resolved after validation: `vast` or `tenzir` by backend when not set. */
  vast_binary: string;
  threatbus: string;
  /** CURVE keys for the Threat Bus connection when its zmq-app has `curve` set (docs/security.md); absent: plain sockets. */
  curve?: { server_key: string; public_key: string; secret_key: string };
  snapshot: number;
  live_match: boolean;
  matcher_name: string | null;
  retro_match: boolean;
  retro_match_max_events: number;
  retro_match_timeout: number;
  max_background_tasks: number;
  metrics: { interval: number; filename: string; endpoint: { enabled: boolean; host: string; port: number } };
  transform_context: string | null;
  sink: string | null;
}

const endpoint = { type: 'string', pattern: '^\\S+:\\d+$' };

export const configSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    logging: loggingConfigSchema('vast-threatbus.log'),
    backend: { type: 'string', enum: ['vast', 'tenzir'], default: 'vast' },
    vast: { ...endpoint, default: 'localhost:42000' },
    vast_binary: { type: ['string', 'null'], minLength: 1, default: null },
    threatbus: { ...endpoint, default: 'localhost:13370' },
    // No default: absent means plain sockets, and the defaults stay the original's.
    curve: {
      type: 'object',
      additionalProperties: false,
      required: ['server_key', 'public_key', 'secret_key'],
      properties: { server_key: z85KeySchema, public_key: z85KeySchema, secret_key: z85KeySchema },
    },
    snapshot: { type: 'integer', minimum: 0, default: 30 },
    live_match: { type: 'boolean', default: false },
    matcher_name: { type: ['string', 'null'], minLength: 1, default: null },
    retro_match: { type: 'boolean', default: true },
    retro_match_max_events: { type: 'integer', minimum: 0, default: 0 },
    // Integers are fine too (the original rejected `5`, spec/quirks.md F13).
    retro_match_timeout: { type: 'number', minimum: 0, default: 3600 },
    max_background_tasks: { type: 'integer', minimum: 1, default: 500 },
    metrics: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        interval: { type: 'integer', minimum: 0, default: 10 },
        filename: { type: 'string', minLength: 1, default: 'metrics.log' },
        // Prometheus /metrics, /healthz, /readyz as the bus serves them (docs/observability.md); the Influx file stays.
        endpoint: metricsEndpointSchema(9465),
      },
    },
    transform_context: { type: ['string', 'null'], minLength: 1, default: null },
    sink: { type: ['string', 'null'], minLength: 1, default: null },
  },
};


/** Apply `VAST_THREATBUS_*` variables (mutates `data`) with the core's rules; returns dotted path → variable name. */
export function applyEnv(data: JsonObject, env: NodeJS.ProcessEnv): Map<string, string> {
  return applyEnvOverrides(data, env, envOverrides());
}

function envOverrides(): { prefix: string; topLevelKeys: string[] } {
  return { prefix: ENV_PREFIX, topLevelKeys: Object.keys(configSchema.properties as JsonObject) };
}

function merge(target: JsonObject, source: JsonObject): JsonObject {
  for (const [k, v] of Object.entries(source)) {
    if (v === undefined) continue;
    target[k] = isJsonObject(v) && isJsonObject(target[k]) ? merge(target[k] as JsonObject, v) : v;
  }
  return target;
}

export interface LoadConfigOptions {
  /** `-c` path; must end in .yaml/.yml. Absent: ./config.yaml or ./config.yml if present, else defaults only. */
  path?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Values from CLI flags (highest precedence), nested like the file. */
  overrides?: JsonObject;
}

/** Read, merge and validate the configuration (the core's loader: file, .env, VAST_THREATBUS_*). Throws ConfigError listing every problem with its key path. */
export function loadConfig(options: LoadConfigOptions = {}): VastThreatBusConfig {
  // The original's message and its plain suffix test (spec/vast-app.md); everything else is the core's.
  if (options.path !== undefined && !/\.ya?ml$/i.test(options.path)) {
    throw new ConfigError([{ path: '', message: 'Please provide a `yaml` or `yml` configuration file.' }]);
  }
  const raw = loadRawConfig({ path: options.path, cwd: options.cwd, env: options.env, envOverrides: envOverrides(), allowEmpty: true });
  if (options.overrides) merge(raw.data, structuredClone(options.overrides));
  return validateConfig(raw.data, (path) => (raw.envOrigins.has(path) ? `env ${raw.envOrigins.get(path)}` : raw.file));
}

/** Validate an already merged config object (mutated: defaults filled in). */
export function validateConfig(data: JsonObject, sourceOf: (path: string) => string | undefined = () => undefined): VastThreatBusConfig {
  const problems: ConfigProblem[] = validateAgainst(configSchema, data, [], sourceOf);
  if (problems.length === 0) {
    if (data.live_match === true && !data.matcher_name) {
      problems.push({ path: 'matcher_name', message: 'is required when live_match is true (the name of an existing VAST matcher)' });
    }
    const curve = data.curve as VastThreatBusConfig['curve'] | undefined;
    if (curve && curvePublicKey(curve.secret_key) !== curve.public_key) {
      problems.push({ path: 'curve.public_key', message: 'is not the public key of curve.secret_key (use the pair keygen wrote)' });
    }
    if (data.live_match === true && data.backend === 'tenzir') {
      problems.push({ path: 'live_match', message: 'is only supported with backend vast (Tenzir has no matcher plugin)' });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const config = data as unknown as VastThreatBusConfig;
  if (config.vast_binary === null) config.vast_binary = config.backend;
  return config;
}

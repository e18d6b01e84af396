/** JSON schema of the core's part of the config (spec/core.md §3.1). Plugin sections have their own schemas. */
import { LOG_LEVEL_NAMES } from '../logging';
import type { JsonSchema } from '../plugin';

const level = { type: 'string', enum: LOG_LEVEL_NAMES, default: 'INFO' };

/** Schema of a `logging` section (LoggingConfig); apps built on the core (vast-threatbus) use it too. */
export function loggingConfigSchema(defaultFilename: string): JsonSchema {
  return {
    type: 'object',
    additionalProperties: false,
    default: {},
    properties: {
      console: { type: 'boolean', default: true },
      console_verbosity: level,
      file: { type: 'boolean', default: false },
      file_verbosity: level,
      // The original documented a default file name but never applied it (spec/core.md §3.1); we apply it.
      filename: { type: 'string', minLength: 1, default: defaultFilename },
      format: { type: 'string', enum: ['text', 'json'], default: 'text' },
    },
  };
}

/** Schema of a metrics endpoint section (MetricsServerConfig, off by default); vast-threatbus uses it too. */
export function metricsEndpointSchema(defaultPort: number): JsonSchema {
  return {
    type: 'object',
    additionalProperties: false,
    default: {},
    properties: {
      enabled: { type: 'boolean', default: false },
      host: { type: 'string', minLength: 1, default: '127.0.0.1' },
      port: { type: 'integer', minimum: 0, maximum: 65535, default: defaultPort },
    },
  };
}

export const coreConfigSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['plugins'],
  properties: {
    logging: loggingConfigSchema('threatbus.log'),
    // The operator's HTTP endpoint: /metrics, /healthz, /readyz (docs/observability.md). Off unless asked for.
    metrics: metricsEndpointSchema(9464),
    plugins: {
      type: 'object',
      additionalProperties: false,
      required: ['apps'],
      properties: {
        backbones: { type: ['object', 'null'], default: {} },
        apps: { type: ['object', 'null'] },
      },
    },
  },
};

/** Top-level keys the environment may override (THREATBUS_<KEY>__...). */
export const TOP_LEVEL_KEYS = ['logging', 'metrics', 'plugins'];

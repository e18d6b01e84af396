/**
 * Config of `plugins.apps.opencti`: JSON schema with defaults, and the file
 * check the schema cannot do (a CA bundle named by `ssl` must be readable).
 * Durations are in seconds, like every other plugin's.
 */
import { caBundleProblems } from 'threatbus';
import type { JsonSchema, PluginConfigProblem } from 'threatbus';

export interface OpenCtiConfig {
  /** Base URL of the platform incl. scheme (and `app:base_path`), e.g. https://opencti.example.org */
  url: string;
  /** API token of the OpenCTI user the plugin acts as. */
  token: string;
  /** Id of a live stream (Data sharing → Live streams); absent: the raw stream `/stream` (needs BYPASS). */
  stream_id?: string;
  /** Only indicators whose detection flag is on travel; turning it off removes the indicator. */
  detection_only: boolean;
  /** Organization the sightings are reported by (found or created at start). */
  entity_name: string;
  entity_description: string;
  /** true: verify TLS; false: do not; a string: CA bundle path to verify against. */
  ssl: boolean | string;
  /** Where the last stream event id is kept across restarts (relative: to the working directory); false: nowhere, a restart begins with live events. */
  state_file: string | false;
  /** Indicators per GraphQL page during snapshots. */
  page_size: number;
  /** Seconds per GraphQL request. */
  timeout: number;
  /** Seconds without any data or heartbeat before the stream is reconnected. */
  heartbeat_timeout: number;
  reconnect: {
    /** First delay in seconds before reconnecting; doubles per failed attempt up to `max_delay`. */
    initial_delay: number;
    max_delay: number;
  };
  sightings: {
    /** Seconds a failing sighting is retried before it counts as failed. */
    retry_for: number;
    /** First retry delay in seconds; doubles per attempt up to 60 s. */
    retry_delay: number;
  };
}

/** An optional nested section whose keys all have defaults. */
function subsection(properties: Record<string, JsonSchema>): JsonSchema {
  return { type: 'object', additionalProperties: false, default: {}, properties };
}

export const configSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['url', 'token'],
  properties: {
    url: { type: 'string', pattern: '^https?://', description: 'OpenCTI base URL, e.g. https://opencti.example.org' },
    token: { type: 'string', minLength: 1 },
    stream_id: { type: 'string', minLength: 1, pattern: '^[^/?#]+$' },
    detection_only: { type: 'boolean', default: false },
    entity_name: { type: 'string', minLength: 1, default: 'Threat Bus' },
    entity_description: { type: 'string', default: 'Threat Bus: sightings of indicators reported by security tools' },
    ssl: { type: ['boolean', 'string'], default: true },
    state_file: { type: ['string', 'boolean'], minLength: 1, default: 'opencti-state.json', description: 'a path, or false' },
    page_size: { type: 'integer', minimum: 1, maximum: 5000, default: 500 },
    timeout: { type: 'number', exclusiveMinimum: 0, default: 30 },
    heartbeat_timeout: { type: 'number', exclusiveMinimum: 0, default: 45 },
    reconnect: subsection({
      initial_delay: { type: 'number', exclusiveMinimum: 0, default: 1 },
      max_delay: { type: 'number', exclusiveMinimum: 0, default: 60 },
    }),
    sightings: subsection({
      retry_for: { type: 'number', minimum: 0, default: 300 },
      retry_delay: { type: 'number', exclusiveMinimum: 0, default: 1 },
    }),
  },
};

export const CONFIG_PATH = 'plugins.apps.opencti';

/** The plugin's `validate` hook: `state_file: true`, and an unreadable CA bundle for an https URL (over http `ssl` is unused). */
export function configProblems(config: OpenCtiConfig): PluginConfigProblem[] {
  const problems: PluginConfigProblem[] = [];
  if ((config.state_file as unknown) === true) problems.push({ path: 'state_file', message: 'must be a file path, or false for no state file' });
  return [...problems, ...caBundleProblems(config.url, config.ssl, 'ssl')];
}

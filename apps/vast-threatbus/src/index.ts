/**
 * vast-threatbus: connects VAST/Tenzir with Threat Bus (an app, not a
 * plugin: it talks to the bus through the zmq-app protocol). The CLI is
 * `cli.ts`; everything here is for embedding and testing.
 */
export { VastThreatBusApp } from './app';
export type { AppOptions } from './app';
export { loadConfig, validateConfig, configSchema, applyEnv, ENV_PREFIX } from './config';
export type { VastThreatBusConfig, LoadConfigOptions } from './config';
export { makeBackend, vastBackend, tenzirBackend } from './backend';
export type { Backend, BackendName, MatcherCommands, RetroOptions } from './backend';
export {
  vastEscape,
  iocQuery,
  indicatorToQueryResult,
  indicatorToVastQuery,
  indicatorToVastMatcherIoc,
  indicatorToMatcherIocs,
  vastTypeAndValue,
  pointVastIoc,
} from './query';
export type { VastIoc, VastIocType, MatcherIoc, QueryResult } from './query';
export { queryResultToSighting, matcherResultToSighting, UNKNOWN_INDICATOR_REF } from './sightings';
export { toStixTimestamp } from './time';
export { Gauge, InfiniteGauge, Summary, AppMetrics, MetricsWriter, metricsLine, pyNumber, pyFloat } from './metrics';
export type { Metric } from './metrics';
export { templateCommand, transformContext, sendToSink, sightingIoc, contextJson, isStdoutSink } from './transform';
export { shlexSplit, ShlexError } from './shlex';
export { run, spawnLines, describeCommand } from './process';
export type { Command, RunResult } from './process';

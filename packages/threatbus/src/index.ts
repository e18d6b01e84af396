/**
 * Public API of the Threat Bus core, the contract plugins and apps build on:
 * plugin types and define*, messages, STIX, topics, errors, the wire codec,
 * config and logging helpers, and startThreatBus. Plugins and apps import
 * from here only; their tests also use `threatbus/testing`.
 */
export * from './errors';
export * from './stix';
export * from './messages';
export { encodeMessage, decodeMessage, toMessage, parseJson, MessageDecodeError } from './codec';
export { pythonJsonStringify, MessageEncodeError, MAX_ENCODE_DEPTH } from './pyjson';
export { createMessageMemo } from './message-memo';
export { isJsonObject } from './json-object';
export type { JsonObject, JsonValue } from './json-object';
export type { MessageMemo } from './message-memo';
export { MessageQueue, DEFAULT_QUEUE_CAPACITY, warnOnOverflow } from './queue';
export type { Subscriber, MessageQueueOptions } from './queue';
export { LogLimiter, DEFAULT_LOG_INTERVAL_MS } from './log-limit';
export { markDelivered } from './delivery';
export type { DeliveryListener, PublishOptions } from './delivery';
export * from './plugin';
export { createLogger, silentLogger, normalizeLogLevel, DEFAULT_LOGGING, LOG_LEVEL_NAMES } from './logging';
export type { Logger, LogMeta, LoggingConfig, LogLevelName, LoggerHandle } from './logging';
export * from './config';
export type { PlanOptions, ThreatBusConfig } from './plan';
// The runtime (ThreatBus, TopicRouter, planBus, discovery, the in-memory backbone) is not part of the
// contract: the CLI and threatbus/testing import it directly; embedders start a bus with startThreatBus.
export { startThreatBus } from './start';
export { BusMetrics, detachedPluginMetrics, startMetricsServer, MetricsListenError } from './metrics';
export type { PluginMetrics, PluginCounter, PluginGauge, PluginHistogram, MetricMessageType, MetricsServer, MetricsServerConfig } from './metrics';
export type { StartOptions, StartedBus } from './start';

/**
 * Public API of the Threat Bus core, the contract plugins and apps build on:
 * plugin types and define*, messages, STIX, topics, errors, the wire codec,
 * config and logging helpers, and startThreatBus. Plugins and apps import
 * from here only; their tests also use `threatbus/testing`.
 */
export * from './errors';
export * from './stix';
export * from './messages';
export { encodeMessage, decodeMessage, decodeEncodedMessage, toMessage, parseJson, MessageDecodeError } from './wire/codec';
export { pythonJsonStringify, MessageEncodeError, MAX_ENCODE_DEPTH } from './wire/pyjson';
export { createMessageMemo } from './wire/message-memo';
export { isJsonObject } from './wire/json-object';
export type { JsonObject, JsonValue } from './wire/json-object';
export type { MessageMemo } from './wire/message-memo';
export { MessageQueue, DEFAULT_QUEUE_CAPACITY, warnOnOverflow } from './runtime/queue';
export type { MessageSubscriber, Subscriber, MessageQueueOptions } from './runtime/queue';
export { LogLimiter, DEFAULT_LOG_INTERVAL_MS } from './helpers/log-limit';
export { retryWithBackoff, sleepUnlessAborted, DEFAULT_MAX_RETRY_DELAY_MS } from './helpers/retry';
export { BoundedTasks } from './helpers/bounded-tasks';
export type { RetryOptions, RetryOutcome } from './helpers/retry';
export { tlsOptionsFromSsl, readCaBundle, caBundleProblems } from './helpers/tls';
export type { SslSetting, TlsClientOptions } from './helpers/tls';
export { markDelivered } from './runtime/delivery';
export type { DeliveryListener, PublishOptions } from './runtime/delivery';
export * from './plugin';
export { createLogger, silentLogger, normalizeLogLevel, DEFAULT_LOGGING, LOG_LEVEL_NAMES } from './logging';
export type { Logger, LogMeta, LoggingConfig, LogLevelName, LoggerHandle } from './logging';
export * from './config';
export type { PlanOptions, ThreatBusConfig } from './runtime/plan';
// The runtime (ThreatBus, TopicRouter, planBus, discovery, the in-memory backbone) is not part of the
// contract: the CLI and threatbus/testing import it directly; embedders start a bus with startThreatBus.
export { startThreatBus } from './runtime/start';
export { BusMetrics, detachedPluginMetrics, startMetricsServer, MetricsListenError } from './metrics';
export type { PluginMetrics, PluginCounter, PluginGauge, PluginHistogram, MetricMessageType, MetricsServer, MetricsServerConfig } from './metrics';
export type { StartOptions, StartedBus } from './runtime/start';

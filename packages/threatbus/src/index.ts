/**
 * Public API of the Threat Bus core. Plugins and apps import from here only.
 */
export * from './errors';
export * from './stix';
export * from './messages';
export { encodeMessage, decodeMessage, toMessage, parseJson, MessageDecodeError } from './codec';
export { pythonJsonStringify } from './pyjson';
export { createMessageMemo } from './message-memo';
export { isJsonObject } from './json-object';
export type { MessageMemo } from './message-memo';
export { MessageQueue, DEFAULT_QUEUE_CAPACITY, warnOnOverflow } from './queue';
export type { Subscriber, MessageQueueOptions } from './queue';
export { TopicRouter } from './router';
export { markDelivered } from './delivery';
export type { DeliveryListener, PublishOptions } from './delivery';
export * from './plugin';
export { createLogger, silentLogger, normalizeLogLevel, DEFAULT_LOGGING, LOG_LEVEL_NAMES } from './logging';
export type { Logger, LogMeta, LoggingConfig, LogLevelName, LoggerHandle } from './logging';
export * from './config';
export { planBus } from './plan';
export type { BusPlan, PlannedPlugin, PlanOptions, ThreatBusConfig } from './plan';
export { ThreatBus } from './bus';
export { discoverPlugins, loadPlugin, suggestedPackage, PACKAGE_PREFIX } from './discovery';
export type { InstalledPlugin } from './discovery';
export { inmemBackbone } from './backbones/inmem';
export { startThreatBus } from './start';
export { BusMetrics, detachedPluginMetrics, startMetricsServer, MetricsListenError } from './metrics';
export type { PluginMetrics, PluginCounter, PluginGauge, PluginHistogram, MetricMessageType, MetricsServer, MetricsServerConfig } from './metrics';
export type { StartOptions, StartedBus } from './start';

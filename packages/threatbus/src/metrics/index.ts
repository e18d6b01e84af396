export { BusMetrics, detachedPluginMetrics } from './registry';
export type { BusMetricsOptions } from './registry';
export { HealthTracker } from './health';
export type { Readiness } from './health';
export { startMetricsServer, MetricsListenError, DEFAULT_METRICS_CONFIG } from './server';
export type { MetricsServer, MetricsServerConfig } from './server';
export type { MetricMessageType, PluginMetrics, PluginCounter, PluginGauge, PluginHistogram } from './types';

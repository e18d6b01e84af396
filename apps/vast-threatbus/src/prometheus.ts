/**
 * vast-threatbus's Prometheus endpoint (docs/observability.md): the core's
 * metrics server with the app's own series, read at scrape time from the
 * running totals the Influx-line metrics keep anyway, and two peers (VAST,
 * Threat Bus) that drive /readyz.
 */
import { BusMetrics, startMetricsServer } from 'threatbus';
import type { MetricsServer, PluginMetrics } from 'threatbus';
import type { AppMetrics } from './metrics';

export const PLUGIN_LABEL = 'vast';

export class PrometheusMetrics {
  readonly bus = new BusMetrics();
  readonly view: PluginMetrics;
  private server?: MetricsServer;

  constructor(metrics: AppMetrics) {
    this.bus.health.register(PLUGIN_LABEL);
    const v = (this.view = this.bus.forPlugin(PLUGIN_LABEL));
    v.sampled('threatbus_vast_added_iocs_total', 'Indicators handed to VAST for matching', 'counter', () => metrics.addedIocs.total);
    v.sampled('threatbus_vast_removed_iocs_total', 'Indicator removals received', 'counter', () => metrics.removedIocs.total);
    v.sampled('threatbus_vast_retro_queries_total', 'Retro-matching queries finished', 'counter', () => metrics.retroMatchesPerIoc.totalCount);
    v.sampled('threatbus_vast_retro_matches_total', 'Events found by retro matching', 'counter', () => metrics.retroMatchesPerIoc.totalSum);
    v.sampled('threatbus_vast_retro_query_seconds_total', 'Time spent in retro-matching queries', 'counter', () => metrics.retroQueryTimePerIoc.totalSum);
    v.sampled('threatbus_vast_retro_match_backlog', 'Indicators waiting for a retro-matching query', 'gauge', () => metrics.retroMatchBacklog.value);
    v.sampled('threatbus_vast_live_matcher_sightings_total', 'Sightings reported by the live matcher', 'counter', () => metrics.liveMatcherSightings.total);
    // Both down until proven up, so /readyz waits for VAST and the bus.
    v.peer('vast', false, 'connecting');
    v.peer('threatbus', false, 'connecting');
  }

  get address(): MetricsServer['address'] | undefined {
    return this.server?.address;
  }

  async listen(host: string, port: number): Promise<void> {
    this.server = await startMetricsServer(this.bus, { host, port });
  }

  /** The app runs: readiness now depends on the peers only. */
  started(): void {
    this.bus.health.started(PLUGIN_LABEL);
  }

  async close(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
  }
}

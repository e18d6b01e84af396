/** Reading a bus's metrics in tests, without scraping and parsing the text format. */
import type { BusMetrics } from '../metrics/registry';

/**
 * The value of the series `name` whose labels include `labels` (summed over
 * every matching series), or undefined when no series matches. Histograms:
 * the `_count` and `_sum` names work as in the text format.
 */
export async function metricValue(metrics: BusMetrics, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const base = name.replace(/_(count|sum|bucket)$/, '');
  const metric = metrics.registry.getSingleMetric(name) ?? metrics.registry.getSingleMetric(base);
  if (!metric) return undefined;
  const { values } = await metric.get();
  let total: number | undefined;
  for (const v of values) {
    const series = (v as { metricName?: string }).metricName ?? name;
    if (series !== name) continue;
    const has = v.labels as Record<string, string | number | undefined>;
    if (!Object.entries(labels).every(([k, want]) => String(has[k]) === want)) continue;
    total = (total ?? 0) + v.value;
  }
  return total;
}

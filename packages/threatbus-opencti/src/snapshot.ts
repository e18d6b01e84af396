/**
 * Answers INDICATOR snapshot requests with OpenCTI's indicators updated in
 * the requested window (spec/opencti.md §3): paged `indicators` query,
 * ordered by `updated_at`, `detection_only` as a filter, each indicator sent
 * once even if it moves between pages while paging. Revoked ones are left
 * out: a snapshot is what should be on the bus now.
 */
import { isJsonObject, MessageType } from 'threatbus';
import type { Logger, SnapshotReply, SnapshotRequest } from 'threatbus';
import type { OpenCtiClient } from './client';
import { filterGroup, LIST_INDICATORS } from './graphql';
import { isWanted, toBusIndicator } from './mapping';

export interface SnapshotStats {
  pages: number;
  sent: number;
  skipped: number;
}

/** The variables of the first page's query. */
export function snapshotVariables(sinceIso: string, detectionOnly: boolean, pageSize: number, after: string | null): Record<string, unknown> {
  const filters = [{ key: 'updated_at', values: [sinceIso], operator: 'gte' }];
  if (detectionOnly) filters.push({ key: 'x_opencti_detection', values: ['true'], operator: 'eq' });
  return { filters: filterGroup(filters), first: pageSize, after, orderBy: 'updated_at', orderMode: 'asc' };
}

export async function answerSnapshot(
  client: OpenCtiClient,
  options: { detectionOnly: boolean; pageSize: number },
  request: SnapshotRequest,
  reply: SnapshotReply,
  logger: Logger,
  signal?: AbortSignal,
): Promise<SnapshotStats> {
  const stats: SnapshotStats = { pages: 0, sent: 0, skipped: 0 };
  if (request.snapshot_type !== MessageType.INDICATOR) return stats;
  logger.info(`Executing OpenCTI indicator snapshot for time delta ${request.snapshot}s`, { snapshot_id: request.snapshot_id });
  const since = new Date(Date.now() - request.snapshot * 1000).toISOString();
  const seen = new Set<string>();
  let after: string | null = null;
  for (;;) {
    signal?.throwIfAborted();
    const data = await client.graphql(LIST_INDICATORS, snapshotVariables(since, options.detectionOnly, options.pageSize, after), signal);
    stats.pages++;
    const connection = isJsonObject(data.indicators) ? data.indicators : undefined;
    const edges = Array.isArray(connection?.edges) ? connection.edges : [];
    for (const edge of edges) {
      const node = isJsonObject(edge) && isJsonObject(edge.node) ? edge.node : undefined;
      let stix: unknown;
      try {
        stix = typeof node?.toStix === 'string' ? JSON.parse(node.toStix) : undefined;
      } catch {
        stix = undefined;
      }
      if (!isJsonObject(stix)) {
        stats.skipped++;
        logger.warn('Skipping an OpenCTI indicator in the snapshot: toStix is not a STIX object', { snapshot_id: request.snapshot_id, node: node?.id });
        continue;
      }
      const id = typeof stix.id === 'string' ? stix.id : '';
      if (seen.has(id)) continue;
      seen.add(id);
      if (!isWanted(stix, { detectionOnly: options.detectionOnly })) continue;
      let indicator;
      try {
        indicator = toBusIndicator(stix);
      } catch (e) {
        stats.skipped++;
        logger.warn('Skipping an OpenCTI indicator in the snapshot', { snapshot_id: request.snapshot_id, id, error: (e as Error).message });
        continue;
      }
      await reply.send(indicator);
      stats.sent++;
    }
    const pageInfo = isJsonObject(connection?.pageInfo) ? connection.pageInfo : {};
    // OpenCTI says hasNextPage for a full last page and then answers an empty one (§3).
    if (pageInfo.hasNextPage !== true || edges.length === 0 || typeof pageInfo.endCursor !== 'string' || pageInfo.endCursor === '') break;
    after = pageInfo.endCursor;
  }
  logger.info('OpenCTI indicator snapshot done', { snapshot_id: request.snapshot_id, indicators: stats.sent, skipped: stats.skipped, pages: stats.pages });
  return stats;
}

/**
 * Answers INDICATOR snapshot requests by searching MISP
 * (`POST /attributes/restSearch`, spec/misp.md §7), page by page.
 *
 * Query parameters as the original's: one search per (org, type) pair of
 * each filter entry, the entry's tags OR-ed, `from` = now − snapshot span
 * (MISP reads it as the *event* date), `to_ids: true`. Changes:
 * * paged with `limit`/`page`, so a large MISP never answers with one huge body;
 * * tags are sent as a plain list (MISP ORs a list; the original's
 *   `{"OR": [...]}` form is not in MISP's OpenAPI schema), `org` and `from`
 *   as strings, as the schema says;
 * * an attribute that cannot be mapped is logged and skipped (the original
 *   re-sent the previous one or crashed, spec/quirks.md C2), and an attribute found
 *   by several searches is sent once.
 */
import { MessageType } from 'threatbus';
import type { Logger, SnapshotReply, SnapshotRequest } from 'threatbus';
import { mapAttribute, attributeUuid } from '../mapping/attribute';
import type { MispFilter } from '../mapping/filter';
import type { MispClient } from './client';

/** A counting semaphore: at most `limit` holders; the others wait in order. */
export class SearchSlots {
  private inUse = 0;
  private readonly waiting: (() => void)[] = [];
  /** Most holders seen at once, for tests and diagnostics. */
  peak = 0;

  constructor(readonly limit: number) {}

  /** Run `task` once a slot is free; the slot is given back however it ends. */
  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.inUse >= this.limit) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.inUse++;
    }
    this.peak = Math.max(this.peak, this.inUse);
    try {
      signal?.throwIfAborted();
      return await task();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter (inUse stays), or is freed.
      if (next) next();
      else this.inUse--;
    }
  }

  /** Calls waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }
}

export interface SearchQuery {
  type?: string;
  org?: string;
  tags?: string[];
}

/** The searches a filter list asks for; an empty list is one global search. */
export function searchQueries(filters: readonly MispFilter[]): SearchQuery[] {
  const entries = filters.length > 0 ? filters : [{}];
  const out: SearchQuery[] = [];
  for (const f of entries) {
    const orgs: (string | number | undefined)[] = f.orgs?.length ? f.orgs : [undefined];
    const types: (string | undefined)[] = f.types?.length ? f.types : [undefined];
    const tags = (f.tags ?? []).filter((t) => t !== '');
    for (const org of orgs) {
      for (const type of types) {
        out.push({
          ...(type !== undefined ? { type } : {}),
          ...(org !== undefined ? { org: String(org) } : {}),
          ...(tags.length ? { tags } : {}),
        });
      }
    }
  }
  return out;
}

/** The restSearch body for one page. */
export function searchBody(query: SearchQuery, fromSeconds: number, limit: number, page: number): Record<string, unknown> {
  return { returnFormat: 'json', ...query, from: String(Math.floor(fromSeconds)), to_ids: true, limit, page };
}

/** `{response: {Attribute: [...]}}` → the list; anything else is an error naming what came back. */
export function attributesOf(answer: unknown): unknown[] {
  const response = (answer as { response?: unknown } | null)?.response;
  if (Array.isArray(response) && response.length === 0) return []; // MISP answers an empty search with `[]`
  const list = (response as { Attribute?: unknown } | undefined)?.Attribute;
  if (list === undefined && typeof response === 'object' && response !== null) return [];
  if (!Array.isArray(list)) throw new Error(`unexpected restSearch answer: ${JSON.stringify(answer)?.slice(0, 200)}`);
  return list;
}

export interface SnapshotStats {
  requests: number;
  attributes: number;
  sent: number;
  skipped: number;
}

export async function answerSnapshot(
  client: MispClient,
  filters: readonly MispFilter[],
  pageSize: number,
  request: SnapshotRequest,
  reply: SnapshotReply,
  logger: Logger,
  signal?: AbortSignal,
  slots: SearchSlots = new SearchSlots(1),
): Promise<SnapshotStats> {
  const stats: SnapshotStats = { requests: 0, attributes: 0, sent: 0, skipped: 0 };
  if (request.snapshot_type !== MessageType.INDICATOR) {
    logger.debug('Ignoring snapshot request for sightings: MISP answers indicator snapshots only', { snapshot_id: request.snapshot_id });
    return stats;
  }
  logger.info(`Executing intel snapshot for time delta ${request.snapshot}s`, { snapshot_id: request.snapshot_id });
  const from = Date.now() / 1000 - request.snapshot;
  const seen = new Set<string>();
  for (const query of searchQueries(filters)) {
    for (let page = 1; ; page++) {
      signal?.throwIfAborted();
      const answer = await slots.run(() => client.post('/attributes/restSearch', searchBody(query, from, pageSize, page), signal), signal);
      stats.requests++;
      const attributes = attributesOf(answer);
      stats.attributes += attributes.length;
      for (const attribute of attributes) {
        const uuid = attributeUuid(attribute);
        if (uuid !== undefined && seen.has(uuid)) continue;
        let indicator;
        try {
          indicator = mapAttribute(attribute, 'add');
        } catch (e) {
          stats.skipped++;
          logger.warn('Skipping MISP attribute in snapshot', { snapshot_id: request.snapshot_id, uuid, error: (e as Error).message });
          continue;
        }
        if (!indicator) continue;
        if (uuid !== undefined) seen.add(uuid);
        await reply.send(indicator);
        stats.sent++;
      }
      // A short page is the last; a page longer than asked means this MISP ignores paging.
      if (attributes.length !== pageSize) break;
    }
  }
  logger.info('Intel snapshot done', { snapshot_id: request.snapshot_id, indicators: stats.sent, skipped: stats.skipped, requests: stats.requests });
  return stats;
}

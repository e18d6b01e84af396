/**
 * Zeek's Intel framework (base/frameworks/intel/main.zeek, Zeek 8) and what
 * zeek/threatbus.zeek does with it, for the fake Zeek server:
 *
 * - the data store holds one entry per indicator and type (string indicators
 *   lower-cased), each with a table of meta records keyed by `meta$source`;
 *   `Intel::insert` adds or replaces the record of its source;
 * - `Intel::remove(item, F)` deletes the record of `item$meta$source` and the
 *   whole indicator only when no record is left; `Intel::remove(item, T)`
 *   purges the indicator for every source; removing an unknown indicator is a
 *   reporter info line, nothing else;
 * - `Intel::seen` raises `Intel::match(s, items)` with one item per meta
 *   record of the matching indicator.
 *
 * Not modelled: ADDR/SUBNET containment (a seen address matching an
 * inserted subnet), expiration, the cluster's worker/manager split.
 */

export interface IntelMeta {
  source: string;
  desc?: string;
  url?: string;
}

export interface IntelItem {
  indicator: string;
  indicator_type: string;
  meta: IntelMeta;
}

const key = (indicator: string, type: string): string => `${type}\u0000${type === 'ADDR' || type === 'SUBNET' ? indicator : indicator.toLowerCase()}`;

export class IntelFramework {
  private readonly store = new Map<string, { indicator: string; type: string; metas: Map<string, IntelMeta> }>();
  /** What Zeek's reporter would say (`Tried to remove non-existing item ...`). */
  readonly reporterInfo: string[] = [];

  insert(item: IntelItem): void {
    const k = key(item.indicator, item.indicator_type);
    let entry = this.store.get(k);
    if (!entry) this.store.set(k, (entry = { indicator: item.indicator, type: item.indicator_type, metas: new Map() }));
    entry.metas.set(item.meta.source, { ...item.meta });
  }

  remove(item: IntelItem, purgeIndicator = false): void {
    const k = key(item.indicator, item.indicator_type);
    const entry = this.store.get(k);
    if (!entry) {
      this.reporterInfo.push(`Tried to remove non-existing item '${item.indicator}' (Intel::${item.indicator_type}).`);
      return;
    }
    entry.metas.delete(item.meta.source);
    if (purgeIndicator || entry.metas.size === 0) this.store.delete(k);
  }

  /** `Intel::seen`: the items of `Intel::match`, one per meta record; empty when nothing matches. */
  seen(indicator: string, type: string): IntelItem[] {
    const entry = this.store.get(key(indicator, type));
    if (!entry) return [];
    return [...entry.metas.values()].map((meta) => ({ indicator, indicator_type: type, meta: { ...meta } }));
  }

  /** Meta records of an indicator (for tests). */
  sources(indicator: string, type: string): string[] {
    return [...(this.store.get(key(indicator, type))?.metas.keys() ?? [])];
  }
}

/** The intel types threatbus.zeek maps (its `intel_type_map`). */
export const ZEEK_INTEL_TYPES = new Set(['ADDR', 'SUBNET', 'URL', 'SOFTWARE', 'EMAIL', 'DOMAIN', 'USER_NAME', 'CERT_HASH', 'PUBKEY_HASH', 'FILE_NAME', 'FILE_HASH']);

/** threatbus.zeek's `tb_intel_tag`. */
export const TB_INTEL_TAG = 'threatbus';

/** The `Intelligence` record threatbus.zeek receives. */
export interface Intelligence {
  id: string;
  intel_type: string;
  indicator: string;
  operation: string;
}

/**
 * `event Tenzir::intel` of threatbus.zeek: one meta record per indicator
 * (source `threatbus:<STIX id>`); ADD inserts, REMOVE removes that record only.
 * Returns false for an intel type the script cannot map (it logs a warning).
 */
export function applyIntel(intel: IntelFramework, item: Intelligence): boolean {
  if (!ZEEK_INTEL_TYPES.has(item.intel_type)) return false;
  const mapped: IntelItem = {
    indicator: item.indicator,
    indicator_type: item.intel_type,
    meta: { source: `${TB_INTEL_TAG}:${item.id}`, desc: item.id, url: TB_INTEL_TAG },
  };
  if (item.operation === 'ADD') intel.insert(mapped);
  else if (item.operation === 'REMOVE') intel.remove(mapped, false);
  return true;
}

/** `event Intel::match` of threatbus.zeek: the intel ids to report as sightings, one per Threat Bus item. */
export function sightedIds(items: IntelItem[]): string[] {
  return items.filter((i) => i.meta.url === TB_INTEL_TAG && i.meta.desc !== undefined).map((i) => i.meta.desc as string);
}

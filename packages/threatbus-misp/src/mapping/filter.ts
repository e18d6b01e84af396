/**
 * The whitelist filter (spec/misp.md §5): filter entries are OR-ed; within one
 * entry `orgs`, `types` and `tags` are AND-ed; each is an OR list; an absent
 * or empty list means "everything".
 *
 * Change from the original (spec/quirks.md C9/C10): a non-numeric `orgc_id` that is
 * not in an `orgs` list simply does not match (the original raised and killed
 * its receiver thread).
 */
import { isJsonObject } from 'threatbus';

export interface MispFilter {
  orgs?: (string | number)[];
  types?: string[];
  tags?: string[];
}

const nonEmpty = (v: unknown) => v !== undefined && v !== null && v !== '' && !(isJsonObject(v) && Object.keys(v).length === 0);

/** Names of the attribute's own tags (event tags are not considered). */
export function getTags(attribute: unknown): string[] {
  if (!isJsonObject(attribute) || !Array.isArray(attribute.Tag)) return [];
  return attribute.Tag.filter((t): t is Record<string, unknown> => isJsonObject(t) && nonEmpty(t.name)).map((t) => String(t.name));
}

function orgMatches(orgcId: unknown, orgs: (string | number)[]): boolean {
  if (orgs.includes(orgcId as string | number)) return true;
  // Filters written with integer ids match MISP's string ids (as the original).
  if (typeof orgcId === 'string' && /^\s*[+-]?\d+\s*$/.test(orgcId)) return orgs.includes(Number(orgcId));
  return false;
}

function entryMatches(entry: MispFilter, orgcId: unknown, type: unknown, tags: string[]): boolean {
  const orgs = entry.orgs ?? [];
  const types = entry.types ?? [];
  const wanted = entry.tags ?? [];
  if (orgs.length > 0 && !orgMatches(orgcId, orgs)) return false;
  if (types.length > 0 && !types.includes(type as string)) return false;
  if (wanted.length > 0 && !tags.some((t) => wanted.includes(t))) return false;
  return true;
}

export function isWhitelisted(message: unknown, filters: readonly MispFilter[] | null | undefined): boolean {
  if (!isJsonObject(message) || Object.keys(message).length === 0) return false;
  const { Event: event, Attribute: attribute } = message;
  if (!isJsonObject(event) || Object.keys(event).length === 0 || !isJsonObject(attribute) || Object.keys(attribute).length === 0) return false;
  const orgcId = event.orgc_id;
  const type = attribute.type;
  if (!nonEmpty(orgcId) || !nonEmpty(type)) return false;
  if (!filters || filters.length === 0) return true;
  const tags = getTags(attribute);
  return filters.some((f) => entryMatches(isJsonObject(f) ? f : {}, orgcId, type, tags));
}

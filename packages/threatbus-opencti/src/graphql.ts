/**
 * The GraphQL operations the plugin sends, each valid against OpenCTI's
 * schema (spec/opencti-schema.graphql; the test double validates every
 * request with graphql-js). Shapes follow pycti (spec/opencti.md §2.2, §2.3, §3).
 */

/** Find the reporting organization by name (§2.3). */
export const FIND_ORGANIZATION = `query ThreatBusFindOrganization($filters: FilterGroup) {
  identities(types: ["Organization"], filters: $filters, first: 1) {
    edges { node { id standard_id name } }
  }
}`;

/** Create it; OpenCTI upserts by its deterministic id, so a race with another creator is harmless (§2.3). */
export const ADD_ORGANIZATION = `mutation ThreatBusOrganizationAdd($input: OrganizationAddInput!) {
  organizationAdd(input: $input) { id standard_id entity_type }
}`;

/** Whether an id (standard, internal or other STIX id) is an indicator OpenCTI knows; unknown → null (§2.3). */
export const FIND_INDICATOR = `query ThreatBusIndicator($id: String!) {
  indicator(id: $id) { id standard_id }
}`;

/** One sighting relationship per request (OpenCTI allows one alias of a mutation field per document, §4). */
export const ADD_SIGHTING = `mutation ThreatBusSightingAdd($input: StixSightingRelationshipAddInput!) {
  stixSightingRelationshipAdd(input: $input) { id standard_id entity_type }
}`;

/** One page of indicators as STIX (`toStix` is the stream's converter, §3). */
export const LIST_INDICATORS = `query ThreatBusIndicators($filters: FilterGroup, $first: Int, $after: ID, $orderBy: IndicatorsOrdering, $orderMode: OrderingMode) {
  indicators(filters: $filters, first: $first, after: $after, orderBy: $orderBy, orderMode: $orderMode) {
    edges { node { id toStix } }
    pageInfo { endCursor hasNextPage }
  }
}`;

/** `{mode: and, filters, filterGroups: []}` with each filter as pycti writes it (§3). */
export function filterGroup(filters: { key: string; values: string[]; operator?: string }[]): Record<string, unknown> {
  return {
    mode: 'and',
    filterGroups: [],
    filters: filters.map((f) => ({ key: [f.key], values: f.values, operator: f.operator ?? 'eq', mode: 'or' })),
  };
}

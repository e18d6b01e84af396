/**
 * The GraphQL side of the OpenCTI double: OpenCTI's real schema
 * (spec/opencti-schema.graphql) built with graphql-js; every request is
 * parsed, validated and executed against it, so an invalid document or
 * variables that do not coerce (e.g. a missing `attribute_count: Int!`) are
 * recorded as violations, which fail the test. Resolvers behave as
 * spec/opencti.md §2–§4 describe: `indicator(id:)` finds internal, standard
 * and other STIX ids or gives null; organizations upsert by name; sightings
 * need resolvable ends and first_seen ≤ last_seen; unknown filter keys are
 * refused; paging has OpenCTI's full-last-page `hasNextPage` quirk.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { buildSchema, execute, GraphQLError, parse, validate } from 'graphql';
import type { ExecutionResult, GraphQLSchema } from 'graphql';
import { isJsonObject } from 'threatbus';
import { OCTI_EXTENSION } from '../src/mapping';

let schema: GraphQLSchema | undefined;
/** Built once per test file (about a second). */
export function openCtiSchema(): GraphQLSchema {
  schema ??= buildSchema(readFileSync(join(__dirname, '../../../spec/opencti-schema.graphql'), 'utf8'));
  return schema;
}

export interface StoredIndicator {
  stix: Record<string, unknown>;
  internalId: string;
  updatedAt: string;
}

export interface StoredOrganization {
  id: string;
  standard_id: string;
  name: string;
  description?: string;
}

export interface GraphqlRequest {
  operationName?: string;
  query: string;
  variables: Record<string, unknown>;
  /** Root fields asked for. */
  fields: string[];
}

/** Filter keys OpenCTI accepts for the entity types used here (§3); others are UNSUPPORTED_ERROR. */
const FILTER_KEYS = new Set(['name', 'updated_at', 'created_at', 'x_opencti_detection', 'x_opencti_score', 'revoked', 'valid_from', 'entity_type']);

function fail(code: string, message: string): never {
  throw new GraphQLError(message, { extensions: { code } });
}

interface Filter {
  key: string;
  values: unknown[];
  operator: string;
}

function filtersOf(group: unknown): Filter[] {
  if (!isJsonObject(group)) return [];
  const out: Filter[] = [];
  for (const f of group.filters as Record<string, unknown>[]) {
    const keys = Array.isArray(f.key) ? (f.key as string[]) : [String(f.key)];
    for (const key of keys) {
      if (!FILTER_KEYS.has(key)) fail('UNSUPPORTED_ERROR', 'Incorrect filter keys not existing in any schema definition');
      out.push({ key, values: f.values as unknown[], operator: typeof f.operator === 'string' ? f.operator : 'eq' });
    }
  }
  return out;
}

export class OpenCtiGraphql {
  readonly indicators: StoredIndicator[] = [];
  readonly organizations: StoredOrganization[] = [];
  readonly sightings: Record<string, unknown>[] = [];
  readonly requests: GraphqlRequest[] = [];
  /** Invalid requests (syntax, schema validation, variable coercion): must stay empty. */
  readonly violations: string[] = [];
  /** Errors to answer the next sighting mutations with, in order (code names, as OpenCTI's). */
  sightingFaults: string[] = [];

  findIndicator(id: string): StoredIndicator | undefined {
    return this.indicators.find((i) => {
      const ext = (i.stix.extensions as Record<string, Record<string, unknown>>)[OCTI_EXTENSION];
      return i.internalId === id || i.stix.id === id || (Array.isArray(ext?.stix_ids) && ext.stix_ids.includes(id));
    });
  }

  /**
   * Answer one POST /graphql body. `authorized` false: the request runs
   * anonymous and every field is `AUTH_REQUIRED` (§4). The HTTP status is
   * always 200 once the document parsed (OpenCTI forces it, §4).
   */
  answer(body: unknown, authorized: boolean): { status: number; body: ExecutionResult | Record<string, unknown> } {
    if (!isJsonObject(body) || typeof body.query !== 'string') {
      this.violations.push(`request body without a query: ${JSON.stringify(body)?.slice(0, 200)}`);
      return { status: 400, body: { errors: [{ message: 'Must provide query string.' }] } };
    }
    const variables = isJsonObject(body.variables) ? body.variables : {};
    let document;
    try {
      document = parse(body.query);
    } catch (e) {
      this.violations.push(`syntax: ${(e as Error).message}`);
      return { status: 400, body: { errors: [{ message: (e as Error).message, extensions: { code: 'GRAPHQL_PARSE_FAILED' } }] } };
    }
    const errors = validate(openCtiSchema(), document);
    const fields = document.definitions.flatMap((d) => (d.kind === 'OperationDefinition' ? d.selectionSet.selections.map((s) => (s.kind === 'Field' ? s.name.value : '?')) : []));
    this.requests.push({ operationName: typeof body.operationName === 'string' ? body.operationName : undefined, query: body.query, variables, fields });
    if (errors.length) {
      this.violations.push(`invalid against the schema: ${errors.map((e) => e.message).join('; ')}`);
      return { status: 400, body: { errors: errors.map((e) => ({ message: e.message, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })) } };
    }
    if (fields.includes('__schema')) return { status: 200, body: { errors: [{ message: 'GraphQL introspection not authorized!' }] } };
    if (!authorized) {
      return {
        status: 200,
        body: { errors: [{ message: 'You must be logged in to do this.', extensions: { code: 'AUTH_REQUIRED', data: { http_status: 401, genre: 'TECHNICAL' } }, name: 'AUTH_REQUIRED' }], data: null },
      };
    }
    const result = execute({ schema: openCtiSchema(), document, variableValues: variables, rootValue: this.root() }) as ExecutionResult;
    for (const e of result.errors ?? []) {
      // Variable coercion errors mean the request does not fit the schema; resolver errors are answers.
      if (!e.extensions?.code) this.violations.push(`execution: ${e.message}`);
    }
    return {
      status: 200,
      body: { ...result, errors: result.errors?.map((e) => ({ message: e.message, path: e.path, extensions: e.extensions, name: e.extensions?.code })) },
    };
  }

  private root(): Record<string, (args: Record<string, unknown>) => unknown> {
    return {
      identities: (args) => {
        const names = filtersOf(args.filters).filter((f) => f.key === 'name').flatMap((f) => f.values);
        const types = (args.types as string[] | undefined) ?? [];
        const found = this.organizations.filter((o) => (!types.length || types.includes('Organization')) && (!names.length || names.includes(o.name)));
        const page = found.slice(0, typeof args.first === 'number' ? args.first : 500);
        return { edges: page.map((o) => ({ cursor: o.id, node: { __typename: 'Organization', entity_type: 'Organization', ...o } })), pageInfo: pageInfo(page.length, args) };
      },
      organizationAdd: (args) => {
        const input = args.input as Record<string, unknown>;
        const name = String(input.name);
        let org = this.organizations.find((o) => o.name.trim().toLowerCase() === name.trim().toLowerCase());
        if (!org) {
          org = { id: randomUUID(), standard_id: `identity--${randomUUID()}`, name, description: input.description as string | undefined };
          this.organizations.push(org);
        }
        return { ...org, entity_type: 'Organization' };
      },
      indicator: (args) => {
        const found = this.findIndicator(String(args.id));
        return found ? { id: found.internalId, standard_id: found.stix.id, toStix: JSON.stringify(found.stix) } : null;
      },
      stixSightingRelationshipAdd: (args) => {
        const fault = this.sightingFaults.shift();
        if (fault) fail(fault, `injected ${fault}`);
        const input = args.input as Record<string, unknown>;
        const from = this.findIndicator(String(input.fromId));
        const to = this.organizations.find((o) => o.id === input.toId || o.standard_id === input.toId);
        if (!from || !to) fail('MISSING_REFERENCE_ERROR', 'Element(s) not found');
        if (input.first_seen && input.last_seen && Date.parse(String(input.first_seen)) > Date.parse(String(input.last_seen))) {
          fail('DATABASE_ERROR', 'You cant create a relation with a start_time after the stop_time');
        }
        this.sightings.push(input);
        return { id: randomUUID(), standard_id: `sighting--${randomUUID()}`, entity_type: 'stix-sighting-relationship' };
      },
      indicators: (args) => {
        const filters = filtersOf(args.filters);
        let list = this.indicators.filter((i) =>
          filters.every((f) => {
            if (f.key === 'updated_at' && f.operator === 'gte') return i.updatedAt >= String(f.values[0]);
            if (f.key === 'x_opencti_detection') {
              const ext = (i.stix.extensions as Record<string, Record<string, unknown>>)[OCTI_EXTENSION];
              return String(ext?.detection === true) === String(f.values[0]);
            }
            throw new Error(`the double does not implement filter ${f.key} ${f.operator}`);
          }),
        );
        list = [...list].sort((a, b) => a.updatedAt.localeCompare(b.updatedAt) || a.internalId.localeCompare(b.internalId));
        if (args.orderMode === 'desc') list.reverse();
        const cursorOf = (i: StoredIndicator) => Buffer.from(JSON.stringify([Date.parse(i.updatedAt), i.internalId])).toString('base64');
        const start = typeof args.after === 'string' && args.after !== '' ? list.findIndex((i) => cursorOf(i) === args.after) + 1 : 0;
        const first = Math.min(typeof args.first === 'number' ? args.first : 500, 5000);
        const page = list.slice(start, start + first);
        return {
          edges: page.map((i) => ({ cursor: cursorOf(i), node: { id: i.internalId, standard_id: i.stix.id, toStix: JSON.stringify(i.stix) } })),
          pageInfo: { ...pageInfo(page.length, args, first), startCursor: page.length ? cursorOf(page[0]) : '', endCursor: page.length ? cursorOf(page[page.length - 1]) : '' },
        };
      },
    };
  }
}

/** OpenCTI's paging (database/utils.ts, §3): a full page says there is a next one. */
function pageInfo(count: number, args: Record<string, unknown>, first = typeof args.first === 'number' ? args.first : 500) {
  return { startCursor: '', endCursor: '', hasNextPage: count === first, hasPreviousPage: args.after != null, globalCount: count };
}

/** A JSON value as JSON.parse returns it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object whose values are not checked yet (off the wire, out of YAML). */
export type JsonObject = Record<string, unknown>;

/** A JSON object (a mapping): not null, not an array. What most checks of `unknown` input off the wire or out of YAML start with. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

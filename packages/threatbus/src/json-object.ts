/** A JSON object (a mapping): not null, not an array. What most checks of `unknown` input off the wire or out of YAML start with. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Values parsed from JSON or YAML (settings, the compose file, Grafana's API) arrive as `unknown` and are checked
// before use. An array is an object to `typeof`, but never the mapping these callers expect, so it is rejected here.

/** A parsed mapping: keys to values not yet checked. */
export type JsonObject = Record<string, unknown>;

/** A mapping (not null, not an array). */
export const isObj = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

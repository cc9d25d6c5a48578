// Type guards for untrusted input (webview messages, JSON from disk or HTTP): one definition each, so every
// layer reads "is this an object?" the same way. Browser-safe: no Node built-ins.

/**
 * Any non-null object, arrays included: enough before indexing into a message's fields, since an array's
 * named fields are simply undefined and fail the next check.
 */
export const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** A plain key/value object, not an array: for parsed JSON/YAML where a list in place of a map is an error. */
export const isRecord = (v: unknown): v is Record<string, unknown> => isObj(v) && !Array.isArray(v);

// The fetch the Prometheus client is given (the global fetch, a CA-trusting one, or a test's): its own module, so the
// client and the access options both use it without importing each other.
export type FetchFn = (
  url: string,
  init?: { signal?: AbortSignal; headers?: Record<string, string> },
) => Promise<{ ok: boolean; status: number; headers?: { get(name: string): string | null }; json(): Promise<unknown> }>;

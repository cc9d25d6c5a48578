// Why a fetch() failed, in the words a user can act on. Node's fetch throws "TypeError: fetch failed" and puts
// the system error in `cause`; when it tried several addresses (Node 22+), `cause` is an AggregateError and
// the codes are in its `errors`.

/** The system error code behind a failed fetch (ECONNREFUSED, ENOTFOUND, ...), else the error's name (TimeoutError ...). */
export function networkCause(err: unknown): string {
  const cause = (err as { cause?: { code?: string; errors?: Array<{ code?: string }> } }).cause;
  return cause?.code ?? cause?.errors?.find((e) => e.code)?.code ?? (err as Error).name;
}

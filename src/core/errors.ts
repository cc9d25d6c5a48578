// How any thrown value reads in one line. Every layer reports errors to people (notifications, CLI stderr, LSP
// logs); one helper keeps them worded alike and spares each catch a `(err as Error).message` cast that lies when
// something other than an Error is thrown.

/** Any thrown value as a one-line message. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

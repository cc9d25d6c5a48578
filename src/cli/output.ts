/**
 * stdout and stderr that a reader stopped reading (`optivolt sample | head -1`: EPIPE; a terminal that went away:
 * EIO). Unhandled, the stream's 'error' crashes the CLI with a stack trace; here it ends the command quietly: the
 * command that is listening stops as if interrupted, and later writes are dropped.
 */
let closed = false;
const listeners = new Set<() => void>();

/** Installs the 'error' listeners, once, before any command writes. */
export function guardOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', () => {
      if (closed) return;
      closed = true;
      for (const l of [...listeners]) l();
      listeners.clear();
    });
  }
}

/** Calls `stop` once when output closes (at once if it has). Returns a function that removes the listener. */
export function onOutputClosed(stop: () => void): () => void {
  if (closed) {
    stop();
    return () => undefined;
  }
  listeners.add(stop);
  return () => listeners.delete(stop);
}

// Checks the LSP base protocol framing of a byte stream (stdio) on its way to vscode-jsonrpc's reader, which on a
// bad frame only fires an error event that vscode-languageserver ignores: a non-numeric Content-Length leaves the
// body in its buffer to be misread as headers, a huge one or a truncated body waits for bytes that never come
// (vscode-jsonrpc/lib/common/messageReader.js, ReadableStreamMessageReader.onData). The server then answers
// nothing, not even `shutdown`, until stdin closes. Content-Length is the only framing, so once a frame is wrong
// the next boundary is unknown (a "Content-Length:" found by scanning may sit inside a document's text):
// instead of guessing, the guard reports the fault and the server exits, and the client restarts it.
import { Transform, type TransformCallback } from 'node:stream';

export interface FrameGuardOptions {
  /** Largest body accepted, in bytes. */
  readonly maxBodyBytes?: number;
  /** A frame begun must be complete within this many ms. */
  readonly frameTimeoutMs?: number;
  /** Called once, with why the stream cannot be read further. */
  readonly onFault: (reason: string) => void;
}

export const MAX_BODY_BYTES = 64 * 1024 * 1024;
export const FRAME_TIMEOUT_MS = 10_000;
/** Headers are two short lines (Content-Length, Content-Type); more than this is not a header. */
const MAX_HEADER_BYTES = 8 * 1024;
const HEADER_END = Buffer.from('\r\n\r\n');
/** RFC 7230 header field name (token). */
const FIELD_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Passes bytes through unchanged while they form valid frames; stops at the first fault. */
export class FrameGuard extends Transform {
  private header = Buffer.alloc(0);
  /** Body bytes still expected; -1 while reading a header. */
  private remaining = -1;
  private timer: NodeJS.Timeout | undefined;
  private faulted = false;
  private readonly maxBodyBytes: number;
  private readonly frameTimeoutMs: number;

  constructor(private readonly options: FrameGuardOptions) {
    super();
    this.maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
    this.frameTimeoutMs = options.frameTimeoutMs ?? FRAME_TIMEOUT_MS;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.faulted) return done();
    let at = 0;
    while (at < chunk.length) {
      if (this.remaining >= 0) {
        const n = Math.min(this.remaining, chunk.length - at);
        this.remaining -= n;
        at += n;
        if (this.remaining === 0) this.remaining = -1;
        continue;
      }
      // Inside a header: keep its bytes until the blank line (the search restarts a few bytes back in case
      // the blank line straddles two chunks).
      const before = this.header.length;
      this.header = Buffer.concat([this.header, chunk.subarray(at)]);
      const end = this.header.indexOf(HEADER_END, Math.max(0, before - 3));
      if (end < 0) {
        if (this.header.length > MAX_HEADER_BYTES) return this.fail(`no end of header within ${MAX_HEADER_BYTES} bytes`, done);
        break;
      }
      const length = this.contentLength(this.header.subarray(0, end).toString('latin1'));
      if (typeof length === 'string') return this.fail(length, done);
      at += end + HEADER_END.length - before;
      this.header = Buffer.alloc(0);
      this.remaining = length === 0 ? -1 : length;
    }
    this.push(chunk);
    this.armTimer();
    done();
  }

  override _flush(done: TransformCallback): void {
    clearTimeout(this.timer);
    done();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    clearTimeout(this.timer);
    done(error);
  }

  /** The frame's body length, or why the header is not acceptable. */
  private contentLength(header: string): number | string {
    let length: number | undefined;
    for (const line of header.split('\r\n')) {
      const colon = line.indexOf(':');
      const name = colon > 0 ? line.slice(0, colon) : '';
      if (!FIELD_NAME.test(name)) return `malformed header line ${JSON.stringify(line.slice(0, 80))}`;
      if (name.toLowerCase() !== 'content-length') continue;
      const value = line.slice(colon + 1).trim();
      if (!/^\d{1,15}$/.test(value)) return `Content-Length is not a byte count: ${JSON.stringify(value.slice(0, 80))}`;
      length = Number(value);
      if (length > this.maxBodyBytes) return `Content-Length ${length} exceeds the ${this.maxBodyBytes}-byte limit`;
    }
    return length ?? 'header without Content-Length';
  }

  /** A frame left incomplete (truncated body, header cut short) must not hold the server forever. */
  private armTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.remaining < 0 && this.header.length === 0) return;
    this.timer = setTimeout(
      () => this.fail(`a message was not completed within ${this.frameTimeoutMs} ms (truncated body?)`),
      this.frameTimeoutMs,
    );
    this.timer.unref();
  }

  private fail(reason: string, done?: TransformCallback): void {
    clearTimeout(this.timer);
    this.faulted = true;
    this.options.onFault(reason);
    done?.();
  }
}

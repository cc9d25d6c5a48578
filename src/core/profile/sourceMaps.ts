import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GREATEST_LOWER_BOUND, LEAST_UPPER_BOUND, originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';

/** Scripts and maps above this are not read for source mapping (a bundle's map of many MB is still fine). */
const MAX_MAP_BYTES = 64 * 1024 * 1024;

export interface SourcePosition {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column?: number;
}

/** A V8 script URL as a path: file:// URLs become paths, node:internal and eval scripts stay as they are. */
export function scriptPath(url: string): string | undefined {
  if (url === '') return undefined;
  if (url.startsWith('file://')) {
    try {
      return fileURLToPath(url);
    } catch {
      return url;
    }
  }
  return url;
}

/**
 * Maps generated positions back through source maps: the script's last `//# sourceMappingURL=` comment, a data: URL
 * (inline map, tsc's inlineSourceMap) or a file beside it (tsc's sourceMap). Maps are read once per script.
 * A script without a map, or with one that cannot be read, keeps its own position.
 */
export class SourceMapper {
  private readonly maps = new Map<string, TraceMap | null>();

  private mapOf(file: string): TraceMap | null {
    const known = this.maps.get(file);
    if (known !== undefined) return known;
    let map: TraceMap | null;
    try {
      map = loadMap(file);
    } catch {
      map = null; // an unreadable or malformed map: positions stay in the generated file
    }
    this.maps.set(file, map);
    return map;
  }

  /**
   * `line0`/`column0` are V8's 0-based callFrame position (or a 1-based line with column0 -1, for positionTicks).
   * Returns the original position, or the generated one (1-based) when no map covers it.
   */
  map(file: string, line1: number, column0: number): SourcePosition {
    const own: SourcePosition = { file, line: line1, ...(column0 >= 0 ? { column: column0 + 1 } : {}) };
    if (!path.isAbsolute(file)) return own;
    const map = this.mapOf(file);
    if (!map) return own;
    const needle = { line: line1, column: Math.max(0, column0) };
    let pos = originalPositionFor(map, { ...needle, bias: GREATEST_LOWER_BOUND });
    if (pos.source === null) pos = originalPositionFor(map, { ...needle, bias: LEAST_UPPER_BOUND });
    if (pos.source === null || pos.line === null) return own;
    const source = pos.source.startsWith('file://') ? (scriptPath(pos.source) ?? pos.source) : pos.source;
    return { file: source, line: pos.line, ...(pos.column !== null && column0 >= 0 ? { column: pos.column + 1 } : {}) };
  }
}

function loadMap(file: string): TraceMap | null {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (!st?.isFile() || st.size > MAX_MAP_BYTES) return null;
  const text = fs.readFileSync(file, 'utf8');
  const all = [...text.matchAll(/\/\/[#@] sourceMappingURL=([^\s'"]+)\s*$/gm)];
  const ref = all.length ? all[all.length - 1][1] : undefined;
  if (!ref) return null;
  const data = /^data:application\/json[^,]*?(;base64)?,(.*)$/.exec(ref);
  if (data) {
    const json = data[1] ? Buffer.from(data[2], 'base64').toString('utf8') : decodeURIComponent(data[2]);
    return new TraceMap(json, pathToFileURL(file).href);
  }
  if (/^[a-z]+:/i.test(ref) && !ref.startsWith('file:')) return null; // http(s) maps: never fetched
  const mapFile = ref.startsWith('file:') ? fileURLToPath(ref) : path.resolve(path.dirname(file), decodeURIComponent(ref));
  const ms = fs.statSync(mapFile, { throwIfNoEntry: false });
  if (!ms?.isFile() || ms.size > MAX_MAP_BYTES) return null;
  return new TraceMap(fs.readFileSync(mapFile, 'utf8'), pathToFileURL(mapFile).href);
}

// The two wire formats a result is pushed in: Prometheus' text exposition format (what a Pushgateway takes) and
// remote-write 1.0's WriteRequest (protobuf, snappy block compressed).
import * as snappy from 'snappyjs';

/** One gauge value with its own labels (the identity's labels are added by the target). */
export interface PushSample {
  readonly name: string;
  readonly help: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const escapeValue = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

/** Go's float formatting as the text format reads it: NaN and ±Inf spelled out. */
function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return String(v);
}

/**
 * The text exposition format (prometheus/docs content/docs/instrumenting/exposition_formats.md): one HELP and TYPE
 * per metric name, all of its lines together (the Pushgateway refuses a name split in two groups).
 */
export function expositionText(samples: readonly PushSample[]): string {
  const byName = new Map<string, PushSample[]>();
  for (const s of samples) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  let out = '';
  for (const [name, group] of byName) {
    out += `# HELP ${name} ${escapeHelp(group[0].help)}\n# TYPE ${name} gauge\n`;
    for (const s of group) {
      const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${escapeValue(v)}"`);
      out += `${name}${labels.length ? `{${labels.join(',')}}` : ''} ${formatValue(s.value)}\n`;
    }
  }
  return out;
}

// A hand-written protobuf encoder for the three messages remote write needs (prompb/remote.proto, prompb/types.proto
// in prometheus/prometheus): WriteRequest{ repeated TimeSeries timeseries = 1 }, TimeSeries{ repeated Label labels = 1;
// repeated Sample samples = 2 }, Label{ string name = 1; string value = 2 }, Sample{ double value = 1; int64 timestamp = 2 }.
// Four messages of two field kinds do not need a protobuf runtime.

function varint(n: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

/** A length-delimited field (wire type 2). */
function lengthDelimited(field: number, bytes: Uint8Array | number[]): number[] {
  return [...varint((field << 3) | 2), ...varint(bytes.length), ...bytes];
}

function encodeLabel(name: string, value: string): number[] {
  const enc = new TextEncoder();
  return [...lengthDelimited(1, enc.encode(name)), ...lengthDelimited(2, enc.encode(value))];
}

function encodeSample(value: number, timestampMs: number): number[] {
  const d = Buffer.alloc(8);
  d.writeDoubleLE(value);
  // value: fixed64 (wire type 1); timestamp: varint (wire type 0).
  return [(1 << 3) | 1, ...d, (2 << 3) | 0, ...varint(Math.round(timestampMs))];
}

/**
 * The WriteRequest of `samples` at `timestampMs`, uncompressed. Each series' labels are sorted by name with __name__
 * among them, as the spec requires ("Label names MUST be sorted in lexicographical order").
 */
export function encodeWriteRequest(samples: readonly PushSample[], timestampMs: number): Uint8Array {
  const out: number[] = [];
  for (const s of samples) {
    const labels = Object.entries({ ...s.labels, __name__: s.name }).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const series = [
      ...labels.flatMap(([k, v]) => lengthDelimited(1, encodeLabel(k, v))),
      ...lengthDelimited(2, encodeSample(s.value, timestampMs)),
    ];
    out.push(...lengthDelimited(1, series));
  }
  return Uint8Array.from(out);
}

/** The request body remote write sends: the WriteRequest, snappy block-compressed (not the framed format). */
export function writeRequestBody(samples: readonly PushSample[], timestampMs: number): Uint8Array {
  return snappy.compress(encodeWriteRequest(samples, timestampMs));
}

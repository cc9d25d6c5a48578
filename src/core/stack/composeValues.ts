// The value-level parsing of a compose file: variable interpolation (`${VAR:-default}`, `${VAR:?message}`,
// `$$`), command strings, Go durations, ports, restart policies and typed field readers. Every error names the
// service and key it comes from (a StackError), so a bad compose file is reported where it is wrong.
import type Docker from 'dockerode';
import { isRecord } from '../../shared/guards';

export class StackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StackError';
  }
}

export interface PublishedPort {
  readonly hostIp: string;
  readonly hostPort: number;
  readonly containerPort: number;
  readonly protocol: 'tcp' | 'udp';
}

export type Env = Readonly<Record<string, string | undefined>>;
// ---- interpolation ---------------------------------------------------------------------------------

const VAR = /\$(?:(\$)|\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g;
const BRACED = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/;

/** Compose interpolation of one string: ${V}, ${V:-d}, ${V-d}, ${V:?m}, ${V?m}, ${V:+r}, ${V+r}, $V, $$. */
export function interpolate(text: string, env: Env, where: string): string {
  return text.replace(VAR, (whole, dollar: string | undefined, braced: string | undefined, bare: string | undefined) => {
    if (dollar) return '$';
    if (bare) return env[bare] ?? '';
    const m = BRACED.exec(braced ?? '');
    if (!m) throw new StackError(`Invalid interpolation "${whole}" in ${where}.`);
    const [, name, op, arg = ''] = m;
    const value = env[name];
    const unset = value === undefined;
    const empty = unset || value === '';
    switch (op) {
      case undefined:
        return value ?? '';
      case ':-':
        return empty ? arg : value;
      case '-':
        return unset ? arg : value;
      case ':+':
        return empty ? '' : arg;
      case '+':
        return unset ? '' : arg;
      case ':?':
      case '?':
        if (op === ':?' ? empty : unset) throw new StackError(`Set ${name}: ${arg || 'it is required'} (needed by ${where}).`);
        return value as string;
      default:
        throw new StackError(`Invalid interpolation "${whole}" in ${where}.`);
    }
  });
}

export function interpolateDeep(value: unknown, env: Env, where: string): unknown {
  if (typeof value === 'string') return interpolate(value, env, where);
  if (Array.isArray(value)) return value.map((v) => interpolateDeep(v, env, where));
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateDeep(v, env, where)]));
  return value;
}

// ---- small parsers ---------------------------------------------------------------------------------

/** Splits a command string like a POSIX shell would (quotes and backslashes; no expansions). */
export function splitCommand(text: string, where: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else cur += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1])) cur += text[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new StackError(`Unterminated ${quote} quote in ${where}.`);
  if (inWord) out.push(cur);
  return out;
}

const DURATION_UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go duration ("10s", "1m30s", "1.5h", "250ms") to nanoseconds. */
export function parseDuration(text: string, where: string): number {
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  if (text === '0') return 0;
  while ((m = re.exec(text)) !== null) {
    total += parseFloat(m[1]) * DURATION_UNITS[m[2]];
    pos = re.lastIndex;
  }
  if (pos === 0 || pos !== text.length) throw new StackError(`Invalid duration "${text}" in ${where} (expected e.g. "10s", "1m30s").`);
  return Math.round(total);
}

export function str(v: unknown, where: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new StackError(`Expected a string in ${where}, got ${JSON.stringify(v)}.`);
}

export function strList(v: unknown, where: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new StackError(`Expected a list in ${where}.`);
  return v.map((x) => str(x, where));
}

/** A map, or a list of "k=v" (`sep` also accepted for extra_hosts "host:ip"); value null = "no value". */
export function keyValues(v: unknown, where: string, seps: readonly string[] = ['=']): Array<[string, string | null]> {
  if (v === undefined || v === null) return [];
  if (isRecord(v)) return Object.entries(v).map(([k, x]) => [k, x === null ? null : str(x, `${where}.${k}`)]);
  return strList(v, where).map((item) => {
    const i = Math.min(...seps.map((s) => item.indexOf(s)).filter((x) => x >= 0));
    return Number.isFinite(i) ? [item.slice(0, i), item.slice(i + 1)] : [item, null];
  });
}

export function command(v: unknown, where: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? splitCommand(v, where) : strList(v, where);
}

function portNumber(text: string, where: string): number {
  if (!/^\d+$/.test(text)) throw new StackError(`Invalid port "${text}" in ${where} (port ranges are not supported).`);
  const n = Number(text);
  if (n < 1 || n > 65535) throw new StackError(`Port ${n} out of range in ${where}.`);
  return n;
}

function protocol(text: string | undefined, where: string): 'tcp' | 'udp' {
  const p = (text ?? 'tcp').toLowerCase();
  if (p !== 'tcp' && p !== 'udp') throw new StackError(`Unsupported protocol "${text}" in ${where}.`);
  return p;
}

/** Short ("[ip:][host:]container[/proto]") or long port syntax; the address is always `hostIp`. */
export function parsePort(entry: unknown, hostIp: string, where: string): PublishedPort {
  if (isRecord(entry)) {
    const containerPort = portNumber(str(entry.target, `${where}.target`), where);
    const published = entry.published === undefined || entry.published === null ? '' : str(entry.published, `${where}.published`);
    return { hostIp, hostPort: published === '' ? 0 : portNumber(published, where), containerPort, protocol: protocol(entry.protocol as string | undefined, where) };
  }
  const text = str(entry, where);
  const slash = text.lastIndexOf('/');
  const spec = slash >= 0 ? text.slice(0, slash) : text;
  const proto = protocol(slash >= 0 ? text.slice(slash + 1) : undefined, where);
  const colon = spec.lastIndexOf(':');
  const containerPort = portNumber(spec.slice(colon + 1), where);
  if (colon < 0) return { hostIp, hostPort: 0, containerPort, protocol: proto };
  const rest = spec.slice(0, colon); // "[ip:]host"; the compose file's ip is deliberately replaced by hostIp
  const host = rest.slice(rest.lastIndexOf(':') + 1);
  return { hostIp, hostPort: host === '' ? 0 : portNumber(host, where), containerPort, protocol: proto };
}

export function restartPolicy(v: string, where: string): Docker.HostRestartPolicy {
  const m = /^(no|always|unless-stopped|on-failure)(?::(\d+))?$/.exec(v);
  if (!m) throw new StackError(`Unsupported restart "${v}" in ${where}.`);
  return m[2] ? { Name: m[1], MaximumRetryCount: Number(m[2]) } : { Name: m[1] };
}

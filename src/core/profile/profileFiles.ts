import * as fs from 'node:fs';
import * as path from 'node:path';
import { errorMessage } from '../errors';
import type { FrameKey, ProcessSamples } from './sampleEnergy';
import { scriptPath, SourceMapper } from './sourceMaps';

/** Profiles above this are not read (a runaway one would take the memory of the CLI or the editor). */
export const DEFAULT_MAX_PROFILE_BYTES = 256 * 1024 * 1024;

export interface ReadProfiles {
  readonly profiles: Map<number, ProcessSamples>;
  /** Profiles that could not be used, one sentence each (they go to the profile's limits). */
  readonly problems: string[];
}

// V8's pseudo-functions (src/profiler/profile-generator.cc: kProgramEntryName, kIdleEntryName, kGarbageCollectorEntryName).
const V8_SYNTHETIC = new Set(['(program)', '(idle)', '(garbage collector)', '(root)']);

/** Node's --cpu-prof names (CPU.<date>.<time>.<pid>.<tid>.<seq>.cpuprofile) and ours (node-<pid>.cpuprofile, python-<pid>.json). */
function pidOf(name: string): { pid: number; kind: 'v8' | 'python' } | undefined {
  let m = /^node-(\d+)\.cpuprofile$/.exec(name) ?? /^CPU\.\d+\.\d+\.(\d+)\.\d+\.\d+\.cpuprofile$/.exec(name);
  if (m) return { pid: Number(m[1]), kind: 'v8' };
  m = /^python-(\d+)\.json$/.exec(name);
  return m ? { pid: Number(m[1]), kind: 'python' } : undefined;
}

/** Reads every profile the tree's processes wrote into `dir`. */
export function readProfiles(dir: string, maxBytes = DEFAULT_MAX_PROFILE_BYTES, mapper = new SourceMapper()): ReadProfiles {
  const profiles = new Map<number, ProcessSamples>();
  const problems: string[] = [];
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir).sort();
  } catch (err) {
    problems.push(`The profiles could not be read (${errorMessage(err)}).`);
  }
  for (const name of names) {
    const id = pidOf(name);
    if (!id || profiles.has(id.pid)) continue;
    const file = path.join(dir, name);
    try {
      const size = fs.statSync(file).size;
      if (size > maxBytes)
        throw new Error(`it is ${(size / 1048576).toFixed(1)} MB, over the ${(maxBytes / 1048576).toFixed(1)} MB cap, so it was not read`);
      const text = fs.readFileSync(file, 'utf8');
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch (err) {
        throw new Error(`it is not valid JSON (${errorMessage(err)})`, { cause: err });
      }
      profiles.set(id.pid, id.kind === 'v8' ? parseCpuProfile(id.pid, doc, mapper, dir) : parsePythonSamples(id.pid, doc));
    } catch (err) {
      problems.push(
        `The profile of process ${id.pid} (${name}) is unusable: ${errorMessage(err)}; its energy is on its '(unprofiled)' frame.`,
      );
    }
  }
  return { profiles, problems };
}

interface V8Node {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  readonly children?: number[];
  readonly positionTicks?: { line: number; ticks: number }[];
}

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;

function checkV8(doc: unknown): asserts doc is {
  nodes: V8Node[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
  optivoltCpuUs?: unknown;
} {
  if (!isObj(doc) || !Array.isArray(doc.nodes) || !Array.isArray(doc.samples) || !Array.isArray(doc.timeDeltas))
    throw new Error('it is not a V8 CPU profile (no nodes, samples and timeDeltas)');
  if (!isNum(doc.startTime) || !isNum(doc.endTime)) throw new Error('it has no startTime/endTime');
  if (doc.samples.length !== doc.timeDeltas.length) throw new Error('its samples and timeDeltas differ in length');
  for (const n of doc.nodes as unknown[]) {
    const cf = isObj(n) ? n.callFrame : undefined;
    if (!isObj(n) || !isNum(n.id) || !isObj(cf) || typeof cf.functionName !== 'string' || typeof cf.url !== 'string')
      throw new Error('one of its nodes has no id or callFrame');
  }
  if (!(doc.samples as unknown[]).every(isNum) || !(doc.timeDeltas as unknown[]).every(isNum))
    throw new Error('a sample or time delta is not a number');
}

/**
 * A V8 .cpuprofile (the Profiler domain's Profile: nodes with callFrame, samples, timeDeltas in µs from startTime,
 * on V8's TimeTicks: TimeTicks::Now is ClockNow(CLOCK_MONOTONIC) on Linux, deps/v8/src/base/platform/time.cc) as
 * time-ordered samples. Frames of the
 * preload in `profilerDir` become one '(optivolt profiler start)' frame.
 */
export function parseCpuProfile(pid: number, doc: unknown, mapper: SourceMapper, profilerDir?: string): ProcessSamples {
  checkV8(doc);
  const byId = new Map<number, V8Node>(doc.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of doc.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const frames: FrameKey[] = [];
  const frameIds = new Map<string, number>();
  const frameOf = (n: V8Node): number => {
    const cf = n.callFrame;
    const name = cf.functionName || '(anonymous)';
    const synthetic = cf.url === '' && V8_SYNTHETIC.has(name);
    let key: FrameKey = { name, ...(synthetic ? { synthetic: true } : {}) };
    const file = scriptPath(cf.url);
    // The preload that started the profiler (a temp file, gone after the run): its own cost, said as such.
    if (file && profilerDir && file.startsWith(profilerDir + path.sep)) key = { name: '(optivolt profiler start)', synthetic: true };
    else if (file && cf.lineNumber >= 0) {
      const pos = mapper.map(file, cf.lineNumber + 1, cf.columnNumber);
      key = { name, file: pos.file, line: pos.line, ...(pos.column !== undefined ? { column: pos.column } : {}) };
    } else if (file) key = { name, file };
    const k = `${key.name}\u0000${key.file ?? ''}\u0000${key.line ?? ''}\u0000${key.column ?? ''}`;
    let id = frameIds.get(k);
    if (id === undefined) {
      id = frames.length;
      frames.push(key);
      frameIds.set(k, id);
    }
    return id;
  };
  const stacks: number[][] = [];
  const stackOfNode = new Map<number, number>();
  const idleStacks = new Set<number>();
  const lineTicks = new Map<number, { line: number; ticks: number }[]>();
  const stackFor = (id: number): number => {
    const known = stackOfNode.get(id);
    if (known !== undefined) return known;
    const chain: number[] = [];
    let leaf: V8Node | undefined;
    for (let cur: number | undefined = id, depth = 0; cur !== undefined && depth < 10000; cur = parent.get(cur), depth++) {
      const n = byId.get(cur);
      if (!n) throw new Error(`a sample names node ${cur}, which it does not have`);
      leaf ??= n;
      if (n.callFrame.functionName === '(root)' && n.callFrame.url === '') break;
      chain.push(frameOf(n));
    }
    chain.reverse();
    const s = stacks.length;
    stacks.push(chain);
    stackOfNode.set(id, s);
    if (leaf?.callFrame.functionName === '(idle)' && leaf.callFrame.url === '') idleStacks.add(s);
    const file = leaf ? scriptPath(leaf.callFrame.url) : undefined;
    if (leaf?.positionTicks?.length && file)
      lineTicks.set(
        s,
        leaf.positionTicks
          .filter((p) => isNum(p.line) && isNum(p.ticks))
          .map((p) => ({ line: mapper.map(file, p.line, -1).line, ticks: p.ticks })),
      );
    return s;
  };
  // Sample i is at startTime + timeDeltas[0..i]; it stands for the time until the next one (the last: until endTime),
  // capped (below).
  const n = doc.samples.length;
  const raw: { t: number; s: number }[] = [];
  let t = doc.startTime;
  for (let i = 0; i < n; i++) {
    t += doc.timeDeltas[i];
    raw.push({ t, s: stackFor(doc.samples[i]) });
  }
  raw.sort((a, b) => a.t - b.t);
  const times = raw.map((r) => r.t);
  const deltas = raw.map((r, i) => Math.max(0, (i + 1 < n ? raw[i + 1].t : Math.max(doc.endTime, r.t)) - r.t));
  // A delta far above the profile's usual one is mostly time the thread was not running (descheduled on a busy
  // machine: V8's sampler signals coalesce, so the next sample comes late) or the tail after the last sample: it is
  // capped at twice the median delta, so one late sample does not take a whole stall's energy.
  const sorted = deltas.filter((d) => d > 0).sort((a, b) => a - b);
  const cap = sorted.length ? 2 * sorted[sorted.length >> 1] : Infinity;
  const weights = deltas.map((d) => Math.min(d, cap));
  const cpuUs = isNum(doc.optivoltCpuUs) && doc.optivoltCpuUs >= 0 ? doc.optivoltCpuUs : undefined;
  return {
    pid,
    runtime: 'node',
    frames,
    stacks,
    idleStacks,
    times,
    stackOf: raw.map((r) => r.s),
    weights,
    lineTicks,
    ...(cpuUs !== undefined ? { cpuUs } : {}),
  };
}

/** python-<pid>.json from the sitecustomize sampler (pythonSampler.ts). */
export function parsePythonSamples(pid: number, doc: unknown): ProcessSamples {
  if (
    !isObj(doc) ||
    doc.format !== 'optivolt-python-samples' ||
    !Array.isArray(doc.frames) ||
    !Array.isArray(doc.stacks) ||
    !Array.isArray(doc.samples)
  )
    throw new Error('it is not an OptiVolt Python sample file');
  const interval = isNum(doc.intervalUs) && doc.intervalUs > 0 ? doc.intervalUs : 1000;
  const frames: FrameKey[] = (doc.frames as unknown[]).map((f) => {
    if (!Array.isArray(f) || typeof f[0] !== 'string' || typeof f[1] !== 'string' || !isNum(f[2])) throw new Error('a frame is malformed');
    const file = f[1].startsWith('<') ? undefined : f[1];
    return file ? { name: f[0], file, line: f[2] } : { name: `${f[0]} ${f[1]}` };
  });
  const stacks = (doc.stacks as unknown[]).map((s) => {
    if (!Array.isArray(s) || !s.every((x) => Number.isInteger(x) && x >= 0 && x < frames.length)) throw new Error('a stack is malformed');
    return s as number[];
  });
  const samples = (doc.samples as unknown[]).map((s) => {
    if (!Array.isArray(s) || !isNum(s[0]) || !Number.isInteger(s[1]) || s[1] < 0 || s[1] >= stacks.length)
      throw new Error('a sample is malformed');
    return { t: s[0] as number, s: s[1] as number, line: isNum(s[2]) ? (s[2] as number) : 0 };
  });
  samples.sort((a, b) => a.t - b.t);
  // Each sample is one interval of the process's CPU time (ITIMER_PROF): its weight, whatever the wall time between.
  return {
    pid,
    runtime: 'python',
    frames,
    stacks,
    idleStacks: new Set(),
    times: samples.map((s) => s.t),
    stackOf: samples.map((s) => s.s),
    weights: samples.map(() => interval),
    lines: samples.map((s) => s.line),
    ...(isNum(doc.cpuUs) && doc.cpuUs >= 0 ? { cpuUs: doc.cpuUs } : {}),
  };
}

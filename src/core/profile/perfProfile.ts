import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { errorMessage } from '../errors';
import type { FrameKey, ProcessSamples } from './sampleEnergy';

/**
 * Linux perf for the processes that are neither Node nor Python (opt-in, `--perf`): the command runs under
 * `perf record -g -k CLOCK_MONOTONIC` (so sample times are on the clock of the energy intervals; perf-record(1)
 * --clockid), and `perf script` turns the samples into stacks of native frames (symbol and binary, no lines).
 * perf record exits with the command's own code.
 */

export const PERF_DATA = 'perf.data';

/** The command line that runs `command` under perf record, its data in `dir`. */
export function perfCommand(command: string, args: readonly string[], dir: string, intervalUs: number, procRoot = '/proc'): string[] {
  let max = 100000;
  try {
    max = Number(fs.readFileSync(path.join(procRoot, 'sys/kernel/perf_event_max_sample_rate'), 'utf8').trim()) || max;
  } catch {
    /* the kernel's default */
  }
  const hz = Math.max(1, Math.min(max, Math.round(1e6 / intervalUs)));
  return ['record', '-q', '-g', '-k', 'CLOCK_MONOTONIC', '-F', String(hz), '-o', path.join(dir, PERF_DATA), '--', command, ...args];
}

/** The program as the shell would find it, or undefined (perf itself would only exit 255). */
export function findExecutable(command: string, envPath = process.env.PATH ?? ''): string | undefined {
  const ok = (f: string): boolean => {
    try {
      fs.accessSync(f, fs.constants.X_OK);
      return fs.statSync(f).isFile();
    } catch {
      return false;
    }
  };
  if (command.includes('/')) return ok(command) ? command : undefined;
  for (const d of envPath.split(path.delimiter)) if (d !== '' && ok(path.join(d, command))) return path.join(d, command);
  return undefined;
}

const HEADER = /^(.*?)\s+(\d+)\/(\d+)\s+(\d+\.\d+):\s+(\d+)\s*$/;
const FRAME = /^\s+[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$/;

/** `perf script -F comm,pid,tid,time,period,ip,sym,dso` output as samples per process (cpu-clock periods in ns). */
export function parsePerfScript(text: string, skip: ReadonlySet<number>): Map<number, ProcessSamples> {
  const acc = new Map<
    number,
    {
      comm: string;
      frames: FrameKey[];
      ids: Map<string, number>;
      stacks: number[][];
      stackIds: Map<string, number>;
      samples: { t: number; s: number; w: number }[];
    }
  >();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const h = HEADER.exec(lines[i]);
    if (!h) continue;
    const pid = Number(h[2]);
    const chain: { name: string; file?: string }[] = [];
    while (i + 1 < lines.length && lines[i + 1].trim() !== '') {
      const f = FRAME.exec(lines[++i]);
      if (!f) continue;
      const dso = f[2];
      const known = f[1] !== '[unknown]';
      chain.push({ name: known ? f[1] : `[unknown] ${path.basename(dso)}`, ...(dso.startsWith('/') ? { file: dso } : {}) });
    }
    if (skip.has(pid) || chain.length === 0) continue;
    let e = acc.get(pid);
    if (!e) acc.set(pid, (e = { comm: h[1], frames: [], ids: new Map(), stacks: [], stackIds: new Map(), samples: [] }));
    const stack = chain.reverse().map((f) => {
      const k = `${f.name}\u0000${f.file ?? ''}`;
      let id = e.ids.get(k);
      if (id === undefined) {
        id = e.frames.length;
        e.frames.push(f);
        e.ids.set(k, id);
      }
      return id;
    });
    const key = stack.join(',');
    let s = e.stackIds.get(key);
    if (s === undefined) {
      s = e.stacks.length;
      e.stacks.push(stack);
      e.stackIds.set(key, s);
    }
    e.comm = h[1]; // the name after exec
    e.samples.push({ t: Math.round(Number(h[4]) * 1e6), s, w: Number(h[5]) / 1000 });
  }
  const out = new Map<number, ProcessSamples>();
  for (const [pid, e] of acc) {
    e.samples.sort((a, b) => a.t - b.t);
    out.set(pid, {
      pid,
      runtime: 'other',
      comm: e.comm,
      frames: e.frames,
      stacks: e.stacks,
      idleStacks: new Set(),
      times: e.samples.map((x) => x.t),
      stackOf: e.samples.map((x) => x.s),
      weights: e.samples.map((x) => x.w),
    });
  }
  return out;
}

/** Reads the run's perf.data (if any) for the processes without a profile of their own. */
export function readPerfProfiles(
  dir: string,
  skip: ReadonlySet<number>,
  maxBytes: number,
): { profiles: Map<number, ProcessSamples>; problems: string[] } {
  const file = path.join(dir, PERF_DATA);
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (!st) return { profiles: new Map(), problems: ['perf wrote no samples (perf.data is missing).'] };
  if (st.size > maxBytes)
    return {
      profiles: new Map(),
      problems: [`perf's samples are ${(st.size / 1048576).toFixed(1)} MB, over the ${(maxBytes / 1048576).toFixed(1)} MB cap: not read.`],
    };
  const r = spawnSync('perf', ['script', '-i', file, '-F', 'comm,pid,tid,time,period,ip,sym,dso'], {
    encoding: 'utf8',
    maxBuffer: 8 * maxBytes,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.error || r.status !== 0)
    return { profiles: new Map(), problems: [`perf script failed: ${r.error ? errorMessage(r.error) : r.stderr.trim().split('\n')[0]}`] };
  return { profiles: parsePerfScript(r.stdout, skip), problems: [] };
}

import { USER_HZ } from '../attribution/attribute';
import { processShares, ProcessSamples } from '../profile/sampleEnergy';
import type { ProcessTimeline } from '../profile/timeline';
import type { TestRecord } from './testRecords';

/**
 * Each test case's Joules, as pure functions over the measurement's per-process timeline (profile-core's
 * TimelineRecorder) and the hooks' records.
 *
 * Each interval's Joules go to the tree's processes as the profiler shares them (processShares: own CPU ticks, the
 * last ticks of processes that ended by their CPU total at exit). A process's share of an interval is then split
 * between the tests that ran in it and the time outside any test, by CPU time: a test's CPU over its window (the
 * hook's process.cpuUsage or os.times delta) spread evenly over the window, the rest of the process's CPU in the
 * interval to the time outside tests. Where the process's CPU in the interval is unknown the split is by time. A test
 * window inside another's (node:test subtests) counts for the inner test only. Tests overlapping in one process
 * (concurrent tests) each weigh their own window's CPU, which is the whole process's: their split is by time then,
 * and the run says so. Nothing is lost: a process's tests and its '(outside tests)' add up to its share.
 */

export interface TestEnergy extends TestRecord {
  readonly joules: number;
}

export interface ProcessRest {
  readonly pid: number;
  readonly comm: string;
  readonly joules: number;
}

export interface TestRunEnergy {
  readonly tests: TestEnergy[];
  /** Per process that ran tests: its energy outside any test (start-up, collection, hooks, teardown). */
  readonly outside: ProcessRest[];
  /** Processes that ran no test (a runner's parent, npm, a shell) and energy no process carried (pid 0). */
  readonly others: ProcessRest[];
  readonly totalJoules: number;
  /** Whether tests overlapped in time within one process. */
  readonly concurrent: boolean;
}

const US_PER_TICK = 1e6 / USER_HZ;

/** An empty profile that carries only a process's CPU total at exit, which processShares uses for its last ticks. */
function cpuOnly(pid: number, cpuUs: number): ProcessSamples {
  return { pid, runtime: 'node', frames: [], stacks: [], idleStacks: new Set(), times: [], stackOf: [], weights: [], cpuUs };
}

interface Segment {
  readonly a: number;
  readonly b: number;
  readonly active: readonly number[];
}

/** Elementary segments of [s, e) with the innermost tests active in each (indices into `tests`). */
function segments(tests: readonly TestRecord[], s: number, e: number): Segment[] {
  const cuts = new Set<number>([s, e]);
  for (const t of tests) {
    if (t.startUs > s && t.startUs < e) cuts.add(t.startUs);
    if (t.endUs > s && t.endUs < e) cuts.add(t.endUs);
  }
  const xs = [...cuts].sort((x, y) => x - y);
  const out: Segment[] = [];
  for (let k = 0; k + 1 < xs.length; k++) {
    const [a, b] = [xs[k], xs[k + 1]];
    const on = tests.map((t, i) => (t.startUs <= a && t.endUs >= b ? i : -1)).filter((i) => i >= 0);
    const inner = on.filter(
      (i) =>
        !on.some(
          (j) =>
            j !== i &&
            tests[j].startUs >= tests[i].startUs &&
            tests[j].endUs <= tests[i].endUs &&
            !(tests[j].startUs === tests[i].startUs && tests[j].endUs === tests[i].endUs && j < i),
        ),
    );
    out.push({ a, b, active: inner });
  }
  return out;
}

/** Splits the timeline's energy between tests (see the module comment). */
export function testEnergies(
  timeline: ProcessTimeline,
  records: readonly TestRecord[],
  exitCpuUs: ReadonlyMap<number, number>,
): TestRunEnergy {
  const profiles = new Map<number, ProcessSamples>();
  for (const [pid, cpu] of exitCpuUs) profiles.set(pid, cpuOnly(pid, cpu));
  const shares = processShares(timeline, profiles);
  const byPid = new Map<number, TestRecord[]>();
  for (const r of records) byPid.set(r.pid, [...(byPid.get(r.pid) ?? []), r]);
  const joules = records.map(() => 0);
  const index = new Map(records.map((r, i) => [r, i]));
  const processJoules = new Map<number, number>();
  const seenUs = new Map<number, number>();
  let concurrent = false;
  timeline.intervals.forEach((iv, k) => {
    for (const [pid, share] of shares[k]) {
      processJoules.set(pid, (processJoules.get(pid) ?? 0) + share);
      const own = iv.own.get(pid);
      const seen = seenUs.get(pid) ?? 0;
      // The process's CPU in the interval: its ticks, or for one that ended in it, its total at exit less what was seen.
      const cpuUs = own !== undefined ? own * US_PER_TICK : exitCpuUs.has(pid) ? Math.max(0, (exitCpuUs.get(pid) ?? 0) - seen) : 0;
      seenUs.set(pid, seen + cpuUs);
      const tests = byPid.get(pid);
      if (!tests || !(share > 0) || iv.endUs <= iv.startUs) continue;
      const segs = segments(tests, iv.startUs, iv.endUs);
      const testW = new Map<number, number>();
      const timeW = new Map<number, number>();
      let outsideUs = 0;
      for (const sg of segs) {
        const len = sg.b - sg.a;
        if (sg.active.length === 0) outsideUs += len;
        if (sg.active.length > 1) concurrent = true;
        for (const i of sg.active) {
          const t = tests[i];
          const dur = t.endUs - t.startUs;
          const rate = sg.active.length > 1 ? 1 / sg.active.length : dur > 0 ? Math.min(1, t.cpuUs / dur) : 0;
          testW.set(i, (testW.get(i) ?? 0) + rate * len);
          timeW.set(i, (timeW.get(i) ?? 0) + len / sg.active.length);
        }
      }
      const testCpu = [...testW.values()].reduce((a, b) => a + b, 0);
      let weights = testW;
      let outsideW = outsideUs > 0 ? Math.max(0, cpuUs - testCpu) : 0;
      if (cpuUs <= 0 || testCpu + outsideW <= 0) {
        weights = timeW;
        outsideW = outsideUs;
      }
      const total = [...weights.values()].reduce((a, b) => a + b, 0) + outsideW;
      if (total <= 0) continue;
      for (const [i, w] of weights) joules[index.get(tests[i]) ?? 0] += (share * w) / total;
    }
  });
  const tests = records.map((r, i) => ({ ...r, joules: joules[i] }));
  const comm = (pid: number): string => timeline.processes.get(pid)?.comm ?? 'process';
  const outside: ProcessRest[] = [];
  const others: ProcessRest[] = [];
  for (const [pid, j] of processJoules) {
    const inTests = byPid.has(pid) ? tests.filter((t) => t.pid === pid).reduce((a, t) => a + t.joules, 0) : 0;
    (byPid.has(pid) ? outside : others).push({ pid, comm: comm(pid), joules: Math.max(0, j - inTests) });
  }
  for (const pid of byPid.keys()) if (!processJoules.has(pid)) outside.push({ pid, comm: comm(pid), joules: 0 });
  const attributed = [...processJoules.values()].reduce((a, b) => a + b, 0);
  const rest = timeline.energyJoules - attributed;
  if (rest > 1e-9 * Math.max(1, timeline.energyJoules)) others.push({ pid: 0, comm: '(unattributed)', joules: rest });
  return { tests, outside, others, totalJoules: timeline.energyJoules, concurrent };
}

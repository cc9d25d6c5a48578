// Attribution of a measured tree's energy to profile samples, as pure functions on hand-made timelines and profiles;
// and the profile readers on real files in temp folders (corrupt, huge, malformed), the exports and profilingEnv.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { assembleProfile, buildEnergyProfile, runEnergy } from '../../src/core/profile/buildProfile';
import { toFolded, toSpeedscope } from '../../src/core/profile/profileExport';
import { parsePerfScript } from '../../src/core/profile/perfProfile';
import { parseCpuProfile, readProfiles } from '../../src/core/profile/profileFiles';
import { perfAvailability } from '../../src/core/profile/profileCommand';
import { profilingEnv } from '../../src/core/profile/profilingEnv';
import { attributeSamples, ProcessSamples, processShares } from '../../src/core/profile/sampleEnergy';
import { SourceMapper } from '../../src/core/profile/sourceMaps';
import type { ProcessTimeline, TimelineInterval } from '../../src/core/profile/timeline';

const iv = (
  startUs: number,
  endUs: number,
  joules: number,
  ticks: number,
  own: [number, number][],
  gone: number[] = [],
): TimelineInterval => ({
  startUs,
  endUs,
  joules,
  ticks,
  own: new Map(own),
  gone,
});

const timeline = (intervals: TimelineInterval[], comms: [number, string][] = [], roots = [1]): ProcessTimeline => ({
  intervals,
  processes: new Map(comms.map(([pid, comm]) => [pid, { pid, ppid: 0, comm }])),
  rootPids: roots,
  energyJoules: intervals.reduce((s, i) => s + i.joules, 0),
});

/** A profile with frames a (0), b (1), (idle) (2); stacks [a], [a,b], [(idle)]; samples at the given times. */
function samples(pid: number, at: [number, 0 | 1 | 2][], weight = 1000): ProcessSamples {
  return {
    pid,
    runtime: 'node',
    frames: [
      { name: 'a', file: '/p/a.js', line: 1 },
      { name: 'b', file: '/p/a.js', line: 5 },
      { name: '(idle)', synthetic: true },
    ],
    stacks: [[0], [0, 1], [2]],
    idleStacks: new Set([2]),
    times: at.map((x) => x[0]),
    stackOf: at.map((x) => x[1]),
    weights: at.map(() => weight),
  };
}

describe('profile attribution (pure)', () => {
  it('shares an interval among processes by their own CPU ticks, conserving its Joules', () => {
    const s = processShares(
      timeline([
        iv(0, 1000, 8, 4, [
          [1, 3],
          [2, 1],
        ]),
      ]),
      new Map(),
    );
    assert.deepEqual([...s[0]].sort(), [
      [1, 6],
      [2, 2],
    ]);
  });

  it('gives ticks no live process shows to the processes that ended in the interval, or to sampled unseen ones', () => {
    // 10 ticks counted, 4 by pid 1 alive: the other 6 are pid 2's, which ended.
    const gone = processShares(timeline([iv(0, 1000, 10, 10, [[1, 4]], [2])]), new Map());
    assert.ok(Math.abs(gone[0].get(2)! - 6) < 1e-9 && Math.abs(gone[0].get(1)! - 4) < 1e-9, JSON.stringify([...gone[0]]));
    // pid 3 was never scanned (born and gone between scans) but sampled in the interval: the rest is its.
    const unseen = processShares(
      timeline([iv(0, 1000, 10, 10, [[1, 5]])]),
      new Map([
        [
          3,
          samples(3, [
            [100, 0],
            [200, 1],
          ]),
        ],
      ]),
    );
    assert.ok(Math.abs(unseen[0].get(3)! - 5) < 1e-9, JSON.stringify([...unseen[0]]));
    // Both ended in the second interval, both sampled alike there: what each spent unseen (its CPU total at exit less
    // the ticks the scans counted) decides. pid 1: 20 ticks in all, 18 seen; pid 2: 10 in all, 2 seen.
    const both = processShares(
      timeline([
        iv(0, 1000, 20, 20, [
          [1, 18],
          [2, 2],
        ]),
        iv(1000, 2000, 10, 10, [], [1, 2]),
      ]),
      new Map([
        [1, { ...samples(1, [[1100, 0]]), cpuUs: 200_000 }],
        [2, { ...samples(2, [[1100, 0]]), cpuUs: 100_000 }],
      ]),
    );
    assert.ok(Math.abs(both[1].get(1)! - 2) < 1e-9 && Math.abs(both[1].get(2)! - 8) < 1e-9, JSON.stringify([...both[1]]));
    // Nothing to go by: the root carries it.
    const none = processShares(timeline([iv(0, 1000, 3, 0, [])], [], [7]), new Map());
    assert.deepEqual([...none[0]], [[7, 3]]);
  });

  it('spreads a process share over its samples by their time, never over idle samples, and keeps the rest on the process', () => {
    const t = timeline([iv(0, 1000, 6, 3, [[1, 3]]), iv(1000, 2000, 4, 2, [[1, 2]])]);
    // Interval 1: a (1 ms), a;b (2 ms), idle (5 ms). Interval 2: idle only.
    const p: ProcessSamples = {
      ...samples(1, [
        [100, 0],
        [200, 1],
        [300, 2],
        [1500, 2],
      ]),
      weights: [1000, 2000, 5000, 1000],
    };
    const e = attributeSamples(t, new Map([[1, p]])).get(1)!;
    assert.ok(Math.abs(e.stackJoules.get(0)!.joules - 2) < 1e-9, 'a: 6 J × 1/3');
    assert.ok(Math.abs(e.stackJoules.get(1)!.joules - 4) < 1e-9, 'a;b: 6 J × 2/3');
    assert.equal(e.stackJoules.get(2), undefined, 'idle is never charged');
    assert.ok(Math.abs(e.unsampledJoules - 4) < 1e-9, 'the idle-only interval stays on the process');
    assert.ok(Math.abs(e.joules - 10) < 1e-9);
  });

  it('builds a profile whose self energies add up to the tree energy; an unprofiled process has its own frame', () => {
    const t = timeline(
      [
        iv(0, 1000, 6, 3, [
          [1, 2],
          [2, 1],
        ]),
        iv(1000, 2000, 4, 2, [[1, 2]]),
      ],
      [
        [1, 'node'],
        [2, 'sh'],
      ],
    );
    const profiles = new Map([
      [
        1,
        samples(1, [
          [100, 0],
          [600, 1],
          [1200, 1],
          [1700, 1],
        ]),
      ],
    ]);
    const run = runEnergy(t, profiles, 2);
    const p = assembleProfile([run], {
      command: ['node', 'x.js'],
      cwd: '/p',
      startedAt: 'now',
      source: 'rapl',
      estimated: false,
      intervalUs: 1000,
    });
    const total = p.functions.reduce((s, f) => s + f.selfJoules, 0);
    assert.ok(Math.abs(total - 10) < 1e-9, `${total}`);
    assert.equal(p.totalJoules, 10);
    const sh = p.functions.find((f) => f.name.startsWith('(unprofiled) sh ['));
    assert.ok(sh && sh.synthetic && Math.abs(sh.selfJoules - 2) < 1e-9, JSON.stringify(p.functions));
    const b = p.functions.find((f) => f.name === 'b')!;
    const a = p.functions.find((f) => f.name === 'a')!;
    assert.ok(Math.abs(b.selfJoules - 6) < 1e-9 && Math.abs(a.totalJoules - 8) < 1e-9, JSON.stringify(p.functions));
    assert.ok(
      p.limits.some((l) => /needs Node\.js or Python: sh/.test(l)),
      p.limits.join('\n'),
    );
    assert.deepEqual(
      p.processes.map((x) => [x.pid, x.runtime, x.profiled]),
      [
        [1, 'node', true],
        [2, 'other', false],
      ],
    );
    // Two runs: means, per-run figures and their spread.
    const run2 = runEnergy({ ...t, intervals: t.intervals.map((i) => ({ ...i, joules: i.joules * 2 })), energyJoules: 20 }, profiles, 2);
    const p2 = assembleProfile([run, run2], {
      command: ['x'],
      cwd: '/',
      startedAt: 'now',
      source: 'rapl',
      estimated: false,
      intervalUs: 1000,
    });
    const b2 = p2.functions.find((f) => f.name === 'b')!;
    assert.equal(p2.runs, 2);
    assert.equal(p2.totalJoules, 15);
    assert.deepEqual(b2.runs, [6, 12]);
    assert.ok(Math.abs(b2.selfJoules - 9) < 1e-9 && Math.abs(b2.stdSelfJoules! - Math.sqrt(18)) < 1e-9, JSON.stringify(b2));

    // Exports: folded stacks in whole µJ adding up to the total; speedscope weights in Joules per process.
    const folded = toFolded(p).trim().split('\n');
    const uj = folded.reduce((s, l) => s + Number(/ (\d+)$/.exec(l)![1]), 0);
    assert.equal(uj, 10_000_000);
    assert.ok(folded.includes('node [1];a (/p/a.js:1);b (/p/a.js:5) 6000000'), folded.join('\n'));
    const ss = toSpeedscope(p);
    assert.equal(ss.profiles.length, 2);
    assert.ok(Math.abs(ss.profiles.reduce((s, x) => s + x.weights.reduce((a2, w) => a2 + w, 0), 0) - 10) < 1e-9);
  });

  it('reads perf script output: stacks root first, times in µs on CLOCK_MONOTONIC, cpu-clock periods as weights', () => {
    const text = [
      'perf 10/10 100.000100:    1000000 ',
      '\t  1234 main (/usr/bin/perf)',
      '',
      'sh 11/11 100.000500:    1000000 ',
      '\t  14f13 [unknown] (/usr/bin/dash)',
      '\t  55ac7c4b9ba0 [unknown] ([unknown])',
      '',
      'sh 11/11 100.001500:    2000000 ',
      '\t  48d84 __strtoll (/usr/lib/x86_64-linux-gnu/libc.so.6)',
      '\t  9e60 evaltree (/usr/bin/dash)',
      '',
    ].join('\n');
    const m = parsePerfScript(text, new Set([10]));
    assert.deepEqual([...m.keys()], [11]);
    const p = m.get(11)!;
    assert.equal(p.comm, 'sh');
    assert.deepEqual(p.times, [100000500, 100001500]);
    assert.deepEqual(p.weights, [1000, 2000]);
    assert.deepEqual(
      p.stacks[p.stackOf[1]].map((f) => p.frames[f]),
      [
        { name: 'evaltree', file: '/usr/bin/dash' },
        { name: '__strtoll', file: '/usr/lib/x86_64-linux-gnu/libc.so.6' },
      ],
    );
    assert.deepEqual(p.frames[p.stacks[p.stackOf[0]][0]], { name: '[unknown] [unknown]' });
  });

  it('reads V8 .cpuprofile timing: sample i at startTime + deltas[0..i], standing for the time to the next', () => {
    const doc = {
      nodes: [
        { id: 1, callFrame: { functionName: '(root)', scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 }, children: [2, 3] },
        {
          id: 2,
          callFrame: { functionName: 'f', scriptId: '1', url: 'file:///p/f.js', lineNumber: 9, columnNumber: 4 },
          positionTicks: [{ line: 11, ticks: 2 }],
        },
        { id: 3, callFrame: { functionName: '(idle)', scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 } },
      ],
      startTime: 1000,
      endTime: 1500,
      samples: [2, 2, 3],
      timeDeltas: [10, 100, 90],
    };
    const p = parseCpuProfile(5, doc, new SourceMapper());
    assert.deepEqual(p.times, [1010, 1110, 1200]);
    // 100, 90 and 300 (to endTime), capped at twice the median delta (100).
    assert.deepEqual(p.weights, [100, 90, 200]);
    assert.deepEqual(p.frames[p.stacks[p.stackOf[0]][0]], { name: 'f', file: '/p/f.js', line: 10, column: 5 });
    assert.ok(p.idleStacks.has(p.stackOf[2]));
    assert.deepEqual(p.lineTicks?.get(p.stackOf[0]), [{ line: 11, ticks: 2 }]);
    assert.throws(() => parseCpuProfile(5, { nodes: [] }, new SourceMapper()), /not a V8 CPU profile/);
    assert.throws(() => parseCpuProfile(5, { ...doc, samples: [9], timeDeltas: [1] }, new SourceMapper()), /names node 9/);
    assert.throws(() => parseCpuProfile(5, { ...doc, timeDeltas: [1] }, new SourceMapper()), /differ in length/);
  });
});

describe('profile files (temp folders)', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-profile-files-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses a corrupt, a malformed and a huge profile with a clear reason; the process keeps its energy unprofiled', () => {
    fs.writeFileSync(path.join(dir, 'node-11.cpuprofile'), '{"nodes": [');
    fs.writeFileSync(path.join(dir, 'python-12.json'), '{"format": "something else"}');
    fs.writeFileSync(
      path.join(dir, 'node-13.cpuprofile'),
      JSON.stringify({ nodes: [], samples: [], timeDeltas: [], startTime: 0, endTime: 0, pad: 'x'.repeat(400) }),
    );
    fs.writeFileSync(path.join(dir, 'unrelated.txt'), 'not a profile');
    const r = readProfiles(dir, 300);
    assert.equal(r.profiles.size, 0);
    assert.equal(r.problems.length, 3, r.problems.join('\n'));
    assert.match(
      r.problems.find((p) => p.includes('process 11'))!,
      /node-11\.cpuprofile\) is unusable: it is not valid JSON/,
    );
    assert.match(
      r.problems.find((p) => p.includes('process 12'))!,
      /not an OptiVolt Python sample file/,
    );
    assert.match(
      r.problems.find((p) => p.includes('process 13'))!,
      /MB, over the 0\.0 MB cap, so it was not read/,
    );
    const t = timeline([iv(0, 1000, 5, 5, [[11, 5]])], [[11, 'node']], [11]);
    const p = buildEnergyProfile(t, dir, {
      command: ['node'],
      cwd: dir,
      startedAt: 'now',
      source: 'estimate',
      estimated: true,
      intervalUs: 1000,
      durationSeconds: 1,
      maxProfileBytes: 300,
    });
    assert.deepEqual(
      p.functions.map((f) => [f.name, f.selfJoules]),
      [['(unprofiled) node [11]', 5]],
    );
    assert.ok(
      p.limits.some((l) => /process 11 .* not valid JSON/.test(l)),
      p.limits.join('\n'),
    );
    assert.match(p.model, /ESTIMATE/);
  });

  it('profilingEnv injects the profilers after the user settings, and dispose() removes its folder', () => {
    const e = profilingEnv({ NODE_OPTIONS: '--max-old-space-size=100', PYTHONPATH: '/mine', KEEP: '1' }, 500);
    try {
      assert.match(e.env.NODE_OPTIONS!, /^--max-old-space-size=100 --require \S+node-preload\.cjs$/);
      assert.equal(e.env.PYTHONPATH, `${path.join(e.dir, 'python')}${path.delimiter}/mine`);
      assert.equal(e.env.OPTIVOLT_PROFILE_INTERVAL_US, '500');
      assert.equal(e.env.KEEP, '1');
      assert.ok(fs.existsSync(path.join(e.dir, 'python', 'sitecustomize.py')));
    } finally {
      e.dispose();
    }
    assert.equal(fs.existsSync(e.dir), false);
    assert.throws(() => profilingEnv({}, 5), /100-1000000/);
  });

  it("perfAvailability reads perf_event_paranoid and the process's capabilities", () => {
    const proc = (paranoid: string | undefined, capEff: string): string => {
      fs.rmSync(path.join(dir, 'proc'), { recursive: true, force: true });
      fs.mkdirSync(path.join(dir, 'proc', 'sys', 'kernel'), { recursive: true });
      fs.mkdirSync(path.join(dir, 'proc', 'self'));
      if (paranoid !== undefined) fs.writeFileSync(path.join(dir, 'proc', 'sys', 'kernel', 'perf_event_paranoid'), `${paranoid}\n`);
      fs.writeFileSync(path.join(dir, 'proc', 'self', 'status'), `Name:\tnode\nCapEff:\t${capEff}\n`);
      return perfAvailability(path.join(dir, 'proc'));
    };
    assert.match(proc('2', '0000000000000000'), /perf_event_paranoid is 2, which allows sampling the user space of one's own processes/);
    assert.match(proc('3', '0000000000000000'), /perf_event_paranoid is 3, which forbids perf to users without CAP_PERFMON/);
    assert.match(proc('4', '0000004000000000'), /does not restrict this user/); // CAP_PERFMON (bit 38)
    assert.match(proc(undefined, '0000000000000000'), /the kernel has no perf events/);
    assert.match(proc('2', '0'), /perf binary is (not )?installed\.$/);
  });
});

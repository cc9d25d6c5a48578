// npm run bench (part 5): what energy profiling costs. The same programs (Node and Python, fixed work) run plain and
// with the profilers optivolt profile injects (profilingEnv, default interval), alternated so machine load hits both
// alike: the CPU time of the program's work (from inside it, so start-up is apart and other load on the machine counts less) and the whole process's wall
// time, as medians and their ratio. Then the size of what is stored per minute of run: the raw profiles the
// processes write and the EnergyProfile `optivolt profile --out` keeps. Figures, not a gate.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_INTERVAL_US, profilingEnv } from '../src/core/profile/profilingEnv';

const CLI = path.resolve(__dirname, '../../dist/cli.js');

/** Mixed work (arithmetic, JSON, sorting, regexps) so the profile has many stacks; prints its own work time (ms). */
const NODE_WORK = `
function arith(n) { let x = 0; for (let i = 0; i < n; i++) x = (x * 31 + i) % 1000003; return x; }
function json(n) { let s = 0; for (let i = 0; i < n; i++) s += JSON.parse(JSON.stringify({ a: [i, i + 1, { b: 'x'.repeat(i % 50) }] })).a[0]; return s; }
function sorting(n) { const a = Array.from({ length: n }, (_, i) => (i * 7919) % n); return a.sort((p, q) => p - q)[0]; }
function regex(n) { let c = 0; for (let i = 0; i < n; i++) if (/^(a+)+b$/.test('a'.repeat(i % 18) + 'b')) c++; return c; }
const rounds = Number(process.argv[2]);
const c0 = process.cpuUsage();
let s = 0;
for (let k = 0; k < rounds; k++) { s += arith(2e6); s += json(2e3); s += sorting(5e4); s += regex(2e3); }
const c = process.cpuUsage(c0);
process.stdout.write(String((c.user + c.system) / 1000) + (s < 0 ? 'x' : '') + '\\n');
`;
const PY_WORK = `
import sys, time, json
def arith(n):
    x = 0
    for i in range(n):
        x = (x * 31 + i) % 1000003
    return x
def js(n):
    return sum(json.loads(json.dumps({'a': [i, i + 1]}))['a'][0] for i in range(n))
def sorting(n):
    return sorted((i * 7919) % n for i in range(n))[0]
t0 = time.process_time()
for k in range(int(sys.argv[1])):
    arith(60000); js(2000); sorting(20000)
print((time.process_time() - t0) * 1000)
`;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Timing {
  work: number[];
  wall: number[];
}

function runOnce(cmd: string, args: string[], env: NodeJS.ProcessEnv): { work: number; wall: number } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  return { work: Number(r.stdout.trim()), wall };
}

function compare(label: string, cmd: string, args: string[], runs: number): void {
  const plain: Timing = { work: [], wall: [] };
  const profiled: Timing = { work: [], wall: [] };
  let rawBytes = 0;
  let rawSeconds = 0;
  for (let i = 0; i < runs; i++) {
    const p = runOnce(cmd, args, process.env);
    plain.work.push(p.work);
    plain.wall.push(p.wall);
    const env = profilingEnv(process.env, DEFAULT_INTERVAL_US);
    try {
      const q = runOnce(cmd, args, env.env);
      profiled.work.push(q.work);
      profiled.wall.push(q.wall);
      for (const f of fs.readdirSync(env.dir)) if (/\.(cpuprofile|json)$/.test(f)) rawBytes += fs.statSync(path.join(env.dir, f)).size;
      rawSeconds += q.wall / 1000;
    } finally {
      env.dispose();
    }
  }
  const w = median(profiled.work) / median(plain.work);
  const t = median(profiled.wall) / median(plain.wall);
  console.log(
    `${label}: work CPU ${median(plain.work).toFixed(0)} ms plain, ${median(profiled.work).toFixed(0)} ms profiled (ratio ${w.toFixed(3)}, ` +
      `${((w - 1) * 100).toFixed(1)}% overhead); whole process ${median(plain.wall).toFixed(0)} / ${median(profiled.wall).toFixed(0)} ms ` +
      `(ratio ${t.toFixed(3)}); raw profile ${(rawBytes / rawSeconds / 1024 / 1024) * 60 > 1 ? `${((rawBytes / rawSeconds / 1048576) * 60).toFixed(1)} MB` : `${((rawBytes / rawSeconds / 1024) * 60).toFixed(0)} KB`} per minute ` +
      `(median of ${runs} alternated runs each, interval ${DEFAULT_INTERVAL_US} µs)`,
  );
}

/** Runs `optivolt profile --out` and returns the run's duration and the sizes of the three files it wrote. */
function stored(
  label: string,
  cmd: string,
  args: string[],
  dir: string,
): { seconds: number; profile: number; speedscope: number; folded: number; functions: number } {
  const out = path.join(dir, `${label}.json`);
  const r = spawnSync(process.execPath, [CLI, 'profile', '--source', 'estimate', '--out', out, '--', cmd, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`optivolt profile failed: ${r.stderr}`);
  const p = JSON.parse(fs.readFileSync(out, 'utf8')) as { durationSeconds: number; functions: unknown[] };
  const size = (f: string): number => fs.statSync(f).size;
  return {
    seconds: p.durationSeconds,
    profile: size(out),
    speedscope: size(out.replace(/\.json$/, '.speedscope.json')),
    folded: size(out.replace(/\.json$/, '.folded')),
    functions: p.functions.length,
  };
}

/**
 * The stored profile's size for a short and a long run of the same program: it grows with the distinct stacks, not
 * with the samples, so per minute is its growth between the two (never a short run's size scaled up).
 */
function storedPerMinute(label: string, cmd: string, short: string[], long: string[], dir: string): void {
  const a = stored(`${label}-short`, cmd, short, dir);
  const b = stored(`${label}-long`, cmd, long, dir);
  const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;
  const growth = (x: number, y: number): string => `${((((y - x) / (b.seconds - a.seconds)) * 60) / 1024).toFixed(1)} KB/min`;
  console.log(
    `${label}: stored EnergyProfile ${kb(a.profile)} after ${a.seconds.toFixed(1)} s, ${kb(b.profile)} after ${b.seconds.toFixed(1)} s ` +
      `(${b.functions} functions): grows ${growth(a.profile, b.profile)}; .speedscope.json ${kb(b.speedscope)} (${growth(a.speedscope, b.speedscope)}), ` +
      `.folded ${kb(b.folded)} (${growth(a.folded, b.folded)})`,
  );
}

function hasPython(): boolean {
  return spawnSync('python3', ['-c', 'import sys; assert sys.version_info >= (3, 8)'], { stdio: 'ignore' }).status === 0;
}

function main(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-profile-bench-'));
  try {
    const js = path.join(dir, 'work.js');
    fs.writeFileSync(js, NODE_WORK);
    compare('node', process.execPath, [js, '40'], 5);
    storedPerMinute('node', process.execPath, [js, '20'], [js, '150'], dir);
    if (hasPython()) {
      const py = path.join(dir, 'work.py');
      fs.writeFileSync(py, PY_WORK);
      compare('python', 'python3', [py, '40'], 5);
      storedPerMinute('python', 'python3', [py, '20'], [py, '150'], dir);
    } else console.log('python: skipped, python3 (3.8+) is not installed');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();

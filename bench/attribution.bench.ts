// npm run bench (part 2): the cost of one attributed sample (scan /proc + attribute + rows), with the real
// /proc and with synthetic trees of 200 / 1,000 / 5,000 processes; and, on the real /proc filled up to
// ~1,000 processes, the same per-process CPU data gathered by pidusage, ps-list and systeminformation.
// CPU time comes from /proc/self/stat (utime+stime+cutime+cstime), so work done in child processes
// (ps-list runs `ps`) is counted too. Figures, not a gate.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ProcessSampler } from '../src/core/attribution/processSampler';
import type { PowerSample } from '../src/shared/power';

const HOST: PowerSample = { time: 0, watts: 20, source: 'estimate', estimated: true, zones: {}, detail: 'bench', idleWatts: 2.4 };

/** Own + waited-for children's CPU time, in ms (10 ms resolution: measure many iterations). */
function cpuMs(): number {
  const text = fs.readFileSync('/proc/self/stat', 'utf8');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 10;
}

async function perCall(iterations: number, fn: () => unknown): Promise<number> {
  await fn(); // warm up (and prime samplers)
  const t0 = cpuMs();
  for (let i = 0; i < iterations; i++) await fn();
  return (cpuMs() - t0) / iterations;
}

function line(name: string, ms: number, extra = ''): void {
  console.log(
    `${name.padEnd(52)} ${ms.toFixed(2).padStart(9)} ms CPU/sample  ${(ms / 10).toFixed(2).padStart(6)}% of a core at 1 Hz${extra}`,
  );
}

/** A /proc-like tree with n processes whose CPU times change between samples. */
function syntheticTree(n: number): { root: string; tick(): void } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-bench-proc-'));
  let busy = 1000;
  const writeStat = (): void => fs.writeFileSync(path.join(root, 'stat'), `cpu  ${busy} 0 0 100000 0 0 0 0 0 0\n`);
  const ticks = new Array<number>(n).fill(0);
  const writePid = (i: number): void => {
    const pid = 1000 + i;
    const f = [
      pid,
      `(worker-${i % 50})`,
      'S',
      1,
      pid,
      pid,
      0,
      -1,
      4194304,
      100,
      0,
      0,
      0,
      ticks[i],
      1,
      0,
      0,
      20,
      0,
      1,
      0,
      5000 + i,
      1e7,
      500,
    ];
    while (f.length < 52) f.push(0);
    fs.writeFileSync(path.join(root, String(pid), 'stat'), `${f.join(' ')}\n`);
  };
  for (let i = 0; i < n; i++) {
    fs.mkdirSync(path.join(root, String(1000 + i)));
    fs.writeFileSync(path.join(root, String(1000 + i), 'cmdline'), `worker\0--id\0${i}\0`);
    fs.writeFileSync(path.join(root, String(1000 + i), 'cgroup'), '0::/user.slice\n');
    writePid(i);
  }
  writeStat();
  return {
    root,
    // 10% of the processes run between two samples.
    tick: () => {
      for (let k = 0; k < n / 10; k++) {
        const i = Math.floor(Math.random() * n);
        ticks[i] += 3;
        busy += 3;
        writePid(i);
      }
      writeStat();
    },
  };
}

function countProcs(): number {
  return fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;
}

async function main(): Promise<void> {
  console.log(`\nAttribution benchmark — Node ${process.version}, ${os.cpus().length} CPUs`);
  for (const n of [200, 1000, 5000]) {
    const tree = syntheticTree(n);
    const sampler = new ProcessSampler({ model: 'share-all', topN: 25, groupByName: false }, undefined, tree.root);
    let t = 0;
    // Rewriting the fixture files is excluded: only sample() is timed.
    sampler.sample({ ...HOST, time: ++t });
    let total = 0;
    const iterations = n >= 5000 ? 40 : 200;
    for (let i = 0; i < iterations; i++) {
      tree.tick();
      const t0 = process.cpuUsage();
      sampler.sample({ ...HOST, time: ++t });
      const d = process.cpuUsage(t0);
      total += (d.user + d.system) / 1000;
    }
    line(`OptiVolt sampler, synthetic tree, ${n} processes`, total / iterations);
    sampler.dispose();
    fs.rmSync(tree.root, { recursive: true, force: true });
  }

  // The real /proc, topped up to ~1,000 processes with sleepers, for all four tools.
  const sleepers: ChildProcess[] = [];
  const target = Number(process.env.BENCH_PROCS ?? 1000);
  while (countProcs() < target) sleepers.push(spawn('sleep', ['600'], { stdio: 'ignore' }));
  try {
    await new Promise((r) => setTimeout(r, 500));
    const procs = countProcs();
    console.log(`\nReal /proc with ${procs} processes (${sleepers.length} sleepers added), per-process CPU time of every process:`);
    const sampler = new ProcessSampler({ model: 'share-all', topN: 25, groupByName: false });
    let t = 0;
    const ours = await perCall(200, () => sampler.sample({ ...HOST, time: ++t }));
    line('OptiVolt sampler (scan + attribute + top 25 rows)', ours);
    sampler.dispose();

    const pids = (): number[] =>
      fs
        .readdirSync('/proc')
        .filter((n) => /^\d+$/.test(n))
        .map(Number);
    const pidusage = (await import('pidusage')).default;
    const pu = await perCall(30, () => pidusage(pids()).catch(() => undefined));
    line('pidusage(all pids)', pu, `   ×${(pu / ours).toFixed(1)} OptiVolt`);
    await pidusage.clear();

    const psList = (await import('ps-list')).default;
    const pl = await perCall(10, () => psList());
    line('ps-list() (spawns ps)', pl, `   ×${(pl / ours).toFixed(1)} OptiVolt`);

    const si = await import('systeminformation');
    // systeminformation returns its previous result when called again within a second: space the calls out
    // (sleeping costs no CPU, so the figure is still CPU per sample).
    const sys = await perCall(3, async () => {
      await new Promise((r) => setTimeout(r, 1500));
      return si.processes();
    });
    line('systeminformation.processes()', sys, `   ×${(sys / ours).toFixed(1)} OptiVolt`);
  } finally {
    for (const s of sleepers) s.kill('SIGKILL');
  }
}

void main();

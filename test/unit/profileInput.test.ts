// `optivolt profile` from the built CLI on bad input, real runs: a command that does not exist, a program that crashes
// mid-profile, Ctrl-C, a program that is neither Node nor Python, bad flags, and --repeat's spread. Nothing is left in
// the temp folder.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { until } from '../fixtures/until';
import { CLI, fnNamed, runProfile, selfSum, startProfile, tempFolderPerTest } from '../fixtures/profile/profileRun';

describe('optivolt profile on bad input (dist/cli.js)', function () {
  this.timeout(60000);
  const tmp = tempFolderPerTest('optivolt-profile-input-');
  let dir = '';
  beforeEach(() => (dir = tmp.get()));

  it('a command that does not exist: a clear message and exit 127, like a shell', async () => {
    const r = await runProfile(['--json', '--', 'optivolt-no-such-command-xyz', '--flag']);
    assert.equal(r.code, 127, r.stderr);
    assert.match(r.stderr, /cannot profile "optivolt-no-such-command-xyz --flag": .*ENOENT/);
    assert.equal(r.stdout, '');
  });

  it('a program that crashes mid-profile: its exit code passed through, what was measured reported', async () => {
    const prog = path.join(dir, 'crash.js');
    fs.writeFileSync(
      prog,
      "function work() { let x = 0; for (let i = 0; i < 6e7; i++) x = (x * 31 + i) % 1000003; return x; }\nwork();\nthrow new Error('boom');\n",
    );
    const r = await runProfile(['--json', '--', process.execPath, prog]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /Error: boom/);
    assert.ok(r.profile, r.stdout);
    assert.equal(r.profile.exitCode, 1);
    assert.ok(fnNamed(r.profile, 'work', 'crash.js').selfJoules > 0.5 * r.profile.totalJoules);
    assert.ok(
      r.profile.limits.some((l) => /exited with code 1/.test(l)),
      r.profile.limits.join('\n'),
    );
    const exit7 = await runProfile(['--', process.execPath, '-e', 'process.exit(7)']);
    assert.equal(exit7.code, 7, exit7.stderr);
  });

  it('a profile that is corrupt when read: named in the limits, its process keeps its energy on its own frame', async () => {
    const prog = path.join(dir, 'spoil.js');
    // Its exit listener runs after the profiler's, which has written the profile: it spoils it, as a crash mid-write would.
    fs.writeFileSync(
      prog,
      `function work() { let x = 0; for (let i = 0; i < 4e7; i++) x = (x * 31 + i) % 1000003; return x; }
work();
process.on('exit', () => require('fs').writeFileSync(require('path').join(process.env.OPTIVOLT_PROFILE_DIR, 'node-' + process.pid + '.cpuprofile'), '{"nodes": ['));
`,
    );
    const r = await runProfile(['--json', '--', process.execPath, prog]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /The profile of process \d+ \(node-\d+\.cpuprofile\) is unusable: it is not valid JSON/);
    assert.ok(r.profile, r.stdout);
    assert.match(r.profile.functions[0].name, /^\(unprofiled\) node \[\d+\]$/);
    assert.ok(Math.abs(selfSum(r.profile) - r.profile.totalJoules) <= 0.01 * r.profile.totalJoules);
    assert.ok(r.profile.limits.some((l) => /not valid JSON/.test(l)));
  });

  it('Ctrl-C: the command gets the signal, the partial profile is printed, profile ends by SIGINT', async () => {
    const prog = path.join(dir, 'spin.js');
    const started = path.join(dir, 'started');
    // Works in chunks so its own SIGINT handler runs; it exits 130 as a shell program would.
    fs.writeFileSync(
      prog,
      `process.on('SIGINT', () => process.exit(130));
function spin() { let x = 0; for (let i = 0; i < 2e6; i++) x = (x * 31 + i) % 1000003; setImmediate(spin); return x; }
require('fs').writeFileSync(${JSON.stringify(started)}, '1');
spin();
`,
    );
    const run = startProfile(['--json', '--', process.execPath, prog]);
    await until(
      15000,
      () => (fs.existsSync(started) ? true : undefined),
      () => 'the program never started',
    );
    await new Promise((r) => setTimeout(r, 1200));
    run.proc.kill('SIGINT');
    const r = await run.done;
    assert.equal(r.signal, 'SIGINT', `ended by SIGINT (code ${r.code}): ${r.stderr}`);
    assert.ok(r.profile, r.stdout);
    assert.equal(r.profile.interrupted, 'SIGINT');
    assert.ok(fnNamed(r.profile, 'spin', 'spin.js').selfJoules > 0, JSON.stringify(r.profile.functions.slice(0, 3)));
    assert.ok(r.profile.limits.some((l) => /interrupted by SIGINT/.test(l)));
  });

  it('a program that is neither Node nor Python: its process energy on one frame, and why there are no functions', async () => {
    const r = await runProfile(['--json', '--', 'sh', '-c', 'i=0; while [ $i -lt 1000000 ]; do i=$((i+1)); done']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.profile, r.stdout);
    const p = r.profile;
    assert.ok(p.totalJoules > 0);
    assert.match(p.functions[0].name, /^\(unprofiled\) sh \[\d+\]$/);
    assert.ok(Math.abs(selfSum(p) - p.totalJoules) <= 0.01 * p.totalJoules);
    assert.ok(
      p.limits.some((l) => /needs Node\.js or Python: sh/.test(l)),
      p.limits.join('\n'),
    );
    assert.ok(
      p.limits.some((l) => /perf_event_paranoid|no perf events/.test(l) && /perf binary is (not )?installed/.test(l)),
      p.limits.join('\n'),
    );
  });

  it('--perf: a program that is neither Node nor Python gets native stacks from Linux perf, its exit code kept', async function () {
    const probe = path.join(dir, 'probe.data');
    // perf installed and allowed to sample here (perf_event_paranoid, capabilities, seccomp)?
    if (spawnSync('perf', ['record', '-q', '-o', probe, '--', 'true'], { stdio: 'ignore' }).status !== 0) this.skip();
    const r = await runProfile(['--json', '--perf', '--', 'sh', '-c', 'i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done; exit 5']);
    assert.equal(r.code, 5, r.stderr);
    assert.ok(r.profile, r.stdout);
    const p = r.profile;
    const sh = p.processes.find((x) => x.command === 'sh');
    assert.ok(sh && sh.profiled && sh.runtime === 'other', JSON.stringify(p.processes));
    const native = p.functions.filter((f) => !f.synthetic && f.file !== undefined && f.file.startsWith('/'));
    assert.ok(native.length > 0, JSON.stringify(p.functions.slice(0, 5)));
    const shJoules = native.reduce((a, f) => a + f.selfJoules, 0);
    // Most of it on frames of a binary (the rest on '[unknown]' addresses, or its own frame where perf had no sample).
    assert.ok(shJoules >= 0.8 * sh.joules, `native frames ${shJoules} J of sh's ${sh.joules} J`);
    assert.ok(Math.abs(selfSum(p) - p.totalJoules) <= 0.01 * p.totalJoules);
    assert.ok(
      p.limits.some((l) => /sampled with Linux perf/.test(l)),
      p.limits.join('\n'),
    );
    assert.ok(!p.limits.some((l) => /needs Node\.js or Python/.test(l)), p.limits.join('\n'));
    const missing = await runProfile(['--perf', '--', 'optivolt-no-such-command-xyz']);
    assert.equal(missing.code, 127, missing.stderr);
  });

  it('--repeat 2: per-function runs and spread; bad flags are refused before anything runs', async () => {
    const prog = path.join(dir, 'twice.js');
    fs.writeFileSync(prog, 'function work() { let x = 0; for (let i = 0; i < 3e7; i++) x = (x * 31 + i) % 1000003; return x; }\nwork();\n');
    const r = await runProfile(['--json', '--repeat', '2', '--', process.execPath, prog]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.profile, r.stdout);
    assert.equal(r.profile.runs, 2);
    const w = fnNamed(r.profile, 'work', 'twice.js');
    assert.equal(w.runs?.length, 2);
    assert.ok(w.runs!.every((j) => j > 0) && typeof w.stdSelfJoules === 'number', JSON.stringify(w));
    assert.ok(Math.abs(w.selfJoules - (w.runs![0] + w.runs![1]) / 2) < 1e-9);
    assert.match(r.stderr, /run 2\/2: /);

    for (const [args, message] of [
      [['--interval-us', '5', '--', 'true'], /--interval-us must be a whole number >= 100/],
      [['--interval-us', '2000000', '--', 'true'], /--interval-us must be at most 1000000/],
      [['--json'], /no command to profile/],
      [['--out', path.join(dir, 'no', 'such', 'x.json'), '--', 'true'], /--out needs a file in an existing folder/],
    ] as const) {
      const u = spawnSync(process.execPath, [CLI, 'profile', ...args], { encoding: 'utf8' });
      assert.equal(u.status, 2, u.stderr);
      assert.match(u.stderr, message);
    }
  });
});

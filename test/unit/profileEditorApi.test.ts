// The API the editor uses for programs it starts itself (a debug session, a task): profilingEnv for the program's
// environment, recordTimeline on the TreeMeasurement the editor already runs, buildEnergyProfile at the end. Real
// run on the real /proc with the CPU-load estimate, the program started by the test (as by a debug adapter) and
// added by pid, its end learnt from an event.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildEnergyProfile } from '../../src/core/profile/buildProfile';
import { profileCommand } from '../../src/core/profile/profileCommand';
import { profilingEnv } from '../../src/core/profile/profilingEnv';
import { recordTimeline } from '../../src/core/profile/timeline';
import { TreeSampler } from '../../src/core/energy/treeMeasurement';
import { PowerMonitor } from '../../src/core/power/monitor';
import { createSource } from '../../src/core/power/sources';
import { DEFAULT_SETTINGS, OptiVoltSettings } from '../../src/core/settings';
import { until } from '../fixtures/until';
import { fnNamed, selfSum } from '../fixtures/profile/profileRun';

const settings: OptiVoltSettings = { ...DEFAULT_SETTINGS, 'power.source': 'estimate', refreshInterval: 500 };
const live = (m: PowerMonitor): true | undefined => (m.snapshot.state === 'live' ? true : undefined);

describe('profiling a program the editor starts (profilingEnv, recordTimeline, buildEnergyProfile)', function () {
  this.timeout(60000);

  it('prices the samples of a program added by pid: 70/30 within 3 points, adding up to the measurement', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-profile-editor-'));
    const prog = path.join(dir, 'prog.js');
    fs.writeFileSync(
      prog,
      `function hot(n) { let x = 0; for (let i = 0; i < n * 7; i++) x = (x * 31 + i) % 1000003; return x; }
function cold(n) { let x = 0; for (let i = 0; i < n * 3; i++) x = (x * 31 + i) % 1000003; return x; }
let s = 0; for (let k = 0; k < 30; k++) { s += hot(1e6); s += cold(1e6); }
if (s < 0) console.log(s);
`,
    );
    const monitor = new PowerMonitor({
      mode: 'estimate',
      intervalMs: settings.refreshInterval,
      createSource: (kind, forAuto) => createSource(kind, settings, {}, forAuto),
    });
    monitor.start();
    const env = profilingEnv(process.env);
    let trees: TreeSampler | undefined;
    try {
      await until(
        10_000,
        () => live(monitor),
        () => monitor.snapshot.reason,
      );
      trees = new TreeSampler(monitor);
      const tree = trees.begin({ baselineWatts: 0 });
      const recorder = recordTimeline(tree);
      const child = spawn(process.execPath, [prog], { stdio: 'ignore', env: env.env });
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      tree.addRoot(child.pid as number);
      assert.equal(await exited, 0);
      const { result } = trees.end(tree, true);
      const timeline = recorder.finish(result.energyJoules);
      const p = buildEnergyProfile(timeline, env.dir, {
        command: [process.execPath, prog],
        cwd: dir,
        startedAt: new Date().toISOString(),
        source: result.source,
        estimated: result.estimated,
        intervalUs: 1000,
        durationSeconds: result.durationSeconds,
      });
      assert.ok(p.totalJoules > 0 && p.totalJoules === result.energyJoules, `${p.totalJoules} vs ${result.energyJoules}`);
      const hot = fnNamed(p, 'hot', 'prog.js');
      const cold = fnNamed(p, 'cold', 'prog.js');
      const share = hot.selfJoules / (hot.selfJoules + cold.selfJoules);
      assert.ok(Math.abs(share - 0.7) <= 0.03, `hot's share ${(share * 100).toFixed(1)}%`);
      assert.ok(Math.abs(selfSum(p) - p.totalJoules) <= 0.01 * p.totalJoules, `${selfSum(p)} vs ${p.totalJoules}`);
      assert.equal(p.source, 'estimate');
      assert.match(p.model, /ESTIMATE/);
    } finally {
      trees?.dispose();
      monitor.stop();
      env.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(fs.existsSync(env.dir), false, 'the profiling folder is gone after dispose()');
  });

  it('profileCommand runs a command in the given folder and environment and returns its profile', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-profile-api-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'rel.js'),
        'function fromCwd() { let x = 0; for (let i = 0; i < 4e7; i++) x = (x * 31 + i) % 1000003; return x; }\nfromCwd();\nprocess.exit(Number(process.env.EXIT_WITH));\n',
      );
      const runs: number[] = [];
      const out = await profileCommand(process.execPath, ['rel.js'], {
        settings,
        cwd: dir,
        env: { ...process.env, EXIT_WITH: '4' },
        intervalUs: 500,
        onRun: (i) => runs.push(i),
      });
      assert.equal(out.exitCode, 4);
      assert.deepEqual(runs, [1]);
      const p = out.profile;
      assert.equal(p.cwd, dir);
      assert.equal(p.intervalUs, 500);
      assert.deepEqual(p.command, [process.execPath, 'rel.js']);
      const f = fnNamed(p, 'fromCwd', 'rel.js');
      assert.equal(f.file, path.join(dir, 'rel.js'));
      assert.ok(f.selfJoules > 0.5 * p.totalJoules, `${f.selfJoules} of ${p.totalJoules} J`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

// `optivolt profile` from the built CLI, real runs on a powercap fixture drawing a known power: two functions burning
// ~70% and ~30% of the CPU split the energy 70/30, every function adds up to the tree's measured energy, for Node,
// Python and TypeScript (through source maps), child processes included, and the --out files other tools read.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { ModuleKind, ScriptTarget, transpileModule } from 'typescript';
import type { EnergyProfile } from '../../src/shared/energyProfile';
import { FIXTURE_WATTS, fnNamed, runProfile, selfSum, tempFolderPerTest } from '../fixtures/profile/profileRun';

/** Two functions with the same loop, run 7:3 in iterations (so in CPU time, whatever the machine's load). */
const NODE_73 = `function hot(n) { let x = 0; for (let i = 0; i < n * 7; i++) x = (x * 31 + i) % 1000003; return x; }
function cold(n) { let x = 0; for (let i = 0; i < n * 3; i++) x = (x * 31 + i) % 1000003; return x; }
let s = 0; for (let k = 0; k < 30; k++) { s += hot(1e6); s += cold(1e6); }
if (s < 0) console.log(s);
`;
const PY_73 = `def hot(n):
    x = 0
    for i in range(n * 7):
        x = (x * 31 + i) % 1000003
    return x


def cold(n):
    x = 0
    for i in range(n * 3):
        x = (x * 31 + i) % 1000003
    return x


s = 0
for k in range(30):
    s += hot(50000)
    s += cold(50000)
`;

function hasPython(): boolean {
  return spawnSync('python3', ['-c', 'import sys; assert sys.version_info >= (3, 8)'], { stdio: 'ignore' }).status === 0;
}

function checkSplit(p: EnergyProfile, file: string): void {
  const hot = fnNamed(p, 'hot', file);
  const cold = fnNamed(p, 'cold', file);
  const share = hot.selfJoules / (hot.selfJoules + cold.selfJoules);
  assert.ok(
    Math.abs(share - 0.7) <= 0.03,
    `hot's share of hot+cold ${(share * 100).toFixed(1)}% (hot ${hot.selfJoules} J, cold ${cold.selfJoules} J)`,
  );
  // The two burn nearly all of the program's CPU: most of the tree's energy is theirs.
  assert.ok(hot.selfJoules + cold.selfJoules > 0.6 * p.totalJoules, `hot+cold ${hot.selfJoules + cold.selfJoules} of ${p.totalJoules} J`);
  const sum = selfSum(p);
  assert.ok(
    Math.abs(sum - p.totalJoules) <= 0.01 * p.totalJoules,
    `self energies add up to ${sum} J, the tree measured ${p.totalJoules} J`,
  );
  console.log(
    `      hot ${(share * 100).toFixed(1)}% of hot+cold; functions ${sum.toFixed(3)} J, tree ${p.totalJoules.toFixed(3)} J (${((sum / p.totalJoules - 1) * 100).toFixed(3)}%)`,
  );
  assert.ok(p.totalJoules > 0 && p.totalJoules <= FIXTURE_WATTS * (p.durationSeconds + 1), `${p.totalJoules} J in ${p.durationSeconds} s`);
  assert.equal(p.source, 'rapl');
  assert.equal(p.estimated, false);
  assert.ok(hot.line !== undefined && hot.line >= 1, `hot at line ${hot.line}`);
  assert.ok(hot.totalJoules >= hot.selfJoules);
  for (let i = 1; i < p.functions.length; i++)
    assert.ok(p.functions[i - 1].selfJoules >= p.functions[i].selfJoules, 'sorted by selfJoules');
}

describe('optivolt profile (dist/cli.js, powercap fixture)', function () {
  this.timeout(60000);
  const tmp = tempFolderPerTest('optivolt-profile-test-');
  let dir = '';
  beforeEach(() => (dir = tmp.get()));

  it('Node: 70/30 split within 3 points, functions add up to the tree energy within 1%, summary and --out files', async () => {
    const prog = path.join(dir, 'prog.js');
    fs.writeFileSync(prog, NODE_73);
    const out = path.join(dir, 'run.json');
    const r = await runProfile(['--json', '--out', out, '--', process.execPath, prog]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.profile, r.stdout);
    const p = r.profile;
    checkSplit(p, 'prog.js');
    assert.equal(p.version, 1);
    assert.equal(p.runs, 1);
    assert.equal(p.intervalUs, 1000);
    assert.deepEqual(p.command, [process.execPath, prog]);
    assert.ok(
      p.processes.some((x) => x.runtime === 'node' && x.profiled),
      JSON.stringify(p.processes),
    );
    assert.match(p.model, /attributed Watts/);
    assert.match(p.model, /RAPL/);
    assert.ok(
      p.limits.some((l) => /main thread/.test(l)),
      p.limits.join('\n'),
    );
    assert.ok(
      p.lines.some((l) => l.file === prog && l.line === 1),
      'line energy for hot (line 1)',
    );
    // The terminal summary: the run line and a row for hot with its file:line.
    assert.match(r.stderr, /ran \d+\.\d\d s \(exit 0\), [\d.]+ J, source rapl/);
    assert.match(r.stderr, new RegExp(`\\d+\\.\\d{3} +\\d+\\.\\d{3} +\\d+\\.\\d% +hot +${prog.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1`));
    assert.match(r.stderr, /model: Each profile sample/);

    // --out: the profile, speedscope's format (checked against its own schema) and folded stacks.
    const written = JSON.parse(fs.readFileSync(out, 'utf8')) as EnergyProfile;
    assert.equal(written.totalJoules, p.totalJoules);
    const ss = JSON.parse(fs.readFileSync(path.join(dir, 'run.speedscope.json'), 'utf8')) as {
      shared: { frames: { name: string; file?: string; line?: number }[] };
      profiles: { type: string; unit: string; name: string; samples: number[][]; weights: number[]; endValue: number }[];
    };
    const schema = JSON.parse(
      fs.readFileSync(path.resolve(__dirname, '../../../test/fixtures/profile/speedscope-file-format-schema.json'), 'utf8'),
    ) as object;
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    assert.ok(validate(ss), JSON.stringify(validate.errors));
    const sp = ss.profiles[0];
    assert.equal(sp.type, 'sampled');
    assert.equal(sp.unit, 'none');
    assert.match(sp.name, /Joules/);
    assert.equal(sp.samples.length, sp.weights.length);
    for (const s of sp.samples) for (const f of s) assert.ok(f >= 0 && f < ss.shared.frames.length);
    const ssTotal = ss.profiles.reduce((a, x) => a + x.weights.reduce((b, w) => b + w, 0), 0);
    assert.ok(Math.abs(ssTotal - p.totalJoules) <= 0.01 * p.totalJoules, `speedscope weights ${ssTotal} J`);
    const hotFrame = ss.shared.frames.findIndex((f) => f.name === 'hot' && f.file === prog);
    const hotJ = sp.samples.reduce((a, s, i) => a + (s[s.length - 1] === hotFrame ? sp.weights[i] : 0), 0);
    assert.ok(Math.abs(hotJ - fnNamed(p, 'hot', 'prog.js').selfJoules) < 1e-6, `hot in speedscope ${hotJ} J`);

    // Folded stacks parsed back: `a;b;c N`, N whole µJ, adding up to the total.
    const folded = fs.readFileSync(path.join(dir, 'run.folded'), 'utf8').trim().split('\n');
    let uj = 0;
    let hotUj = 0;
    for (const line of folded) {
      const m = /^(.+) (\d+)$/.exec(line);
      assert.ok(m, `folded line: ${line}`);
      const frames = m[1].split(';');
      assert.ok(frames.length >= 2, line);
      assert.match(frames[0], /\[\d+\]$/, 'a process frame first');
      uj += Number(m[2]);
      if (frames[frames.length - 1] === `hot (${prog}:1)`) hotUj += Number(m[2]);
    }
    assert.ok(Math.abs(uj / 1e6 - p.totalJoules) <= 0.01 * p.totalJoules, `folded ${uj} µJ vs ${p.totalJoules} J`);
    assert.ok(Math.abs(hotUj / 1e6 - fnNamed(p, 'hot', 'prog.js').selfJoules) < 0.001 + 1e-6 * folded.length, `hot ${hotUj} µJ`);
  });

  it('Python: 70/30 split within 3 points and functions add up to the tree energy within 1%', async function () {
    if (!hasPython()) this.skip(); // python3 (3.8+) is not installed on this machine
    const prog = path.join(dir, 'prog.py');
    fs.writeFileSync(prog, PY_73);
    // An existing sitecustomize on PYTHONPATH still runs (the sampler chains to it).
    const site = path.join(dir, 'site');
    fs.mkdirSync(site);
    const marker = path.join(dir, 'sitecustomize-ran');
    fs.writeFileSync(path.join(site, 'sitecustomize.py'), `open(${JSON.stringify(marker)}, 'w').close()\n`);
    const r = await runProfile(['--json', '--', 'python3', prog], { env: { ...process.env, PYTHONPATH: site } });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.profile, r.stdout);
    checkSplit(r.profile, 'prog.py');
    assert.equal(fnNamed(r.profile, 'hot', 'prog.py').line, 1);
    assert.ok(r.profile.processes.some((x) => x.runtime === 'python' && x.profiled));
    assert.ok(
      r.profile.lines.some((l) => l.file === prog && l.line === 4),
      'line energy on the hot loop (line 4)',
    );
    assert.ok(fs.existsSync(marker), "the user's own sitecustomize ran too");
  });

  it("Python: multiprocessing's workers are profiled too (they end by os._exit or Pool.terminate's SIGTERM)", async function () {
    if (!hasPython()) this.skip(); // python3 (3.8+) is not installed on this machine
    const prog = path.join(dir, 'pool.py');
    fs.writeFileSync(
      prog,
      `import multiprocessing as mp


def work(n):
    x = 0
    for i in range(n):
        x = (x * 31 + i) % 1000003
    return x


if __name__ == '__main__':
    with mp.get_context('fork').Pool(2) as p:
        print(sum(p.map(work, [1500000] * 2)) > 0)
`,
    );
    const r = await runProfile(['--json', '--', 'python3', prog]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.profile, r.stdout);
    const p = r.profile;
    const profiled = p.processes.filter((x) => x.runtime === 'python' && x.profiled);
    assert.ok(profiled.length >= 3, `the parent and both workers: ${JSON.stringify(p.processes)}`);
    const work = fnNamed(p, 'work', 'pool.py');
    assert.ok(work.selfJoules > 0.6 * p.totalJoules, `work ${work.selfJoules} of ${p.totalJoules} J`);
    assert.ok(Math.abs(selfSum(p) - p.totalJoules) <= 0.01 * p.totalJoules);
  });

  it('TypeScript: the hot function is reported at its .ts file and line (source map beside the .js, and inline)', async () => {
    const src = path.join(dir, 'src');
    fs.mkdirSync(src);
    const ts = path.join(src, 'prog.ts');
    fs.writeFileSync(
      ts,
      [
        'interface Work {',
        '  readonly n: number;',
        '}',
        '',
        'export function hotTs(w: Work): number {',
        '  let x = 0;',
        '  for (let i = 0; i < w.n; i++) x = (x * 31 + i) % 1000003;',
        '  return x;',
        '}',
        '',
        'let s = 0;',
        'for (let k = 0; k < 20; k++) s += hotTs({ n: 3e6 });',
        'if (s < 0) console.log(s);',
        '',
      ].join('\n'),
    );
    const code = fs.readFileSync(ts, 'utf8');
    for (const mapFlag of ['sourceMap', 'inlineSourceMap'] as const) {
      // The repo's TypeScript, as tsc emits with that option (the map's sources are relative to outDir).
      const outDir = path.join(dir, `out-${mapFlag}`);
      const t = transpileModule(code, {
        fileName: ts,
        compilerOptions: { [mapFlag]: true, outDir, module: ModuleKind.CommonJS, target: ScriptTarget.ES2020 },
      });
      fs.mkdirSync(outDir);
      fs.writeFileSync(path.join(outDir, 'prog.js'), t.outputText);
      if (t.sourceMapText) fs.writeFileSync(path.join(outDir, 'prog.js.map'), t.sourceMapText);
      assert.equal(t.sourceMapText === undefined, mapFlag === 'inlineSourceMap', 'a map file only for sourceMap');
      const r = await runProfile(['--json', '--', process.execPath, path.join(outDir, 'prog.js')]);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.profile, r.stdout);
      const f = fnNamed(r.profile, 'hotTs');
      assert.equal(f.file, ts, `${mapFlag}: mapped to the .ts file`);
      assert.equal(f.line, 5, `${mapFlag}: the declaration's line in the .ts file`);
      assert.ok(f.selfJoules > 0.5 * r.profile.totalJoules, `${mapFlag}: hotTs ${f.selfJoules} of ${r.profile.totalJoules} J`);
    }
  });

  it('profiles child Node processes too, each under its own process frame', async () => {
    const child = path.join(dir, 'child.js');
    fs.writeFileSync(
      child,
      'function childWork() { let x = 0; for (let i = 0; i < 8e7; i++) x = (x * 31 + i) % 1000003; return x; }\nchildWork();\n',
    );
    const parent = path.join(dir, 'parent.js');
    fs.writeFileSync(
      parent,
      `function parentWork() { let x = 0; for (let i = 0; i < 8e7; i++) x = (x * 31 + i) % 1000003; return x; }
parentWork();
// Waits for the child in the event loop: V8 samples that wait as '(idle)', which is never charged.
require('child_process').spawn(process.execPath, [${JSON.stringify(child)}], { stdio: 'inherit' }).on('exit', (code) => process.exit(code === 0 ? 0 : 9));
`,
    );
    const r = await runProfile(['--json', '--', process.execPath, parent]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.profile, r.stdout);
    const p = r.profile;
    const profiled = p.processes.filter((x) => x.profiled && x.runtime === 'node');
    assert.ok(profiled.length >= 2, `both processes profiled: ${JSON.stringify(p.processes)}`);
    const cw = fnNamed(p, 'childWork', 'child.js');
    const pw = fnNamed(p, 'parentWork', 'parent.js');
    assert.ok(
      cw.selfJoules > 0.2 * p.totalJoules && pw.selfJoules > 0.2 * p.totalJoules,
      `child ${cw.selfJoules} J, parent ${pw.selfJoules} J of ${p.totalJoules} J`,
    );
    const share = cw.selfJoules / (cw.selfJoules + pw.selfJoules);
    assert.ok(share > 0.35 && share < 0.65, `equal work, about equal energy: child's share ${share}`);
    assert.ok(Math.abs(selfSum(p) - p.totalJoules) <= 0.01 * p.totalJoules, `${selfSum(p)} vs ${p.totalJoules}`);
    // The child's call tree sits under its own process root.
    const roots = p.nodes.map((n, i) => ({ n, i })).filter((x) => x.n.parent === -1);
    assert.ok(roots.length >= 2, 'a root per process');
  });
});

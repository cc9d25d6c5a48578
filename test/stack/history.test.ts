// Energy history across machines, end to end: several `optivolt measure|profile` processes (the built CLI) push at
// once to a real Pushgateway (Debian's prometheus-pushgateway) scraped by a real Prometheus (honor_labels), and to the
// same Prometheus' remote-write receiver (--web.enable-remote-write-receiver); the history is then queried back per
// commit, and every query of the provisioned "Energy per commit" dashboard answers with the pushed figures.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { onEstimate } from '../fixtures/cliArgs';
import { spawnReady, stopChild } from './localServer';
import { eventually, freePort, PrometheusProcess } from './prometheusProcess';

const ROOT = path.join(__dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const BURN = `const s = process.cpuUsage(); let x = 0; for (;;) { for (let i = 0; i < 1e5; i++) x = (x * 31 + i) % 1000003; const u = process.cpuUsage(s); if ((u.user + u.system) / 1000 >= 300) break; }`;
const REPO = 'github.com/team/app';

interface Run {
  readonly code: number | null;
  readonly json: { energyJoules?: number; totalJoules?: number; durationSeconds: number };
  readonly stderr: string;
}

/** One CLI process as a CI runner would run it: the identity from GitHub Actions' variables, in a folder outside git. */
function cli(cwd: string, args: string[], commit: string, branch = 'main'): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, GITHUB_SHA: commit, GITHUB_REF_NAME: branch, GITHUB_REPOSITORY: 'team/app', GITHUB_SERVER_URL: 'https://github.com' };
  delete env.GITHUB_HEAD_REF;
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  return new Promise((resolve) =>
    child.on('close', (code) => resolve({ code, stderr: err, json: JSON.parse(out.trim().split('\n').pop() || '{}') as Run['json'] })),
  );
}

describe('energy history across machines: Pushgateway and remote write into a real Prometheus', function () {
  this.timeout(120000);
  let dir: string;
  let prom: PrometheusProcess;
  let gateway: ReturnType<typeof spawn> | undefined;
  let gatewayUrl: string;

  const query = async (expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> => {
    const res = await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as { status: string; error?: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
    assert.equal(body.status, 'success', `${expr}: ${body.error}`);
    return body.data.result;
  };

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-history-'));
    const bin = path.join(path.dirname(process.env.PROMETHEUS_BIN ?? ''), 'prometheus-pushgateway');
    const port = await freePort();
    gatewayUrl = `http://127.0.0.1:${port}`;
    gateway = await spawnReady('pushgateway', bin, [`--web.listen-address=127.0.0.1:${port}`], path.join(dir, 'pushgateway.log'), `${gatewayUrl}/-/ready`);
    // honor_labels: the pushed job/instance and grouping labels are kept, as the Pushgateway's README requires.
    const config = {
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      scrape_configs: [{ job_name: 'pushgateway', honor_labels: true, static_configs: [{ targets: [`127.0.0.1:${port}`] }] }],
    };
    fs.mkdirSync(path.join(dir, 'prom'));
    prom = await PrometheusProcess.startWithConfig(config, path.join(dir, 'prom'), false, undefined, undefined, ['--web.enable-remote-write-receiver']);
  });

  after(async () => {
    await prom?.stop();
    if (gateway) await stopChild(gateway);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('several processes push measure results per commit to the Pushgateway; Prometheus has each commit', async () => {
    const measure = (commit: string, session: string, branch?: string) =>
      cli(dir, ['measure', '--json', ...onEstimate('0'), '--push', gatewayUrl, '--push-name', session, '--', process.execPath, '-e', BURN], commit, branch);
    const runs = await Promise.all([measure('c1', 'burn test'), measure('c2', 'burn test'), measure('c2', 'other test'), measure('c3', 'burn test', 'feature/x')]);
    for (const r of runs) {
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /pushed \d+ samples to http:\/\/127\.0\.0\.1:\d+\/metrics\/job\/optivolt\//);
    }
    const got = await eventually('four pushed results scraped', async () => {
      const r = await query(`optivolt_energy_joules{job="optivolt", repository="${REPO}", kind="measure"}`);
      return r.length === 4 ? r : undefined;
    });
    const byKey = new Map(got.map((v) => [`${v.metric.commit} ${v.metric.session} ${v.metric.branch}`, Number(v.value[1])]));
    const want = [`c1 burn test main`, `c2 burn test main`, `c2 other test main`, `c3 burn test feature/x`];
    assert.deepEqual([...byKey.keys()].sort(), want.sort());
    const sent = new Map(runs.map((r, i) => [want[i], r.json.energyJoules as number]));
    for (const [k, j] of byKey) assert.ok(Math.abs(j - (sent.get(k) as number)) < 1e-9, `${k}: ${j} pushed as ${sent.get(k)}`);
    assert.ok(got.every((v) => v.metric.host === os.hostname() && v.metric.source === 'estimate'));
    // --push-minimal: energy and duration only, no host label.
    const minimal = await cli(
      dir,
      ['measure', ...onEstimate('0'), '--push', gatewayUrl, '--push-minimal', '--push-name', 'minimal test', '--', process.execPath, '-e', ''],
      'c9',
    );
    assert.equal(minimal.code, 0, minimal.stderr);
    const names = await eventually('the minimal push scraped', async () => {
      const r = await query(`{__name__=~"optivolt_.+", job="optivolt", session="minimal test"}`);
      return r.length ? r : undefined;
    });
    assert.deepEqual(names.map((v) => v.metric.__name__).sort(), ['optivolt_duration_seconds', 'optivolt_energy_joules']);
    assert.ok(names.every((v) => v.metric.host === undefined));
    // The Pushgateway adds its own two series per group (push_time_seconds, push_failure_time_seconds).
    assert.equal((await query(`push_time_seconds{job="optivolt", session="minimal test"}`)).length, 1);
    // A rerun on the same commit replaces its group (PUT), it does not add a series.
    const again = await measure('c1', 'burn test');
    assert.equal(again.code, 0, again.stderr);
    await eventually('the rerun of c1 scraped', async () => {
      const r = await query(`optivolt_energy_joules{job="optivolt", commit="c1", session="burn test"}`);
      return r.length === 1 && Math.abs(Number(r[0].value[1]) - (again.json.energyJoules as number)) < 1e-9 ? r : undefined;
    });
  });

  it('profile pushes its top functions and (other) by remote write; the history answers per commit', async () => {
    const script = path.join(dir, 'work.js');
    const fn = (n: string) => `function ${n}() { const s = process.cpuUsage(); let x = 0; for (;;) { for (let i = 0; i < 1e5; i++) x = (x * 31 + i) % 1000003; const u = process.cpuUsage(s); if ((u.user + u.system) / 1000 >= 150) return x; } }`;
    fs.writeFileSync(script, `${['a', 'b', 'c', 'd'].map((n) => fn(`work_${n}`)).join('\n')}\nwork_a(); work_b(); work_c(); work_d();\n`);
    const rw = `${prom.url}/api/v1/write`;
    const profile = (commit: string) =>
      cli(dir, ['profile', '--json', '--source', 'estimate', '--push-remote-write', rw, '--push-top', '2', '--push-name', 'work', '--', process.execPath, script], commit);
    const runs = await Promise.all([profile('p1'), profile('p2')]);
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    const energy = await query(`optivolt_energy_joules{job="optivolt", kind="profile", session="work"}`);
    assert.deepEqual(energy.map((v) => v.metric.commit).sort(), ['p1', 'p2']);
    for (const v of energy) assert.ok(Math.abs(Number(v.value[1]) - (runs[v.metric.commit === 'p1' ? 0 : 1].json.totalJoules as number)) < 1e-9);
    const fns = await query(`optivolt_function_self_energy_joules{job="optivolt", commit="p1"}`);
    assert.ok(fns.length <= 3, `--push-top 2 pushes at most 3 functions, got ${fns.map((v) => v.metric.function).join(', ')}`);
    assert.ok(fns.some((v) => v.metric.function === '(other)'), 'the rest is summed as (other)');
    const sum = fns.reduce((s, v) => s + Number(v.value[1]), 0);
    assert.ok(Math.abs(sum - (runs[0].json.totalJoules as number)) < 1e-6 * Math.max(1, sum), `functions add up to the total: ${sum}`);
  });

  it('every query of the "Energy per commit" dashboard answers with the pushed history', async () => {
    const d = JSON.parse(fs.readFileSync(path.join(ROOT, 'stack', 'grafana', 'dashboards', 'optivolt-history.json'), 'utf8')) as {
      panels: Array<{ id: number; title: string; targets: Array<{ refId: string; expr: string }> }>;
      templating: { list: Array<{ name: string; current: { value: string } }> };
    };
    const vars = Object.fromEntries(d.templating.list.map((v) => [v.name, v.current.value]));
    const fill = (e: string) =>
      e
        .replace(/\$__range/g, '1h')
        .replace(/\$__interval/g, '1m')
        .replace(/\$(\w+)/g, (m, n: string) => vars[n] ?? m);
    for (const p of d.panels) {
      for (const t of p.targets) {
        const r = await query(fill(t.expr));
        assert.ok(r.length > 0, `panel ${p.id} "${p.title}" ${t.refId} is empty: ${fill(t.expr)}`);
      }
    }
    const perCommit = await query(fill(d.panels[0].targets[0].expr));
    const keys = perCommit.map((v) => `${v.metric.commit}/${v.metric.session}`).sort();
    assert.deepEqual(keys, ['c1/burn test', 'c2/burn test', 'c2/other test', 'c3/burn test', 'c9/minimal test', 'p1/work', 'p2/work']);
    // Template variables list what was pushed.
    const repos = (await (await fetch(`${prom.url}/api/v1/label/repository/values?match[]=optivolt_energy_joules`)).json()) as { data: string[] };
    assert.deepEqual(repos.data, [REPO]);
  });
});

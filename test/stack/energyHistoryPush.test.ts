// `optivolt test --push-remote-write` from several processes into a real Prometheus' remote-write receiver, and `--push`
// through a real Pushgateway a Prometheus scrapes; then the history model (src/core/history, plain Node through the
// credentialled PrometheusClient) reads each test back per commit with the regression verdict between the last two
// commits: the second commit's heavy test does 3x the work.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { readEnergyHistory } from '../../src/core/history/energyHistory';
import { PrometheusClient } from '../../src/core/prometheus/client';
import { OTHER_TESTS } from '../../src/core/push/pushResults';
import { runTestCli, TestRun } from '../fixtures/testEnergy/testRun';
import { spawnReady, stopChild } from './localServer';
import { eventually, freePort, PrometheusProcess } from './prometheusProcess';

const REPO = 'github.com/team/tests';
const HEAVY = 'node:test fixture > heavy';

describe('energy history: optivolt test --push-remote-write into a real Prometheus, read back per commit', function () {
  this.timeout(180000);
  let dir: string;
  let prom: PrometheusProcess;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-testpush-'));
    prom = await PrometheusProcess.startWithConfig({ global: { scrape_interval: '15s' } }, dir, false, undefined, undefined, [
      '--web.enable-remote-write-receiver',
    ]);
  });
  after(async () => {
    await prom?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const run = (commit: string, scale: string): Promise<TestRun> =>
    runTestCli(
      ['--json', '--push-remote-write', `${prom.url}/api/v1/write`, '--push-tests', '2', '--push-name', 'unit tests', '--', process.execPath, '--test', 'nodeTest/suite.test.mjs'],
      { GITHUB_SHA: commit, GITHUB_REF_NAME: 'main', GITHUB_REPOSITORY: 'team/tests', GITHUB_SERVER_URL: 'https://github.com', GITHUB_HEAD_REF: '', BURN_SCALE: scale },
    );

  it('pushes the top tests and (other tests) per run; the history has each commit with its runs and the verdict', async () => {
    // Two CI runners at once, each commit twice; the second commit's tests do 3x the work. Two runs of one commit on
    // one host are one series, so they push one after the other: a receiver drops a sample older than its series'
    // latest (Prometheus' out-of-order rule), which parallel runs of one series could send.
    const round1 = await Promise.all([run('aaaa1111', '1'), run('bbbb2222', '3')]);
    const round2 = await Promise.all([run('aaaa1111', '1'), run('bbbb2222', '3')]);
    const first = [round1[0], round2[0]];
    const second = [round1[1], round2[1]];
    for (const r of [...first, ...second]) {
      if (process.env.DEBUG_PUSH) console.log(r.stderr);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /optivolt: pushed \d+ samples to http:\/\/127\.0\.0\.1:\d+\/api\/v1\/write \(commit (aaaa1111|bbbb2222), session "unit tests"\)/);
    }
    const client = new PrometheusClient(prom.url);
    // --push-tests 2: the two heaviest tests and the rest summed, per run.
    const pushed = await client.query(`count by (test) (optivolt_test_energy_joules{repository="${REPO}", commit="aaaa1111"})`);
    // Each run: 5 result gauges + 3 tests (the second heaviest can differ from run to run).
    for (const r of [...first, ...second]) assert.match(r.stderr, /pushed 8 samples/);
    assert.ok(pushed.length >= 3 && pushed.length <= 5, JSON.stringify(pushed));
    assert.ok(pushed.some((s) => s.metric.test === OTHER_TESTS) && pushed.some((s) => s.metric.test === HEAVY));

    const history = await readEnergyHistory(client, REPO);
    assert.equal(history.repository, REPO);
    const heavy = history.charts.find((c) => c.kind === 'test case' && c.test === HEAVY);
    assert.ok(heavy, `no chart for "${HEAVY}": ${history.charts.map((c) => `${c.kind}/${c.session}/${c.test ?? ''}`).join(', ')}`);
    assert.equal(heavy.session, 'unit tests');
    assert.deepEqual(
      heavy.commits.map((c) => c.commit),
      ['aaaa1111', 'bbbb2222'],
    );
    // Every run pushed comes back, with the value its --json said.
    const sent = (rs: TestRun[]) => rs.map((r) => r.report?.tests.find((t) => `${t.suite} > ${t.name}` === HEAVY)?.joules as number).sort();
    assert.deepEqual([...heavy.commits[0].runs].sort(), sent(first));
    assert.deepEqual([...heavy.commits[1].runs].sort(), sent(second));
    assert.equal(heavy.verdict.kind, 'verdict');
    if (heavy.verdict.kind === 'verdict') {
      assert.equal(heavy.verdict.comparison.verdict, 'regression', JSON.stringify(heavy.verdict.comparison));
      console.log(
        `      heavy: ${heavy.commits.map((c) => `${c.commit} ${c.runs.map((j) => j.toFixed(2)).join('/')} J`).join(' → ')}: ${heavy.verdict.comparison.verdict} ` +
          `(${heavy.verdict.comparison.differencePercent?.toFixed(0)}%)`,
      );
    }
    // The session's total is a chart of its own (kind "test"), and the remainder is not charted as a test.
    const total = history.charts.find((c) => c.kind === 'test' && c.session === 'unit tests');
    assert.ok(total);
    assert.equal(total.commits.length, 2);
    assert.ok(!history.charts.some((c) => c.test === OTHER_TESTS));

    // A third commit with one run: "not enough runs", saying which.
    const third = await run('cccc3333', '1');
    assert.equal(third.code, 0, third.stderr);
    const later = await readEnergyHistory(client, REPO);
    const h3 = later.charts.find((c) => c.test === HEAVY);
    assert.deepEqual(h3?.verdict, { kind: 'not enough runs', reason: 'cccc3333 has 1 run (2 needed)' });
    // Another repository has no series.
    assert.deepEqual((await readEnergyHistory(client, 'github.com/team/none')).charts, []);
  });

  it('through a Pushgateway scraped every second: re-scrapes are one run, a rerun replacing the group is the next', async () => {
    const port = await freePort();
    const gatewayUrl = `http://127.0.0.1:${port}`;
    const bin = path.join(path.dirname(process.env.PROMETHEUS_BIN ?? ''), 'prometheus-pushgateway');
    let gateway: ChildProcess | undefined;
    let scraper: PrometheusProcess | undefined;
    fs.mkdirSync(path.join(dir, 'scraper'));
    try {
      gateway = await spawnReady('pushgateway', bin, [`--web.listen-address=127.0.0.1:${port}`], path.join(dir, 'pushgateway.log'), `${gatewayUrl}/-/ready`);
      scraper = await PrometheusProcess.startWithConfig(
        { global: { scrape_interval: '1s' }, scrape_configs: [{ job_name: 'pushgateway', honor_labels: true, static_configs: [{ targets: [`127.0.0.1:${port}`] }] }] },
        path.join(dir, 'scraper'),
      );
      const client = new PrometheusClient(scraper.url);
      const sentRuns: Record<string, number[]> = { d1: [], d2: [] };
      // One runner, runs one after the other; each waits until its value is scraped (a few times) before the next.
      for (const [commit, scale] of [
        ['d1', '1'],
        ['d1', '1'],
        ['d2', '3'],
        ['d2', '3'],
      ]) {
        const r = await runTestCli(
          ['--json', '--push', gatewayUrl, '--push-name', 'gateway tests', '--', process.execPath, '--test', 'nodeTest/suite.test.mjs'],
          { GITHUB_SHA: commit, GITHUB_REF_NAME: 'main', GITHUB_REPOSITORY: 'team/tests', GITHUB_SERVER_URL: 'https://github.com', GITHUB_HEAD_REF: '', BURN_SCALE: scale },
        );
        assert.equal(r.code, 0, r.stderr);
        const j = r.report?.tests.find((t) => `${t.suite} > ${t.name}` === HEAVY)?.joules as number;
        sentRuns[commit].push(j);
        await eventually(`${commit}'s run scraped`, async () => {
          const v = await client.query(`optivolt_test_energy_joules{session="gateway tests", commit="${commit}", test="${HEAVY}"}`);
          return v.length === 1 && v[0].value === j ? v : undefined;
        });
        await new Promise((done) => setTimeout(done, 2500));
      }
      const history = await readEnergyHistory(client, REPO);
      const heavy = history.charts.find((c) => c.session === 'gateway tests' && c.test === HEAVY);
      assert.ok(heavy);
      assert.deepEqual(
        heavy.commits.map((c) => [c.commit, c.runs]),
        [
          ['d1', sentRuns.d1],
          ['d2', sentRuns.d2],
        ],
      );
      assert.equal(heavy.verdict.kind === 'verdict' && heavy.verdict.comparison.verdict, 'regression');
    } finally {
      await scraper?.stop();
      if (gateway) await stopChild(gateway);
    }
  });

  it('bad --push-tests values are usage errors before anything runs', async () => {
    const r = await runTestCli(['--push-tests', '3', '--', process.execPath, '-e', '']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--push-tests limits what --push or --push-remote-write sends: add one/);
    const big = await runTestCli(['--push-remote-write', `${prom.url}/api/v1/write`, '--push-tests', '501', '--', process.execPath, '-e', '']);
    assert.equal(big.code, 2);
    assert.match(big.stderr, /--push-tests must be at most 500/);
  });
});

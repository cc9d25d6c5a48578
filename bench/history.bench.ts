// npm run bench (history): what the history costs a real Prometheus (PROMETHEUS_BIN, provisioned as the stack tier
// does) when CI runners push by remote write. Pushes a scaled-down history of R results (runners x tests x commits)
// in two label schemes, then reads head series, label cardinality, memory, and the "Energy per commit" dashboard's
// queries' latency; the README's Scale section extrapolates these to 100 runners x 500 tests/day x 1 year. Figures,
// not a gate. Usage: node out/bench/history.bench.js [results]   (default 20000)
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { PushSample, writeRequestBody } from '../src/core/push/pushFormat';
import { minimalSamples, resultSamples } from '../src/core/push/pushResults';
import { eventually, freePort, PrometheusProcess } from '../test/stack/prometheusProcess';

const RESULTS = Number(process.argv[2] ?? 20000);
const RUNNERS = 10;
const TESTS = 500;

interface Scheme {
  readonly name: string;
  /** The labels of result i (runner, test, commit from i). */
  readonly labels: (runner: number, test: number, commit: number) => Record<string, string>;
  /** Gauges per result. */
  readonly gauges: (s: PushSample[]) => PushSample[];
}

/** The labels both schemes share (what identityLabels in src/core/push/pushTargets.ts gives, without host). */
const shared = (test: number, commit: number): Record<string, string> => ({
  kind: 'measure',
  repository: 'github.com/team/app',
  branch: 'main',
  commit: String(commit).padStart(40, '0'),
  session: `test ${test}`,
});

const SCHEMES: Scheme[] = [
  {
    name: 'default (all gauges; repository, branch, commit, session, host)',
    labels: (r, t, c) => ({ ...shared(t, c), host: `runner-${r}` }),
    gauges: (s) => s,
  },
  { name: '--push-minimal (energy + duration; no host)', labels: (_r, t, c) => shared(t, c), gauges: minimalSamples },
];

async function q(url: string, expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as {
    status: string;
    error?: string;
    data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
  };
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
  return body.data.result;
}

async function medianMs(fn: () => Promise<unknown>, n = 7): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(n / 2)];
}

async function run(scheme: Scheme): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-history-bench-'));
  const port = await freePort();
  const config = {
    global: { scrape_interval: '1s' },
    scrape_configs: [{ job_name: 'prometheus', static_configs: [{ targets: [`127.0.0.1:${port}`] }] }],
  };
  const prom = await PrometheusProcess.startWithConfig(config, dir, true, port, undefined, ['--web.enable-remote-write-receiver']);
  try {
    await eventually('the first self-scrape', async () => (await q(prom.url, 'prometheus_tsdb_head_series')).length > 0);
    const base = Number((await q(prom.url, 'prometheus_tsdb_head_series'))[0].value[1]);
    const rss0 = Number((await q(prom.url, 'process_resident_memory_bytes'))[0].value[1]);
    const t0 = Date.now();
    let batch: PushSample[] = [];
    const flush = async (): Promise<void> => {
      if (!batch.length) return;
      const res = await fetch(`${prom.url}/api/v1/write`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0' },
        body: writeRequestBody(batch, Date.now()),
      });
      if (!res.ok) throw new Error(`remote write: HTTP ${res.status}: ${await res.text()}`);
      batch = [];
    };
    for (let i = 0; i < RESULTS; i++) {
      // Each pipeline runs the whole suite on one runner, on its own commit.
      const commit = Math.floor(i / TESTS);
      const test = i % TESTS;
      const runner = commit % RUNNERS;
      const figures = { energyJoules: 1 + (i % 97) / 10, durationSeconds: 2, source: 'rapl', estimated: false, exitCode: 0, runs: 1 };
      const labels = { ...scheme.labels(runner, test, commit), job: 'optivolt' };
      for (const s of scheme.gauges(resultSamples(figures, Date.now()))) batch.push({ ...s, labels: { ...s.labels, ...labels } });
      if (batch.length >= 5000) await flush();
    }
    await flush();
    const pushS = (Date.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 3000)); // two self-scrapes after the last write
    const series = Number((await q(prom.url, 'prometheus_tsdb_head_series'))[0].value[1]) - base;
    const rss = Number((await q(prom.url, 'process_resident_memory_bytes'))[0].value[1]) - rss0;
    const tsdb = (await (await fetch(`${prom.url}/api/v1/status/tsdb`)).json()) as {
      data: { labelValueCountByLabelName: Array<{ name: string; value: number }> };
    };
    const sel = 'job="optivolt", repository=~".*", branch=~".*", session=~".*"';
    const perCommit = `max by (session, commit) (last_over_time(optivolt_energy_joules{${sel}}[1h]))`;
    const oneTest = `max by (session, commit) (last_over_time(optivolt_energy_joules{job="optivolt", session="test 7"}[1h]))`;
    const tPerCommit = await medianMs(() => q(prom.url, perCommit));
    const tOneTest = await medianMs(() => q(prom.url, oneTest));
    const tLabels = await medianMs(async () =>
      (await fetch(`${prom.url}/api/v1/label/session/values?match[]=optivolt_energy_joules`)).json(),
    );
    const card = Object.fromEntries(tsdb.data.labelValueCountByLabelName.map((x) => [x.name, x.value]));
    console.log(`\n${scheme.name}: ${RESULTS} results (${TESTS} tests x ${Math.ceil(RESULTS / TESTS)} commits, on ${RUNNERS} runners)`);
    console.log(
      `  pushed in ${pushS.toFixed(1)} s (${Math.round(RESULTS / pushS)} results/s); head series +${series} (${(series / RESULTS).toFixed(1)} per result)`,
    );
    console.log(`  RSS +${(rss / 2 ** 20).toFixed(0)} MiB (${Math.round(rss / series)} B per series)`);
    console.log(`  label values: commit ${card.commit}, session ${card.session}, host ${card.host ?? 0}, __name__ ${card.__name__}`);
    console.log(
      `  query all sessions x commits: ${tPerCommit.toFixed(1)} ms; one test across commits: ${tOneTest.toFixed(1)} ms; session label values: ${tLabels.toFixed(1)} ms`,
    );
  } finally {
    await prom.stop();
  }
}

async function main(): Promise<void> {
  // Provisioned as the stack tier does (test/harness/runTier.js): Debian's binary, fetched once into the cache.
  const harness = path.join(__dirname, '..', '..', 'test', 'harness', 'provision.js');
  process.env.PROMETHEUS_BIN ||= (createRequire(__filename)(harness) as { runStep(name: string): string }).runStep('prometheus');
  console.log(`history bench: Prometheus ${process.env.PROMETHEUS_BIN}`);
  for (const s of SCHEMES) await run(s);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

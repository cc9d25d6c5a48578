// The history model (src/core/history): Pushgateway re-scrapes are one run, runs merge over hosts, commits in the
// order they were first measured, the verdict only with 2 runs a side; and the engine's refusal (401) keeps its text,
// read through the real PrometheusClient from a real HTTP server on 127.0.0.1.
import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { distinctRuns, historyCharts, promqlString, readEnergyHistory } from '../../src/core/history/energyHistory';
import { chartViews } from '../../src/core/history/historyView';
import { PrometheusClient } from '../../src/core/prometheus/client';

const series = (labels: Record<string, string>, values: Array<[number, number]>) => ({
  metric: labels,
  values: values.map(([t, v]): [number, string] => [t, String(v)]),
});

describe('energy history model', () => {
  it('a value scraped again is the same run; a new value is a new run', () => {
    assert.deepEqual(
      distinctRuns([
        [1, '2'],
        [2, '2'],
        [3, '2.5'],
        [4, '2.5'],
        [5, 'NaN'],
      ]),
      [
        { t: 1, v: 2 },
        { t: 3, v: 2.5 },
      ],
    );
  });

  it('merges hosts per commit, orders commits by first run, and gives the verdict of the last two', () => {
    const base = { job: 'optivolt', repository: 'r', session: 's', kind: 'test', branch: 'main' };
    const charts = historyCharts(
      [
        series({ ...base, commit: 'b', test: 't', host: 'h1' }, [[200, 4.0]]),
        series({ ...base, commit: 'b', test: 't', host: 'h2' }, [[210, 4.1]]),
        series({ ...base, commit: 'a', test: 't', host: 'h1' }, [
          [100, 2.0],
          [115, 2.0],
          [130, 2.1],
        ]),
        series({ ...base, commit: 'a', test: '(other tests)', host: 'h1' }, [[100, 9]]),
      ],
      true,
    );
    assert.equal(charts.length, 1, 'the remainder is not a test chart');
    const [c] = charts;
    assert.deepEqual(
      c.commits.map((p) => [p.commit, p.runs]),
      [
        ['a', [2.0, 2.1]],
        ['b', [4.0, 4.1]],
      ],
    );
    assert.equal(c.verdict.kind, 'verdict');
    assert.equal(c.verdict.kind === 'verdict' && c.verdict.comparison.verdict, 'regression');
    const [view] = chartViews({ repository: 'r', days: 30, charts });
    assert.match(view.verdictText, /^regression: a → b \+2\.000 J \(\+97\.6%\), 95% CI/);
  });

  it('says "not enough runs" and which commit lacks them', () => {
    const base = { session: 's', kind: 'measure', branch: 'main' };
    const [c] = historyCharts(
      [
        series({ ...base, commit: 'a' }, [
          [1, 1],
          [2, 1.1],
        ]),
        series({ ...base, commit: 'b' }, [[3, 2]]),
      ],
      false,
    );
    assert.deepEqual(c.verdict, { kind: 'not enough runs', reason: 'b has 1 run (2 needed)' });
    assert.equal(chartViews({ repository: 'r', days: 30, charts: [c] })[0].verdictText, 'not enough runs: b has 1 run (2 needed)');
  });

  it('quotes the repository as a PromQL string', () => {
    assert.equal(promqlString('a"b\\c'), '"a\\"b\\\\c"');
  });

  it("an engine's 401 reaches the caller with the connection's error text; the query asked for the repository's range", async () => {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(new URL(req.url ?? '/', 'http://x').searchParams.get('query') ?? '');
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'error', errorType: 'unauthorized', error: 'token expired' }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      await assert.rejects(readEnergyHistory(new PrometheusClient(url), 'github.com/a/b', 7), (err: Error & { status?: number }) => {
        assert.equal(err.status, 401);
        assert.match(err.message, /refused the request: HTTP 401 \(not authenticated\); OptiVolt sent no credentials/);
        return true;
      });
      assert.ok(
        seen.some((u) => u === 'optivolt_test_energy_joules{job="optivolt", repository="github.com/a/b"}[7d]'),
        seen.join('\n'),
      );
    } finally {
      server.close();
    }
  });
});

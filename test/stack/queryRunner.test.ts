// QueryRunner against a real Prometheus (Debian's 2.42 binary) scraping a small exporter on 127.0.0.1 every second.
import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrometheusClient } from '../../src/core/prometheus/client';
import { describeError, QueryRunner } from '../../src/core/prometheus/queryRunner';
import { eventually, PrometheusProcess } from './prometheusProcess';

describe('QueryRunner against a real Prometheus', () => {
  let prom: PrometheusProcess;
  let runner: QueryRunner;
  let exporter: http.Server;

  before(async function () {
    this.timeout(60000);
    // Twelve cores' worth of series, enough to overflow a small cap.
    const metrics = Array.from({ length: 12 }, (_, i) => `optivolt_test_watts{core="${i}"} ${i + 0.5}`).join('\n');
    // With its Content-Type: Prometheus 3 refuses a scrape without one (unless the job sets a fallback protocol).
    exporter = http.createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(`# TYPE optivolt_test_watts gauge\n${metrics}\n`));
    await new Promise<void>((r) => exporter.listen(0, '127.0.0.1', r));
    prom = await PrometheusProcess.start({ self: [`127.0.0.1:${(exporter.address() as AddressInfo).port}`] });
    runner = new QueryRunner(new PrometheusClient(prom.url, fetch, 10000));
    await eventually('a first scrape', async () => (await runner.run('optivolt_test_watts')).instant.rows.length === 12);
  });
  after(async () => {
    await prom?.stop();
    await new Promise((r) => exporter?.close(r));
  });

  it('returns the instant vector and a 15-minute chart of it', async () => {
    const out = await runner.run('up');
    assert.equal(out.instant.resultType, 'vector');
    assert.equal(out.instant.rows[0].labels.__name__, 'up');
    assert.equal(out.instant.rows[0].labels.job, 'self');
    assert.ok(out.range, out.rangeNote);
    assert.ok(out.range.times.length >= 200 && out.range.times.length <= 300, `${out.range.times.length} points`);
    assert.ok(Math.abs(out.range.end - out.range.start - 900) < out.range.step);
    assert.equal(out.range.series.length, 1);
    // Prometheus only started: the series has points at the end of the window and gaps before.
    const vals = out.range.series[0].values;
    assert.ok(vals.some((v) => v !== null), 'recent points');
    assert.equal(vals[0], null, 'nothing 15 minutes ago');
  });

  it('keeps label values and Prometheus\' value text', async () => {
    const out = await runner.run('sort(optivolt_test_watts)');
    assert.deepEqual(out.instant.rows.map((r) => [r.labels.core, r.value]).slice(0, 3), [['0', '0.5'], ['1', '1.5'], ['2', '2.5']]);
    const inf = await runner.run('1/0');
    assert.equal(inf.instant.rows[0].value, '+Inf');
    assert.ok(inf.range?.series[0].values.every((v) => v === null), 'no Infinity on the chart');
  });

  it('returns scalars, strings and range vectors', async () => {
    const s = await runner.run('2 * 21');
    assert.equal(s.instant.resultType, 'scalar');
    assert.equal(s.instant.rows[0].value, '42');
    assert.ok(s.range?.series[0].values.every((v) => v === 42));
    const str = await runner.run('"hello"');
    assert.equal(str.instant.resultType, 'string');
    assert.equal(str.instant.rows[0].value, 'hello');
    assert.equal(str.range, undefined);
    const m = await runner.run('up[1m]');
    assert.equal(m.instant.resultType, 'matrix');
    assert.ok((m.instant.rows[0].samples ?? 0) >= 1);
    assert.match(m.rangeNote ?? '', /range vector/);
  });

  it('caps many series and says so', async () => {
    const capped = new QueryRunner(new PrometheusClient(prom.url, fetch, 10000), { maxSeries: 5, maxChartSeries: 3 });
    const out = await capped.run('optivolt_test_watts');
    assert.equal(out.instant.total, 12);
    assert.equal(out.instant.rows.length, 5);
    assert.ok(out.instant.truncated);
    assert.equal(out.range?.series.length, 3);
    assert.ok(out.range?.truncated);
  });

  it("reports Prometheus' parse errors with their position", async () => {
    const err = await runner.run('sum(rate(up[5m])').then(
      () => assert.fail('a parse error'),
      (e: unknown) => e,
    );
    const info = describeError(err, prom.url);
    assert.equal(info.kind, 'bad_data');
    assert.match(info.prometheusText ?? '', /^1:17: parse error: /);
    assert.deepEqual(info.position, { line: 1, column: 17 });
  });
});

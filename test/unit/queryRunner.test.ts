// QueryRunner against a local HTTP server on 127.0.0.1 that replays recorded Prometheus 2.42 answers (instant and
// range queries, scalar/string/matrix results, parse errors), checking the requests it makes and the shapes it returns.
import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrometheusClient, PrometheusError } from '../../src/core/prometheus/client';
import { parseSampleValue } from '../../src/core/prometheus/client';
import { chooseStep, describeError, errorPosition, QueryRunner } from '../../src/core/prometheus/queryRunner';
import { seriesName } from '../../src/shared/queryResult';
import { parseFromWebview, parseToWebview } from '../../src/shared/webviews/promqlResultProtocol';

type Answer = { status?: number; body: string };
type Handler = (path: string, params: URLSearchParams) => Answer;

const UP = { __name__: 'up', instance: '127.0.0.1:19391', job: 'prometheus' };
// Recorded from a real Prometheus 2.42 (curl /api/v1/query?query=...), timestamps kept.
const REC = {
  vector:
    '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up","instance":"127.0.0.1:19391","job":"prometheus"},"value":[1795499085.865,"1"]}]}}',
  scalar: '{"status":"success","data":{"resultType":"scalar","result":[1795499085.89,"2"]}}',
  string: '{"status":"success","data":{"resultType":"string","result":[1795499085.915,"hi"]}}',
  matrix:
    '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"up","instance":"127.0.0.1:19391","job":"prometheus"},"values":[[1795499085.519,"1"]]}]}}',
  unclosed:
    '{"status":"error","errorType":"bad_data","error":"invalid parameter \\"query\\": 1:15: parse error: unclosed left parenthesis"}',
  rangeOfMatrix:
    '{"status":"error","errorType":"bad_data","error":"invalid expression type \\"range vector\\" for range query, must be Scalar or instant Vector"}',
};
const NOW = 1795499085865; // ms, the recorded evaluation time

/** A range answer built the way Prometheus builds it: samples at start + k*step. */
function rangeAnswer(
  params: URLSearchParams,
  series: Array<{ metric: Record<string, string>; value: (t: number) => string | undefined }>,
): Answer {
  const [start, end, step] = ['start', 'end', 'step'].map((k) => Math.round(Number(params.get(k)) * 1000));
  const result = series.map((s) => {
    const values: [number, string][] = [];
    for (let ms = start; ms <= end; ms += step) {
      const v = s.value(ms / 1000);
      if (v !== undefined) values.push([ms / 1000, v]);
    }
    return { metric: s.metric, values };
  });
  return { body: JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } }) };
}

describe('QueryRunner (recorded Prometheus answers)', () => {
  let server: http.Server;
  let url = '';
  let handler: Handler = () => ({ status: 500, body: '' });
  const requests: Array<{ path: string; params: URLSearchParams }> = [];

  before(async () => {
    server = http.createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      const path = u.pathname.replace('/api/v1/', '');
      requests.push({ path, params: u.searchParams });
      const a = handler(path, u.searchParams);
      res.writeHead(a.status ?? (a.body.includes('"error"') ? 400 : 200), { 'content-type': 'application/json' });
      res.end(a.body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => (requests.length = 0));

  const runner = (opts = {}): QueryRunner => new QueryRunner(new PrometheusClient(url), { now: () => NOW, ...opts });

  it('asks an instant query now and a range query over the last 15 minutes with ~250 points', async () => {
    handler = (path, p) => (path === 'query' ? { body: REC.vector } : rangeAnswer(p, [{ metric: UP, value: () => '1' }]));
    const out = await runner().run('up');
    const instant = requests.find((r) => r.path === 'query');
    const range = requests.find((r) => r.path === 'query_range');
    assert.ok(instant && range, `requests: ${requests.map((r) => r.path)}`);
    assert.equal(instant.params.get('query'), 'up');
    assert.equal(Number(instant.params.get('time')), NOW / 1000);
    const [start, end, step] = ['start', 'end', 'step'].map((k) => Number(range.params.get(k)));
    assert.equal(end, NOW / 1000, 'the window ends now');
    assert.ok(Math.abs(end - start - 900) < step, `15 minutes: ${end - start} s`);
    const points = (end - start) / step + 1;
    assert.ok(points >= 200 && points <= 300, `${points} points`);
    assert.deepEqual(out.instant.rows, [{ labels: UP, value: '1' }]);
    assert.equal(out.instant.resultType, 'vector');
    assert.equal(out.instant.time, 1795499085865);
    assert.equal(out.range?.times.length, points);
    assert.deepEqual(out.range?.series[0].labels, UP);
    assert.ok(out.range?.series[0].values.every((v) => v === 1));
  });

  /** A sample's index on a whole-ms grid (the step has decimals). */
  const k = (t: number): number => Math.round((t * 1000) / 3600);
  it('aligns range samples on the time axis, with null for gaps and non-finite values', async () => {
    handler = (path, p) =>
      path === 'query'
        ? { body: REC.vector }
        : rangeAnswer(p, [
            { metric: { job: 'a' }, value: (t) => (k(t) % 8 === 0 ? undefined : String(k(t) % 3)) },
            { metric: { job: 'b' }, value: (t) => (k(t) % 12 === 0 ? '+Inf' : k(t) % 10 === 0 ? 'NaN' : '2.5') },
          ]);
    const r = (await runner().run('x')).range!;
    assert.equal(r.series.length, 2);
    r.times.forEach((t, i) => {
      assert.equal(r.series[0].values[i], k(t) % 8 === 0 ? null : k(t) % 3);
      assert.equal(r.series[1].values[i], k(t) % 12 === 0 || k(t) % 10 === 0 ? null : 2.5);
    });
    assert.ok(r.series[0].values.filter((v) => v === null).length > 20, 'gaps are there');
  });

  it('returns scalar and string results as one row without labels', async () => {
    handler = (path, p) => (path === 'query' ? { body: REC.scalar } : rangeAnswer(p, [{ metric: {}, value: () => '2' }]));
    const s = await runner().run('1+1');
    assert.equal(s.instant.resultType, 'scalar');
    assert.deepEqual(s.instant.rows, [{ labels: {}, value: '2' }]);
    assert.equal(s.instant.time, 1795499085890);
    assert.ok(s.range);

    handler = (path) => (path === 'query' ? { body: REC.string } : { body: REC.rangeOfMatrix.replace('range vector', 'string') });
    const str = await runner().run('"hi"');
    assert.equal(str.instant.resultType, 'string');
    assert.deepEqual(str.instant.rows, [{ labels: {}, value: 'hi' }]);
    assert.equal(str.range, undefined);
    assert.match(str.rangeNote ?? '', /string/);
  });

  it('shows a range vector as rows with their sample count, and explains why there is no chart', async () => {
    handler = (path) => (path === 'query' ? { body: REC.matrix } : { body: REC.rangeOfMatrix });
    const out = await runner().run('up[3s]');
    assert.equal(out.instant.resultType, 'matrix');
    assert.deepEqual(out.instant.rows, [{ labels: UP, value: '1', samples: 1 }]);
    assert.equal(out.range, undefined);
    assert.match(out.rangeNote ?? '', /range vector/);
  });

  it('caps the table and the chart, counting what it left out', async () => {
    const many = Array.from({ length: 620 }, (_, i) => ({ metric: { __name__: 'm', i: String(i) }, value: [NOW / 1000, String(i)] }));
    handler = (path, p) =>
      path === 'query'
        ? { body: JSON.stringify({ status: 'success', data: { resultType: 'vector', result: many } }) }
        : rangeAnswer(
            p,
            many.map((m) => ({ metric: m.metric, value: () => '1' })),
          );
    const out = await runner().run('m');
    assert.equal(out.instant.rows.length, 500);
    assert.equal(out.instant.total, 620);
    assert.equal(out.instant.truncated, true);
    assert.equal(out.instant.rows[499].labels.i, '499');
    assert.equal(out.range?.series.length, 50);
    assert.equal(out.range?.total, 620);
    assert.equal(out.range?.truncated, true);
    const small = await runner({ maxSeries: 1000, maxChartSeries: 1000 }).run('m');
    assert.equal(small.instant.truncated, false);
    assert.equal(small.range?.truncated, false);
  });

  it("throws Prometheus' parse error with its position", async () => {
    handler = () => ({ body: REC.unclosed });
    const err = await runner()
      .run('sum(rate(x[5m]')
      .then(
        () => assert.fail('should throw'),
        (e: unknown) => e,
      );
    assert.ok(err instanceof PrometheusError);
    assert.equal(err.kind, 'bad_data');
    const info = describeError(err, url);
    assert.equal(info.kind, 'bad_data');
    assert.equal(info.prometheusText, '1:15: parse error: unclosed left parenthesis');
    assert.deepEqual(info.position, { line: 1, column: 15 });
  });

  it('names optivolt.prometheus.url when Prometheus is unreachable', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const dead = `http://127.0.0.1:${port}`;
    const err = await new QueryRunner(new PrometheusClient(dead)).run('up').then(
      () => assert.fail('should throw'),
      (e: unknown) => e,
    );
    const info = describeError(err, dead);
    assert.equal(info.kind, 'unreachable');
    assert.match(info.message, /optivolt\.prometheus\.url/);
    assert.ok(info.message.includes(dead));
  });

  it('answers non-Prometheus servers with a clear error', async () => {
    handler = () => ({ status: 200, body: '<html>Grafana</html>' });
    await assert.rejects(runner().run('up'), (e: PrometheusError) => e.kind === 'http' && /without Prometheus JSON/.test(e.message));
  });
});

describe('query runner helpers', () => {
  it('chooses a millisecond-precision step giving 200-300 points over common windows', () => {
    for (const w of [300, 900, 3600, 86400]) {
      const step = chooseStep(w, 250);
      const points = Math.floor(w / step) + 1;
      assert.ok(Number.isInteger(step * 1000) && step >= 1, `${step}`);
      assert.ok(points >= 200 && points <= 300, `${w} s: step ${step}, ${points} points`);
    }
    assert.equal(chooseStep(60, 250), 1, 'never below one second');
  });

  it('parses Prometheus sample values, including its spellings of infinity', () => {
    assert.equal(parseSampleValue('+Inf'), Infinity);
    assert.equal(parseSampleValue('-Inf'), -Infinity);
    assert.ok(Number.isNaN(parseSampleValue('NaN')));
    assert.equal(parseSampleValue('1.5e-3'), 0.0015);
  });

  it('finds the position in parse errors, and nothing elsewhere', () => {
    assert.deepEqual(errorPosition('1:14: parse error: unexpected <EOF>'), { line: 1, column: 14 });
    assert.deepEqual(errorPosition('invalid parameter "query": 2:3: parse error: unexpected identifier "x"'), { line: 2, column: 3 });
    assert.equal(errorPosition('invalid expression type "range vector" for range query'), undefined);
    assert.equal(errorPosition(undefined), undefined);
  });

  it('prints series like Prometheus', () => {
    assert.equal(seriesName(UP), 'up{instance="127.0.0.1:19391", job="prometheus"}');
    assert.equal(seriesName({}), '{}');
    assert.equal(seriesName({ job: 'a' }), '{job="a"}');
  });

  it('validates messages from and to the webview', () => {
    assert.deepEqual(parseFromWebview({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseFromWebview({ type: 'query/rerun', extra: 1 }), { type: 'query/rerun' });
    assert.equal(parseFromWebview({ type: 'query/run', query: 'up' }), undefined);
    assert.equal(parseFromWebview('ready'), undefined);
    assert.equal(parseFromWebview(null), undefined);
    const ok = {
      type: 'query/result',
      requestId: 1,
      outcome: { query: 'up', instant: { time: 1, rows: [{ labels: {}, value: '1' }] }, tookMs: 1 },
    };
    assert.ok(parseToWebview(ok));
    assert.equal(parseToWebview({ ...ok, requestId: '1' }), undefined);
    assert.equal(parseToWebview({ ...ok, outcome: { ...ok.outcome, instant: { time: 1, rows: [{ labels: {}, value: 1 }] } } }), undefined);
    assert.ok(parseToWebview({ type: 'query/error', requestId: 2, query: 'x', error: { kind: 'other', message: 'm', url: 'u' } }));
  });
});

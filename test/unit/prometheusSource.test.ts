// PrometheusSource against a local HTTP server that answers /api/v1/query with recorded Prometheus JSON.
import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  NODE_RAPL_DRAM_QUERY,
  NODE_RAPL_QUERY,
  PrometheusSource,
  SCAPH_HOST_QUERY,
  SCAPH_SOCKET_QUERY,
} from '../../src/core/power/prometheusSource';
import { SourceError } from '../../src/core/power/source';
import { normalizePrometheusUrl, PrometheusClient, PrometheusError } from '../../src/core/prometheus/client';

interface Answer {
  readonly status?: number;
  readonly body: string;
  readonly type?: string;
}

const T = 1700000000.123;
const vector = (result: Array<{ metric: Record<string, string>; value: string }>): Answer => ({
  body: JSON.stringify({
    status: 'success',
    data: { resultType: 'vector', result: result.map((r) => ({ metric: r.metric, value: [T, r.value] })) },
  }),
});
const EMPTY = vector([]);

/** Recorded answers of a Prometheus 2.x scraping Scaphandre on a two-socket host. */
const SCAPHANDRE: Record<string, Answer> = {
  [SCAPH_HOST_QUERY]: vector([{ metric: {}, value: '42.5' }]),
  [SCAPH_SOCKET_QUERY]: vector([
    { metric: { socket_id: '0' }, value: '20.25' },
    { metric: { socket_id: '1' }, value: '18.5' },
  ]),
};

/** node-exporter only: RAPL counters as rates, no Scaphandre. */
const NODE_EXPORTER: Record<string, Answer> = {
  [SCAPH_HOST_QUERY]: EMPTY,
  [SCAPH_SOCKET_QUERY]: EMPTY,
  [NODE_RAPL_QUERY]: vector([
    { metric: { index: '0' }, value: '15.25' },
    { metric: { index: '1' }, value: '12.75' },
  ]),
  [NODE_RAPL_DRAM_QUERY]: vector([{ metric: { index: '0' }, value: '3.5' }]),
};

describe('Prometheus power source (local HTTP server)', () => {
  let server: http.Server;
  let baseUrl: string;
  let answers: Record<string, Answer> = {};
  let fallback: Answer = EMPTY;
  let asked: string[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      if (u.pathname !== '/api/v1/query') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found');
        return;
      }
      const q = u.searchParams.get('query') ?? '';
      asked.push(q);
      const a = answers[q] ?? fallback;
      res.writeHead(a.status ?? 200, { 'content-type': a.type ?? 'application/json' }).end(a.body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    answers = {};
    fallback = EMPTY;
    asked = [];
  });

  const source = (requireScaphandre = false): PrometheusSource =>
    new PrometheusSource(new PrometheusClient(`${baseUrl}/`), requireScaphandre);

  async function failure(p: Promise<unknown>): Promise<SourceError> {
    try {
      await p;
    } catch (err) {
      assert.ok(err instanceof SourceError, `expected SourceError, got ${String(err)}`);
      return err;
    }
    assert.fail('expected the read to fail');
  }

  it('reads Scaphandre host power and socket zones', async () => {
    answers = SCAPHANDRE;
    const src = source(true);
    assert.equal(src.kind, 'prometheus');
    assert.equal(src.estimated, false);
    assert.equal(src.origin, baseUrl);
    const r = await src.read();
    assert.equal(r.watts, 42.5);
    assert.deepEqual(r.zones, { 'socket-0': 20.25, 'socket-1': 18.5 });
    assert.match(r.detail, /Scaphandre/);
    assert.ok(r.detail.includes(baseUrl));
    assert.deepEqual(asked, [SCAPH_HOST_QUERY, SCAPH_SOCKET_QUERY]);
  });

  it('falls back to node-exporter RAPL rates when Scaphandre has no series: packages + DRAM, as Scaphandre counts the host', async () => {
    answers = NODE_EXPORTER;
    const r = await source().read();
    assert.equal(r.watts, 31.5);
    assert.deepEqual(r.zones, { 'package-0': 15.25, 'package-1': 12.75, 'package-0/dram': 3.5 });
    assert.match(r.detail, /node-exporter/);
    assert.deepEqual(asked, [SCAPH_HOST_QUERY, NODE_RAPL_QUERY, NODE_RAPL_DRAM_QUERY]);
  });

  it("with requireScaphandre, node-exporter data does not count: 'no-data'", async () => {
    answers = NODE_EXPORTER;
    const err = await failure(source(true).read());
    assert.equal(err.code, 'no-data');
    assert.match(err.message, /scaph_host_power_microwatts/);
    assert.ok(!asked.includes(NODE_RAPL_QUERY), 'node-exporter not even queried');
  });

  it("'no-data' naming the server when neither exporter has series", async () => {
    const err = await failure(source().read());
    assert.equal(err.code, 'no-data');
    assert.ok(err.message.includes(baseUrl), err.message);
    assert.match(err.message, /node_rapl_package_joules_total/);
  });

  describe('power figures that are not power: no value, with the reason (issue 20)', () => {
    const cases: Array<[string, Record<string, Answer>, RegExp]> = [
      [
        'negative Scaphandre host power',
        { [SCAPH_HOST_QUERY]: vector([{ metric: { value_source: 'powercap_rapl_pkg' }, value: '-3' }]) },
        /scaph_host_power_microwatts\{value_source="powercap_rapl_pkg"\} says -3 W is negative/,
      ],
      [
        '1e308 W (what made baselineWatts null)',
        { [SCAPH_HOST_QUERY]: vector([{ metric: {}, value: '1e308' }]) },
        /says 1\.00e\+308 W is above 100 kW/,
      ],
      [
        'two series, each plausible, whose total is not',
        {
          [SCAPH_HOST_QUERY]: vector([
            { metric: { value_source: 'a' }, value: '9e4' },
            { metric: { value_source: 'b' }, value: '9e4' },
          ]),
        },
        /in total says 1\.80e\+5 W/,
      ],
      // The client used to drop NaN/Inf samples, so a NaN host power read as "no series" ('no-data').
      [
        'NaN Scaphandre host power',
        { [SCAPH_HOST_QUERY]: vector([{ metric: { value_source: 'powercap_rapl_pkg' }, value: 'NaN' }]) },
        /scaph_host_power_microwatts\{value_source="powercap_rapl_pkg"\} says NaN W is not a number/,
      ],
      [
        '+Inf node-exporter package power',
        { ...NODE_EXPORTER, [NODE_RAPL_QUERY]: vector([{ metric: { index: '0' }, value: '+Inf' }]) },
        /node_rapl_package_joules_total\{index="0"\} says Infinity W is not a number/,
      ],
      [
        'node-exporter package power in microwatts',
        { ...NODE_EXPORTER, [NODE_RAPL_QUERY]: vector([{ metric: { index: '0' }, value: '15250000' }]) },
        /node_rapl_package_joules_total\{index="0"\} says 1\.53e\+7 W/,
      ],
    ];
    for (const [what, a, message] of cases) {
      it(what, async () => {
        answers = { [SCAPH_SOCKET_QUERY]: EMPTY, ...a };
        const err = await failure(source().read());
        assert.equal(err.code, 'invalid');
        assert.match(err.message, message);
        assert.ok(err.message.includes(baseUrl), err.message);
      });
    }

    it('a socket or DRAM zone that is not power is left out and named; the host figure stands', async () => {
      answers = {
        ...SCAPHANDRE,
        [SCAPH_SOCKET_QUERY]: vector([
          { metric: { socket_id: '0' }, value: '20.25' },
          { metric: { socket_id: '1' }, value: '-7' },
        ]),
      };
      const r = await source().read();
      assert.equal(r.watts, 42.5);
      assert.deepEqual(r.zones, { 'socket-0': 20.25 });
      assert.match(r.detail, /implausible, left out: socket-1 \(-7 W\)/);
    });
  });

  it('turns a Prometheus error envelope into a SourceError', async () => {
    fallback = {
      status: 400,
      body: JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'invalid parameter "query": 1:5: parse error' }),
    };
    const err = await failure(source().read());
    assert.equal(err.code, 'invalid');
    assert.match(err.message, /bad_data/);
    assert.match(err.message, /parse error/);
  });

  it('turns a non-JSON HTTP 500 into a SourceError', async () => {
    fallback = { status: 500, body: '<html>Internal Server Error</html>', type: 'text/html' };
    const err = await failure(source().read());
    assert.equal(err.code, 'invalid');
    assert.match(err.message, /HTTP 500/);
    assert.ok(err.message.includes(baseUrl), err.message);
  });

  it('rejects a result that is not an instant vector', async () => {
    fallback = { body: JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } }) };
    const err = await failure(source().read());
    assert.equal(err.code, 'invalid');
    assert.match(err.message, /matrix/);
  });

  it("'unreachable' with the URL for a closed port", async () => {
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const url = `http://127.0.0.1:${port}`;
    const err = await failure(new PrometheusSource(new PrometheusClient(url)).read());
    assert.equal(err.code, 'unreachable');
    assert.ok(err.message.includes(url), err.message);
    assert.match(err.message, /ECONNREFUSED/);
  });

  it('the client reads a scalar answer as one unlabelled sample and keeps non-finite values (NaN, +Inf)', async () => {
    answers = {
      'scalar(1)': { body: JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [T, '7.5'] } }) },
      up: vector([
        { metric: { job: 'a' }, value: 'NaN' },
        { metric: { job: 'b' }, value: '1' },
        { metric: { job: 'c' }, value: '+Inf' },
      ]),
    };
    const client = new PrometheusClient(baseUrl);
    assert.deepEqual(await client.query('scalar(1)'), [{ metric: {}, value: 7.5 }]);
    assert.deepEqual(await client.query('up'), [
      { metric: { job: 'a' }, value: NaN },
      { metric: { job: 'b' }, value: 1 },
      { metric: { job: 'c' }, value: Infinity },
    ]);
  });

  describe('normalizePrometheusUrl', () => {
    it('keeps http(s) URLs and strips the trailing slash', () => {
      assert.equal(normalizePrometheusUrl('http://127.0.0.1:9090/'), 'http://127.0.0.1:9090');
      assert.equal(normalizePrometheusUrl('https://prom.example.org/prometheus/'), 'https://prom.example.org/prometheus');
    });
    it('rejects other schemes and garbage', () => {
      for (const bad of ['ftp://127.0.0.1:9090', 'file:///etc/passwd', 'not a url', '', '127.0.0.1:9090']) {
        assert.throws(() => normalizePrometheusUrl(bad), PrometheusError, bad);
      }
      assert.throws(() => new PrometheusClient('ftp://x'), /http or https/);
    });
  });
});

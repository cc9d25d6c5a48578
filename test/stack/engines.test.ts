// Any Prometheus-API engine, with its authentication (issue 18): the same feature tests (Scaphandre's power through
// the power source, a range query through Run Query, completion with live names and metadata through the language
// server, the CLI) against a real Prometheus behind a real nginx enforcing a bearer token, basic auth, a tenant
// header and TLS with a private CA, and against a real VictoriaMetrics, directly and as a tenant. Then the failures,
// each said as what it is, with nginx's access log counting the requests the retries make.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PrometheusSource } from '../../src/core/power/prometheusSource';
import { SourceError } from '../../src/core/power/source';
import { createSource } from '../../src/core/power/sources';
import { accessFromSettings, type PrometheusAccess } from '../../src/core/prometheus/access';
import { PrometheusClient, PrometheusError } from '../../src/core/prometheus/client';
import { QueryRunner } from '../../src/core/prometheus/queryRunner';
import { readSettings, type OptiVoltSettings } from '../../src/core/settings';
import { startHarness, until } from '../fixtures/lspHarness';
import { BASIC_PASSWORD, BASIC_USER, EnginesProxy, TOKEN } from './enginesProxy';
import { ExporterStandIn, scaphandreBody } from './exporterStandIn';
import { spawnReady, stopChild } from './localServer';
import { eventually, freePort, PrometheusProcess } from './prometheusProcess';
import { runCli } from '../fixtures/engineCli';

const PROBE = 'optivolt_engines_probe_total';
const body = (): string =>
  `${scaphandreBody()}# HELP ${PROBE} Requests seen by the engines test.\n# TYPE ${PROBE} counter\n${PROBE}{team="a"} 7\n`;

interface Engine {
  readonly name: string;
  readonly settings: () => OptiVoltSettings;
  readonly token?: string;
  /** Whether /api/v1/metadata is expected to carry the exporter's TYPE/HELP (detected below, never assumed). */
  readonly engine: 'prometheus' | 'victoriametrics';
}

const settingsOf = (over: Partial<Record<keyof OptiVoltSettings, unknown>>): OptiVoltSettings => {
  const { settings, problems } = readSettings((k) => over[k]);
  assert.deepEqual(problems, []);
  return settings;
};
const clientOf = (e: Engine, retry?: PrometheusAccess['retry']): PrometheusClient => {
  const s = e.settings();
  return new PrometheusClient(s['prometheus.url'], undefined, 5000, { ...accessFromSettings(s, e.token), ...(retry ? { retry } : {}) });
};

describe('Prometheus-API engines with their authentication (real Prometheus behind nginx, real VictoriaMetrics)', function () {
  this.timeout(120000);
  let exporter: ExporterStandIn;
  let prom: PrometheusProcess;
  let empty: PrometheusProcess;
  let vm: { url: string; stop(): Promise<void> };
  let proxy: EnginesProxy;
  const engines: Engine[] = [];

  before(async () => {
    exporter = await ExporterStandIn.start(body);
    prom = await PrometheusProcess.start({ scaphandre: [exporter.target] });
    empty = await PrometheusProcess.startSelfScraping();
    vm = await startVictoriaMetrics(exporter.target);
    proxy = await EnginesProxy.start({ main: prom.url, emptyTenant: empty.url, vmTenant: vm.url });
    const p = proxy.ports;
    const local = (port: number, auth = ''): string => `http://${auth}127.0.0.1:${port}`;
    engines.push(
      { name: 'Prometheus behind nginx, bearer token', engine: 'prometheus', token: TOKEN, settings: () => settingsOf({ 'prometheus.url': local(p.bearer) }) },
      {
        name: 'Prometheus behind nginx, basic auth in the URL',
        engine: 'prometheus',
        settings: () => settingsOf({ 'prometheus.url': local(p.basic, `${BASIC_USER}:${encodeURIComponent(BASIC_PASSWORD)}@`) }),
      },
      {
        name: 'Prometheus behind nginx, tenant header X-Scope-OrgID',
        engine: 'prometheus',
        settings: () => settingsOf({ 'prometheus.url': local(p.tenant), 'prometheus.headers': { 'X-Scope-OrgID': 'team-a' } }),
      },
      {
        name: 'Prometheus behind nginx over TLS (private CA) with a bearer token',
        engine: 'prometheus',
        token: TOKEN,
        settings: () => settingsOf({ 'prometheus.url': `https://127.0.0.1:${p.tls}`, 'prometheus.caFile': proxy.caFile }),
      },
      { name: 'VictoriaMetrics, direct', engine: 'victoriametrics', settings: () => settingsOf({ 'prometheus.url': vm.url }) },
      {
        name: 'VictoriaMetrics behind nginx as tenant team-vm',
        engine: 'victoriametrics',
        settings: () => settingsOf({ 'prometheus.url': local(p.tenant), 'prometheus.headers': { 'X-Scope-OrgID': 'team-vm' } }),
      },
    );
    // Both engines have scraped the stand-in (VictoriaMetrics needs two scrapes for a rate, Prometheus one sample).
    for (const e of engines) await eventually(`${e.name}: Scaphandre's series`, async () => (await clientOf(e).query('scaph_host_power_microwatts')).length > 0, 40000);
  });

  after(async () => {
    await proxy?.stop();
    await vm?.stop();
    await empty?.stop();
    await prom?.stop();
    await exporter?.stop();
  });

  describe('the same features on every engine', () => {
    it("power source: reads Scaphandre's host power through each engine's auth", async () => {
      for (const e of engines) {
        const src = createSource('prometheus', e.settings(), { prometheusToken: e.token }, true);
        const r = await src.read();
        assert.ok(r, e.name);
        assert.equal(r.watts, 42.5, e.name);
        assert.deepEqual(r.zones, { 'socket-0': 20, 'socket-1': 15 }, e.name);
      }
    });

    it('Run Query: instant table and range chart', async () => {
      for (const e of engines) {
        // VictoriaMetrics leaves the last 30 s out of range queries (-search.latencyOffset): wait for older samples.
        const out = await eventually(`${e.name}: a range with points`, async () => {
          const o = await new QueryRunner(clientOf(e), { windowSeconds: 120, targetPoints: 60 }).run('scaph_host_power_microwatts');
          return o.range?.series[0]?.values.some((v) => v !== null) ? o : undefined;
        }, 60000);
        assert.equal(out.instant.rows.length, 1, e.name);
        assert.equal(Number(out.instant.rows[0].value), 42_500_000, e.name);
        assert.ok(out.range, `${e.name}: ${out.rangeNote}`);
        const points = out.range.series[0]?.values.filter((v) => v !== null) ?? [];
        assert.ok(points.length >= 1 && points.every((v) => v === 42_500_000), `${e.name}: ${JSON.stringify(points)}`);
      }
    });

    it("completion: live names, labels and values through the language server, metadata when the engine has it", async () => {
      for (const e of engines) {
        const s = e.settings();
        const meta = (await clientOf(e).api('metadata', { metric: PROBE })) as Record<string, Array<{ type: string }>>;
        // Detected, not assumed: Prometheus keeps the exporter's TYPE; VictoriaMetrics answers an empty object.
        const hasMeta = Array.isArray(meta?.[PROBE]);
        if (e.engine === 'prometheus') assert.ok(hasMeta, `${e.name}: ${JSON.stringify(meta)}`);
        const h = await startHarness(s['prometheus.url'], { prometheusAccess: accessFromSettings(s, e.token) });
        try {
          await h.open('file:///e/a.promql', 'optivolt_engines_');
          const item = await until(async () => (await h.complete('file:///e/a.promql', 0, 17)).find((i) => i.label === PROBE), 10000);
          assert.equal(item.detail, hasMeta ? 'counter' : undefined, `${e.name}: ${JSON.stringify(item)}`);
          await h.open('file:///e/b.promql', `${PROBE}{team="`);
          const values = await until(async () => {
            const v = (await h.complete('file:///e/b.promql', 0, PROBE.length + 7)).map((i) => i.label);
            return v.length ? v : undefined;
          }, 10000);
          assert.deepEqual(values, ['a'], e.name);
          const status = h.statuses[h.statuses.length - 1];
          assert.equal(status?.problem, undefined, `${e.name}: ${JSON.stringify(h.statuses)}`);
          assert.ok(!JSON.stringify(h.statuses).includes(TOKEN) && !JSON.stringify(h.statuses).includes(BASIC_PASSWORD));
        } finally {
          h.stop();
        }
      }
    });

    it('CLI: optivolt sample through each engine (token from OPTIVOLT_PROMETHEUS_TOKEN or --prometheus-token-file)', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-engines-cli-'));
      try {
        const tokenFile = path.join(dir, 'token');
        fs.writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
        for (const [i, e] of engines.entries()) {
          const s = e.settings();
          const args = ['sample', '--source', 'prometheus', '--count', '1', '--json', '--prometheus-url', s['prometheus.url']];
          for (const [k, v] of Object.entries(s['prometheus.headers'])) args.push('--prometheus-header', `${k}: ${v}`);
          if (s['prometheus.caFile']) args.push('--prometheus-ca', s['prometheus.caFile']);
          // Half the token engines take it from the file, the other half from the environment.
          const viaFile = e.token !== undefined && i % 2 === 1;
          if (viaFile) args.push('--prometheus-token-file', tokenFile);
          const r = await runCli(args, e.token && !viaFile ? { OPTIVOLT_PROMETHEUS_TOKEN: e.token } : {});
          assert.equal(r.code, 0, `${e.name}: ${r.stderr}`);
          assert.equal((JSON.parse(r.stdout.trim()) as { watts: number }).watts, 42.5, e.name);
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('failures say which', () => {
    const readError = async (e: Omit<Engine, 'engine'>): Promise<SourceError> => {
      const err = await createSource('prometheus', e.settings(), { prometheusToken: e.token }, true)
        .read()
        .then(
          () => undefined,
          (x: unknown) => x,
        );
      assert.ok(err instanceof SourceError, String(err));
      return err;
    };

    it('401 names the credential sent: a wrong token, basic auth, none; and never shows it', async () => {
      const p = proxy.ports;
      const wrong = await readError({ name: 'wrong token', token: 'not-the-token', settings: () => settingsOf({ 'prometheus.url': `http://127.0.0.1:${p.bearer}` }) });
      assert.match(wrong.message, /HTTP 401 .*bearer token/);
      assert.ok(!wrong.message.includes('not-the-token'));
      const none = await readError({ name: 'no token', settings: () => settingsOf({ 'prometheus.url': `http://127.0.0.1:${p.bearer}` }) });
      assert.match(none.message, /HTTP 401 .*no credentials/);
      const basic = await readError({ name: 'wrong password', settings: () => settingsOf({ 'prometheus.url': `http://${BASIC_USER}:wrong-pw@127.0.0.1:${p.basic}` }) });
      assert.match(basic.message, /HTTP 401 .*user and password .*basic auth/);
      assert.ok(!basic.message.includes('wrong-pw'));
      const tenantless = await readError({ name: 'no tenant', settings: () => settingsOf({ 'prometheus.url': `http://127.0.0.1:${p.tenant}` }) });
      assert.match(tenantless.message, /HTTP 401/);
    });

    it('a tenant without data: the query succeeds, and the message names the tenant', async () => {
      const err = await readError({
        name: 'team-empty',
        settings: () => settingsOf({ 'prometheus.url': `http://127.0.0.1:${proxy.ports.tenant}`, 'prometheus.headers': { 'X-Scope-OrgID': 'team-empty' } }),
      });
      assert.equal(err.code, 'no-data');
      assert.match(err.message, /no scaph_host_power_microwatts series .*for tenant team-empty \(X-Scope-OrgID\)/);
    });

    it('TLS without the CA: unreachable, with the certificate problem named', async () => {
      const err = await readError({ name: 'no CA', token: TOKEN, settings: () => settingsOf({ 'prometheus.url': `https://127.0.0.1:${proxy.ports.tls}` }) });
      assert.equal(err.code, 'unreachable');
      assert.match(err.message, /CERT|VERIFY|SELF_SIGNED/);
    });

    it('503: retried with backoff a bounded number of times (nginx counts 4 requests), then said', async () => {
      const c = new PrometheusClient(`http://127.0.0.1:${proxy.ports.busy}`, undefined, 3000, { retry: { retries: 3, baseMs: 100, maxDelayMs: 2000 } });
      const before = proxy.requestsTo(proxy.ports.busy);
      await assert.rejects(c.query('up'), (err: unknown) => {
        assert.ok(err instanceof PrometheusError);
        assert.equal(err.status, 503);
        assert.match(err.message, /unavailable: HTTP 503 after 4 attempts/);
        return true;
      });
      await eventually('nginx logged the requests', async () => proxy.requestsTo(proxy.ports.busy) - before === 4);
      assert.equal(c.requests, 4);
    });

    it('429 with Retry-After: 1 waits a second between attempts; Retry-After: 120 is not waited for', async () => {
      const c = new PrometheusClient(`http://127.0.0.1:${proxy.ports.limited}`, undefined, 3000, { retry: { retries: 2, baseMs: 10, maxDelayMs: 5000 } });
      const t0 = Date.now();
      await assert.rejects(c.query('up'), /rate-limited: HTTP 429 after 3 attempts \(Retry-After: 1\)/);
      const took = Date.now() - t0;
      assert.ok(took >= 2000 && took < 6000, `two waits of Retry-After 1 s, took ${took} ms`);
      await eventually('nginx logged 3 requests', async () => proxy.requestsTo(proxy.ports.limited) === 3);
      const slow = new PrometheusClient(`http://127.0.0.1:${proxy.ports.slowLimited}`);
      const t1 = Date.now();
      await assert.rejects(slow.query('up'), /HTTP 429 after 1 attempt \(Retry-After: 120\)/);
      assert.ok(Date.now() - t1 < 1500, 'a Retry-After beyond the bound ends the retries at once');
      assert.equal(slow.requests, 1);
    });

    it('unreachable: a closed port is said as refused, and not retried', async () => {
      const port = await freePort();
      const c = new PrometheusClient(`http://127.0.0.1:${port}`, undefined, 2000, { token: TOKEN });
      await assert.rejects(c.query('up'), (err: unknown) => err instanceof PrometheusError && err.kind === 'unreachable' && /ECONNREFUSED/.test(err.message));
      assert.equal(c.requests, 1);
      const src = new PrometheusSource(c, true);
      await assert.rejects(src.read(), (err: unknown) => err instanceof SourceError && err.code === 'unreachable');
    });
  });
});

/** Real VictoriaMetrics scraping the stand-in itself (-promscrape.config), as a team's single-node VM would. */
async function startVictoriaMetrics(target: string): Promise<{ url: string; stop(): Promise<void> }> {
  const bin = process.env.VICTORIAMETRICS_BIN;
  if (!bin) throw new Error('VICTORIAMETRICS_BIN is not set (run through test/harness/runTier.js stack)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-vm-'));
  fs.writeFileSync(
    path.join(dir, 'scrape.yml'),
    `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: scaphandre\n    static_configs:\n      - targets: ['${target}']\n`,
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = await spawnReady(
    'victoria-metrics',
    bin,
    [`-httpListenAddr=127.0.0.1:${port}`, `-storageDataPath=${path.join(dir, 'data')}`, '-retentionPeriod=1d', `-promscrape.config=${path.join(dir, 'scrape.yml')}`],
    path.join(dir, 'victoria-metrics.log'),
    `${url}/health`,
  );
  return {
    url,
    stop: async () => {
      await stopChild(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

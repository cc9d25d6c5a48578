// The monitoring stack as data (stack/): the compose file is secure by default, promtool accepts the Prometheus
// configuration and rules, and a real Prometheus loaded with the stack's rules, scraping OptiVolt's exporter,
// Debian's real node-exporter and a cAdvisor stand-in, evaluates every dashboard query — and the main
// dashboard's queries return data.
import { strict as assert } from 'node:assert';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { Exporter } from '../../src/core/exporter/exporter';
import { PrometheusClient } from '../../src/core/prometheus/client';
import { readSettings } from '../../src/core/settings';
import { PowercapTree } from '../fixtures/powercapTree';
import { cadvisorBody, ExporterStandIn } from './exporterStandIn';
import { eventually, freePort, PrometheusProcess } from './prometheusProcess';

const ROOT = path.resolve(__dirname, '../../..');
const STACK = path.join(ROOT, 'stack');
const bin = (name: string): string => path.join(path.dirname(process.env.PROMETHEUS_BIN ?? ''), name);
type Json = Record<string, unknown>;

interface Panel {
  id: number;
  title: string;
  type: string;
  datasource?: { uid?: string };
  targets?: Array<{ expr?: string }>;
  panels?: Panel[];
}

function dashboards(): Array<{ file: string; json: Json & { uid: string; panels: Panel[]; templating?: { list?: Array<{ name: string; query?: string; current?: { value?: string } }> } } }> {
  const dir = path.join(STACK, 'grafana/dashboards');
  return fs.readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ file: f, json: JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) }));
}

function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

/** A dashboard query with Grafana's variables replaced as Grafana would for a 15-minute range. */
function interpolate(expr: string, vars: Record<string, string>): string {
  return expr
    .replace(/\$__range_s\b/g, '900')
    .replace(/\$__range_ms\b/g, '900000')
    .replace(/\$__range\b/g, '15m')
    .replace(/\$__rate_interval\b/g, '1m')
    .replace(/\$__interval\b/g, '15s')
    .replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g, (m, a: string | undefined, b: string | undefined) => vars[a ?? b ?? ''] ?? m);
}

function variables(d: ReturnType<typeof dashboards>[number]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of d.json.templating?.list ?? []) out[v.name] = String(v.current?.value ?? v.query ?? '');
  return out;
}

describe('the monitoring stack as data (stack/)', function () {
  this.timeout(90000);

  it('the compose file has the five services, binds every port to 127.0.0.1, labels them, and runs only Scaphandre privileged (as upstream)', () => {
    const compose = parse(fs.readFileSync(path.join(STACK, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Json> };
    assert.deepEqual(Object.keys(compose.services).sort(), ['cadvisor', 'grafana', 'node-exporter', 'prometheus', 'scaphandre']);
    // Scaphandre: privileged with the host /proc bound writable over /proc (upstream's docker-compose.yaml@v1.0.3);
    // never /proc:/proc:ro, which stops runc applying an AppArmor profile.
    assert.equal(compose.services.scaphandre.privileged, true);
    assert.ok((compose.services.scaphandre.volumes as string[]).includes('/proc:/proc'));
    assert.equal((compose.services.scaphandre['x-optivolt-restricted'] as Json).privileged, false);
    for (const [name, svc] of Object.entries(compose.services)) {
      assert.ok(!((svc.volumes as string[] | undefined) ?? []).includes('/proc:/proc:ro'), `${name} binds /proc read-only over /proc`);
      if (name !== 'scaphandre') assert.notEqual(svc.privileged, true, `${name} is privileged`);
      for (const p of (svc.ports as string[] | undefined) ?? []) assert.match(String(p), /^127\.0\.0\.1:/, `${name} publishes ${p} on all interfaces`);
      const labels = svc.labels as Record<string, string> | string[] | undefined;
      const text = JSON.stringify(labels ?? {});
      assert.match(text, /com\.optivolt\.stack/, `${name} lacks the OptiVolt label`);
      assert.doesNotMatch(String(svc.image), /:latest$|^[^:]+$/, `${name} image is not pinned: ${svc.image}`);
    }
    const grafanaEnv = JSON.stringify(compose.services.grafana.environment);
    assert.match(grafanaEnv, /GF_SECURITY_ALLOW_EMBEDDING/);
    assert.doesNotMatch(grafanaEnv, /GF_SECURITY_ADMIN_PASSWORD["=:\s]+(admin|[A-Za-z0-9]{4,})["',}\]]/, 'no literal admin password');
  });

  it('promtool accepts the Prometheus configuration, its rules and the rule tests', () => {
    // Prometheus 3 (the stack pins 3.5 LTS): prometheus.yml uses fallback_scrape_protocol, unknown to 2.x, and the
    // rule tests expect 3.x's left-open range selectors.
    assert.match(execFileSync(bin('promtool'), ['--version'], { encoding: 'utf8' }), /version 3\./);
    const out = execFileSync(bin('promtool'), ['check', 'config', path.join(STACK, 'prometheus/prometheus.yml')], { encoding: 'utf8' });
    assert.match(out, /SUCCESS/);
    for (const f of fs.readdirSync(path.join(STACK, 'prometheus/alerts')).filter((n) => n.endsWith('.yml'))) {
      assert.match(execFileSync(bin('promtool'), ['check', 'rules', path.join(STACK, 'prometheus/alerts', f)], { encoding: 'utf8' }), /SUCCESS/);
    }
    // Rule unit tests (alerts fire when they should and only then); they live apart so rule_files does not load them.
    const tests = path.join(STACK, 'prometheus/tests');
    const files = fs.readdirSync(tests).filter((n) => n.endsWith('.test.yml'));
    assert.ok(files.length > 0, 'rule unit tests');
    for (const f of files) assert.match(execFileSync(bin('promtool'), ['test', 'rules', f], { cwd: tests, encoding: 'utf8' }), /SUCCESS/);
  });

  it('Grafana provisioning: the datasource uid is the one every dashboard panel uses', () => {
    const ds = parse(fs.readFileSync(path.join(STACK, 'grafana/provisioning/datasources/prometheus.yml'), 'utf8')) as { datasources: Array<{ uid: string; type: string }> };
    const uid = ds.datasources.find((d) => d.type === 'prometheus')?.uid;
    assert.ok(uid);
    const provider = parse(fs.readFileSync(path.join(STACK, 'grafana/provisioning/dashboards/optivolt.yml'), 'utf8')) as { providers: Array<{ folder: string }> };
    assert.equal(provider.providers[0].folder, 'OptiVolt');
    const ds2 = dashboards();
    assert.ok(ds2.some((d) => d.json.title === 'OptiVolt - Power Consumption Monitoring'));
    for (const d of ds2) {
      for (const p of allPanels(d.json.panels)) {
        assert.notEqual(p.type, 'graph', `${d.file}: panel "${p.title}" uses the legacy graph panel`);
        if (p.targets?.length) assert.equal(p.datasource?.uid, uid, `${d.file}: panel "${p.title}" datasource`);
      }
    }
  });

  describe('against a real Prometheus loaded with the stack\'s rules', () => {
    let prom: PrometheusProcess | undefined;
    let exporter: Exporter | undefined;
    let cadvisor: ExporterStandIn | undefined;
    let nodeExporter: ChildProcess | undefined;
    let client: PrometheusClient;
    let dir: string;
    let tree: PowercapTree | undefined;
    let timer: NodeJS.Timeout | undefined;

    before(async () => {
      // RAPL from a powercap tree advanced at 20 W (stand-in for RAPL hardware): the socket panels need sockets.
      tree = PowercapTree.create([{ id: 'intel-rapl:0', name: 'package-0', energyUj: 1_000_000 }]);
      const t = tree;
      timer = setInterval(() => t.addJoules('intel-rapl:0', 2), 100);
      const overrides: Record<string, unknown> = { 'power.source': 'rapl', 'power.powercapRoot': tree.root, refreshInterval: 500 };
      exporter = new Exporter({ bind: '127.0.0.1', port: 0, top: 10, settings: readSettings((k) => overrides[k]).settings });
      const exporterTarget = new URL(await exporter.start()).host;
      cadvisor = await ExporterStandIn.start(cadvisorBody(Date.now(), false));
      const nodePort = await freePort();
      nodeExporter = spawn(bin('prometheus-node-exporter'), [`--web.listen-address=127.0.0.1:${nodePort}`], { stdio: 'ignore' });
      // The stack's own configuration, with loopback targets and a 1 s interval for the test.
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-stack-'));
      fs.cpSync(path.join(STACK, 'prometheus'), dir, { recursive: true });
      const cfg = parse(fs.readFileSync(path.join(dir, 'prometheus.yml'), 'utf8')) as {
        global?: Json;
        scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
      };
      const targets: Record<string, string> = { scaphandre: exporterTarget, node: `127.0.0.1:${nodePort}`, cadvisor: cadvisor.target };
      for (const job of cfg.scrape_configs) if (targets[job.job_name]) job.static_configs = [{ targets: [targets[job.job_name]] }];
      cfg.scrape_configs = cfg.scrape_configs.filter((j) => targets[j.job_name]);
      cfg.global = { ...(cfg.global ?? {}), scrape_interval: '1s', evaluation_interval: '1s' };
      prom = await PrometheusProcess.startWithConfig(cfg, dir);
      client = new PrometheusClient(prom.url);
    });

    after(async () => {
      await prom?.stop();
      await exporter?.stop();
      await cadvisor?.stop();
      nodeExporter?.kill();
      clearInterval(timer);
      tree?.dispose();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it('loads the alert and recording rules (/api/v1/rules)', async () => {
      const res = (await (await fetch(`${prom!.url}/api/v1/rules`)).json()) as { data: { groups: Array<{ rules: Array<{ name: string; type: string }> }> } };
      const rules = res.data.groups.flatMap((g) => g.rules);
      const names = rules.map((r) => r.name);
      for (const alert of ['HighPowerConsumption', 'PowerSpike', 'PowerExporterAbsent']) assert.ok(names.includes(alert), `${alert} in ${names}`);
      assert.ok(rules.some((r) => r.type === 'recording' && /^[a-z_]+:[a-z_]+:[a-z0-9_]+$/.test(r.name)), 'a recording rule named level:metric:operations');
    });

    it('evaluates every dashboard query without error, and the main dashboard\'s return data', async () => {
      await eventually('all three targets up', async () => (await client.query('count(up == 1)'))[0]?.value === 3);
      // A few 1 s scrapes of every target for the irate/rate windows, counted rather than slept for.
      await eventually('four scrapes of every target', async () => (await client.query('min(count_over_time(up[5m])) >= 4')).length === 1);
      const empty: string[] = [];
      let checked = 0;
      for (const d of dashboards()) {
        const vars = variables(d);
        for (const p of allPanels(d.json.panels)) {
          for (const t of p.targets ?? []) {
            if (!t.expr) continue;
            const q = interpolate(t.expr, vars);
            const r = await client.query(q); // throws on bad_data
            checked++;
            if (d.json.uid === 'optivolt-power' && r.length === 0) empty.push(`${p.title}: ${q}`);
          }
        }
      }
      assert.ok(checked >= 10, `only ${checked} queries`);
      assert.deepEqual(empty, [], 'main dashboard queries without data');
    });
  });
});

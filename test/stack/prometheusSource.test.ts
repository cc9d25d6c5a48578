// The Prometheus power source against a real Prometheus (Debian's 2.42 binary) scraping stand-in exporters.
import { strict as assert } from 'node:assert';
import { PowerMonitor } from '../../src/core/power/monitor';
import { PrometheusSource } from '../../src/core/power/prometheusSource';
import { SourceError } from '../../src/core/power/source';
import { createSource } from '../../src/core/power/sources';
import { PrometheusClient, PrometheusError } from '../../src/core/prometheus/client';
import { readSettings } from '../../src/core/settings';
import { ExporterStandIn, nodeRaplBody, scaphandreBody } from './exporterStandIn';
import { eventually, PrometheusProcess } from './prometheusProcess';

describe('Prometheus power source against a real Prometheus (stand-in Scaphandre and node-exporter)', function () {
  this.timeout(60000);
  let scaph: ExporterStandIn;
  let node: ExporterStandIn;
  let prom: PrometheusProcess;

  before(async () => {
    scaph = await ExporterStandIn.start(scaphandreBody);
    node = await ExporterStandIn.start(nodeRaplBody(Date.now()));
    prom = await PrometheusProcess.start({ scaphandre: [scaph.target], node: [node.target] });
  });

  after(async () => {
    await prom?.stop();
    await scaph?.stop();
    await node?.stop();
  });

  const settingsFor = (url: string) =>
    readSettings((k) => ({ 'prometheus.url': url, 'power.powercapRoot': '/nonexistent/powercap' })[k as string]).settings;

  it('reads host and socket Watts from scaph_*_microwatts', async () => {
    const src = new PrometheusSource(new PrometheusClient(prom.url), true);
    const r = await eventually('Scaphandre series in Prometheus', async () => src.read());
    assert.equal(r.watts, 42.5);
    assert.deepEqual(r.zones, { 'socket-0': 20, 'socket-1': 15 });
    assert.match(r.detail, /Scaphandre/);
  });

  it('is what auto picks when Prometheus has Scaphandre data', async () => {
    const settings = settingsFor(prom.url);
    const monitor = new PowerMonitor({ mode: 'auto', intervalMs: 1000, createSource: (k, a) => createSource(k, settings, {}, a) });
    await monitor.tick();
    const s = monitor.snapshot;
    assert.equal(s.state, 'live');
    assert.equal(s.source, 'prometheus');
    assert.equal(s.last?.watts, 42.5);
    assert.equal(s.last?.estimated, false);
  });

  it('rejects a malformed query with bad_data, as Prometheus words it', async () => {
    await assert.rejects(new PrometheusClient(prom.url).query('sum(scaph_host_power_microwatts'), (err: unknown) => {
      assert.ok(err instanceof PrometheusError);
      assert.equal(err.kind, 'bad_data');
      assert.match(err.message, /parse error/);
      return true;
    });
  });

  it('falls back to irate(node_rapl_package_joules_total) when Scaphandre goes away, and auto leaves Prometheus', async () => {
    const settings = settingsFor(prom.url);
    const monitor = new PowerMonitor({ mode: 'auto', intervalMs: 1000, createSource: (k, a) => createSource(k, settings, {}, a) });
    await monitor.tick();
    assert.equal(monitor.snapshot.source, 'prometheus');
    await scaph.stop(); // the next failed scrape marks its series stale
    const explicit = new PrometheusSource(new PrometheusClient(prom.url), false);
    const r = await eventually('the node-exporter path', async () => {
      const x = await explicit.read();
      return /node-exporter/.test(x.detail) ? x : undefined;
    });
    // Packages + DRAM, as Scaphandre counts the host: 15 + 2 W.
    assert.ok(Math.abs(r.watts - 17) < 1.5, `15 + 2 J/s is ~17 W, got ${r.watts}`);
    assert.ok(Math.abs(r.zones['package-0/dram'] - 2) < 0.5, `dram ~2 W, got ${r.zones['package-0/dram']}`);
    await assert.rejects(new PrometheusSource(new PrometheusClient(prom.url), true).read(), (e: unknown) => e instanceof SourceError && e.code === 'no-data');
    await monitor.tick();
    assert.equal(monitor.snapshot.source, 'estimate', monitor.snapshot.reason);
    assert.match(monitor.snapshot.reason, /no scaph_host_power_microwatts/);
  });

  it('reports Prometheus unreachable once it stops', async () => {
    await prom.stop();
    await assert.rejects(new PrometheusSource(new PrometheusClient(prom.url)).read(), (e: unknown) => {
      assert.ok(e instanceof SourceError);
      assert.equal(e.code, 'unreachable');
      assert.match(e.message, /ECONNREFUSED/);
      return true;
    });
  });
});

// node-exporter where the processor_thermal driver exposes intel-rapl-mmio: procfs yields a second `package` zone
// with index 0 (sysfs/class_powercap.go GetRaplZones; prometheus/node_exporter#2147), told apart only by `path`
// (collector/rapl_linux.go, commit 2b490d64). Series as node-exporter v1.8.2 publishes them.
describe('Prometheus power source: node-exporter with a duplicate intel-rapl-mmio package zone (real Prometheus)', function () {
  this.timeout(60000);
  const zone = (name: string, index: string, p: string, joules: number) => `node_rapl_${name}_joules_total{index="${index}",path="/sys/class/powercap/${p}"} ${joules.toFixed(3)}`;
  const body = (startedAt: number, lines: (s: number) => string[]) => () => {
    const s = (Date.now() - startedAt) / 1000;
    return ['# TYPE node_rapl_package_joules_total counter', '# TYPE node_rapl_dram_joules_total counter', ...lines(s), ''].join('\n');
  };
  const servers: ExporterStandIn[] = [];
  const proms: PrometheusProcess[] = [];
  after(async () => {
    for (const p of proms) await p.stop();
    for (const s of servers) await s.stop();
  });
  async function nodeOnly(lines: (s: number) => string[]): Promise<PrometheusSource> {
    const node = await ExporterStandIn.start(body(Date.now(), lines));
    servers.push(node);
    const prom = await PrometheusProcess.start({ node: [node.target] });
    proms.push(prom);
    return new PrometheusSource(new PrometheusClient(prom.url), false);
  }

  it('counts the MSR and MMIO views of package 0 once (not 2x)', async () => {
    const src = await nodeOnly((s) => [
      zone('package', '0', 'intel-rapl:0', 5000 + 15 * s),
      zone('package', '0', 'intel-rapl-mmio:0', 5000 + 15 * s), // the same counter through MMIO
      zone('package', '1', 'intel-rapl:1', 800 + 12 * s),
      zone('dram', '0', 'intel-rapl:0:0', 100 + 2 * s),
    ]);
    const r = await eventually('two scrapes of the node stand-in', async () => {
      const x = await src.read();
      return x.zones['package-1'] !== undefined ? x : undefined;
    });
    assert.ok(Math.abs(r.zones['package-0'] - 15) < 1.5, `package 0 ~15 W, got ${r.zones['package-0']}`);
    assert.ok(Math.abs(r.zones['package-1'] - 12) < 1.5, `package 1 ~12 W, got ${r.zones['package-1']}`);
    assert.ok(Math.abs(r.watts - 29) < 2.5, `host ~29 W = 15 + 12 + 2 W DRAM (not 44 with package 0 twice), got ${r.watts}`);
    assert.ok(Math.abs(r.zones['package-0/dram'] - 2) < 0.5, `dram ~2 W, got ${r.zones['package-0/dram']}`);
  });

  it('still reads a package that only has an MMIO zone', async () => {
    const src = await nodeOnly((s) => [zone('package', '0', 'intel-rapl-mmio:0', 300 + 9 * s)]);
    const r = await eventually('two scrapes of the node stand-in', async () => src.read().catch(() => undefined));
    assert.ok(Math.abs(r.watts - 9) < 1, `~9 W, got ${r.watts}`);
  });
});

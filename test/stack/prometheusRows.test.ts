// The power view's rows from a real Prometheus, as when the monitoring stack runs: Scaphandre's per-process
// series (from the stand-in that follows upstream: capacity-share Watts, cpu % of all cores, exe paths, cmdline
// without separators, every process listed) and cAdvisor's container CPU (stand-in exporters, real scrapes, real PromQL).
import { strict as assert } from 'node:assert';
import { PrometheusRows } from '../../src/core/attribution/prometheusRows';
import { PrometheusClient } from '../../src/core/prometheus/client';
import type { PowerSample } from '../../src/shared/power';
import { cadvisorBody, ExporterStandIn, scaphProcessBody, TRAIN_CONTAINER } from './exporterStandIn';
import { eventually, PrometheusProcess } from './prometheusProcess';

describe('power view rows from a real Prometheus (stand-in Scaphandre --containers, cAdvisor, node-exporter)', function () {
  this.timeout(60000);
  let scaph: ExporterStandIn;
  let cadvisor: ExporterStandIn;
  let prom: PrometheusProcess;

  before(async () => {
    scaph = await ExporterStandIn.start(scaphProcessBody);
    cadvisor = await ExporterStandIn.start(cadvisorBody(Date.now()));
    prom = await PrometheusProcess.start({ scaphandre: [scaph.target], cadvisor: [cadvisor.target] });
  });

  after(async () => {
    await prom?.stop();
    await scaph?.stop();
    await cadvisor?.stop();
  });

  const host = (t: number): PowerSample => ({ time: t, watts: 30, source: 'prometheus', estimated: false, zones: {}, detail: '' });

  it('lists every process by Watts with names from exe, cmdlines as Scaphandre writes them, CPU and container ids', async () => {
    const rows = new PrometheusRows(new PrometheusClient(prom.url));
    const snap = await eventually('process and container series', async () => {
      const s = await rows.sample(host(Date.now()), 10, false, 'share-all');
      return s.processes.length === 3 && s.containers.length === 2 && s.hostCpu > 0 ? s : undefined;
    });
    assert.equal(snap.rowsFrom, 'prometheus');
    // Before issue 13 this expected cmdlines with spaces ("node server.js"): Scaphandre concatenates argv without a separator.
    assert.deepEqual(
      snap.processes.map((p) => [p.pid, p.name, p.watts, p.cmdline]),
      [
        [101, 'node', 9, 'nodeserver.js'],
        [102, 'python3', 6, 'python3train.py'],
        [103, 'node', 3, 'nodeworker.js'],
      ],
    );
    assert.equal(snap.model, 'capacity', "rows from Scaphandre are Scaphandre's model, whatever the setting");
    assert.equal(snap.processes[0].share, 9 / 30);
    // scaph_process_cpu_usage_percentage is 30 (% of ALL cores); x 2 cores (node_cpu_seconds_total) = 60 % of one core.
    // Before issue 13 this expected 30: the reader took Scaphandre's % of all cores for a % of one.
    assert.equal(snap.processes[0].cpuPercent, 60);
    assert.equal(snap.processes[1].containerId, TRAIN_CONTAINER.slice(0, 12));
    // Before issue 13 the remainder was exitedWatts, shown as "other"/"exited": it is idle power nobody is charged.
    assert.ok(Math.abs(snap.idleWatts - 12) < 1e-9, `idle / unattributed = 30 - 18 W, got ${snap.idleWatts}`);
    assert.equal(snap.exitedWatts, 0);
    assert.match(snap.notice ?? '', /idle \/ unattributed/);
    // Containers: 0.5 and 0.25 cores of 1.5 busy host cores -> 1/3 and 1/6 of 30 W.
    const web = snap.containers.find((c) => c.name === 'web');
    const db = snap.containers.find((c) => c.name === 'db');
    assert.ok(web && db);
    assert.ok(Math.abs(web.watts - 10) < 1, `web ~10 W, got ${web.watts}`);
    assert.ok(Math.abs(db.watts - 5) < 1, `db ~5 W, got ${db.watts}`);
    assert.equal(web.image, 'nginx:1.27');
    assert.equal(web.id, '111111111111');
    assert.ok(Math.abs(snap.hostCpu - 0.75) < 0.05, `host CPU 75%, got ${snap.hostCpu}`);
  });

  it('groups by name and honours top N', async () => {
    const rows = new PrometheusRows(new PrometheusClient(prom.url));
    const grouped = await rows.sample(host(Date.now()), 10, true, 'share-all');
    const node = grouped.processes.find((p) => p.name === 'node');
    assert.ok(grouped.processes.every((p) => !/ /.test(p.cmdline)), 'no spaces anywhere in Scaphandre cmdlines');
    assert.equal(node?.count, 2);
    assert.equal(node?.watts, 12);
    const top1 = await rows.sample(host(Date.now()), 1, false, 'share-all');
    assert.equal(top1.processes.length, 1);
    assert.equal(top1.processes[0].pid, 101);
  });

  it('integrates energy per process between samples', async () => {
    const rows = new PrometheusRows(new PrometheusClient(prom.url));
    const t0 = Date.now();
    await rows.sample(host(t0), 10, false, 'share-all');
    const s = await rows.sample(host(t0 + 2000), 10, false, 'share-all');
    assert.equal(s.processes[0].energyJoules, 18, '9 W for 2 s');
  });
});

// Stand-ins for Scaphandre and node-exporter (their binaries cannot be obtained on this machine): tiny HTTP
// servers exposing the same metric names in the Prometheus text format, for a real Prometheus to scrape.
// Scaphandre's bodies come from test/fixtures/scaphandreStandIn.ts, which follows upstream's code.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PowercapTree, ZoneSpec } from '../fixtures/powercapTree';
import { dockerCgroup, ProcSpec, ProcTree } from '../fixtures/procTree';
import { ScaphandreOptions, ScaphandreStandIn } from '../fixtures/scaphandreStandIn';
import { CadvisorStandIn } from '../fixtures/cadvisorStandIn';

export class ExporterStandIn {
  private constructor(
    private readonly server: http.Server,
    readonly target: string,
  ) {}

  static async start(body: () => string): Promise<ExporterStandIn> {
    const server = http.createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }).end(body());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return new ExporterStandIn(server, `127.0.0.1:${(server.address() as AddressInfo).port}`);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

/** node-exporter stand-in: package 0 counter rising at 15 J/s, dram at 2 J/s, from process start. */
export function nodeRaplBody(startedAt: number): () => string {
  return () => {
    const s = (Date.now() - startedAt) / 1000;
    return [
      '# HELP node_rapl_package_joules_total Current RAPL package value in joules',
      '# TYPE node_rapl_package_joules_total counter',
      `node_rapl_package_joules_total{index="0",path="/sys/class/powercap/intel-rapl:0"} ${(1000 + 15 * s).toFixed(3)}`,
      '# HELP node_rapl_dram_joules_total Current RAPL dram value in joules',
      '# TYPE node_rapl_dram_joules_total counter',
      `node_rapl_dram_joules_total{index="0",path="/sys/class/powercap/intel-rapl:0:0"} ${(100 + 2 * s).toFixed(3)}`,
      '',
    ].join('\n');
  };
}

/**
 * Scaphandre's exposition for fixed workloads, written by the Scaphandre stand-in (test/fixtures/scaphandreStandIn.ts,
 * which follows hubblo-org/scaphandre v1.0.3) over fixture powercap and /proc trees, two refreshes one second apart.
 * Served through ExporterStandIn these carry a Content-Type, for Prometheus jobs without fallback_scrape_protocol;
 * ScaphandreStandIn.serve() serves without one, as upstream does.
 */
function scaphandreExposition(
  zones: ZoneSpec[],
  joules: Record<string, number>,
  procs: Array<ProcSpec & { ticks: number }>,
  containers?: ScaphandreOptions['containers'],
): string {
  const power = PowercapTree.create(zones);
  const proc = ProcTree.create(procs, { busy: 1_000, idle: 9_000 });
  try {
    let now = 1_000;
    const standIn = new ScaphandreStandIn({ powercapRoot: power.root, procRoot: proc.root, containers, now: () => now });
    standIn.refresh();
    for (const [id, j] of Object.entries(joules)) power.addJoules(id, j);
    const busy = procs.reduce((sum, p) => sum + p.ticks, 0);
    for (const p of procs) proc.addTicks(p.pid, p.ticks);
    proc.addHost(busy, 200 - busy); // 2 CPUs x 100 ticks in the second
    now += 1;
    standIn.refresh();
    return standIn.exposition();
  } finally {
    power.dispose();
    proc.dispose();
  }
}

let hostBody: string | undefined;
/** Scaphandre: 42.5 W host (psys, so value_source="powercap_rapl_psys"), sockets 0 (20 W) and 1 (15 W), no processes. */
export function scaphandreBody(): string {
  hostBody ??= scaphandreExposition(
    [
      { id: 'intel-rapl:0', name: 'package-0', energyUj: 1_000_000 },
      { id: 'intel-rapl:1', name: 'package-1', energyUj: 2_000_000 },
      { id: 'intel-rapl:2', name: 'psys', energyUj: 5_000_000 },
    ],
    { 'intel-rapl:0': 20, 'intel-rapl:1': 15, 'intel-rapl:2': 42.5 },
    [],
  );
  return hostBody;
}

/** The container of pid 102 in scaphProcessBody (full 64-hex id, as Scaphandre labels it). */
export const TRAIN_CONTAINER = 'abcdef0123456789'.repeat(4);

let processBody: string | undefined;
/**
 * Scaphandre --containers: a 30 W host (one package, no psys: no value_source label), 2 CPUs; node server.js uses
 * 30% of the capacity (9 W), python3 train.py in container "trainer" 20% (6 W), node worker.js 10% (3 W); the
 * other 40% is idle. Labels in upstream's forms: exe a full path, cmdline argv concatenated ("nodeserver.js").
 * (Idle processes, listed at 0 W with empty exe/cmdline for kernel threads, are in exporter.test.ts's workload.)
 */
export function scaphProcessBody(): string {
  processBody ??= scaphandreExposition(
    [{ id: 'intel-rapl:0', name: 'package-0', energyUj: 1_000_000 }],
    { 'intel-rapl:0': 30 },
    [
      { pid: 101, comm: 'node', exe: '/usr/bin/node', cmdline: ['node', 'server.js'], ticks: 60 },
      { pid: 102, comm: 'python3', exe: '/usr/bin/python3', cmdline: ['python3', 'train.py'], cgroup: dockerCgroup(TRAIN_CONTAINER), ticks: 40 },
      { pid: 103, comm: 'node', exe: '/usr/bin/node', cmdline: ['node', 'worker.js'], ticks: 20 },
    ],
    { dockerVersion: '27.3.1', list: [{ Id: TRAIN_CONTAINER, Names: ['/trainer'], Labels: { 'com.docker.compose.service': 'trainer' } }] },
  );
  return processBody;
}

/**
 * cAdvisor (test/fixtures/cadvisorStandIn.ts, following cAdvisor's own code: explicit timestamps, dynamic
 * housekeeping) and, unless withNodeCpu is false, node-exporter's CPU: "web" uses 0.5 core, "db" 0.25, the host 1.5
 * busy of 2. Both containers are busy, so cAdvisor collects them every 1-2 s (its default 1 s interval, jittered).
 */
export function cadvisorBody(startedAt: number, withNodeCpu = true): () => string {
  const cadvisor = new CadvisorStandIn([
    { id: '/docker/1111111111112222222222223333333333334444444444445555555555556666', name: 'web', image: 'nginx:1.27', startedAt, cpuSeconds: (t) => 10 + (0.5 * (t - startedAt)) / 1000 },
    { id: '/docker/7777777777778888888888889999999999990000000000001111111111112222', name: 'db', image: 'postgres:16', startedAt, cpuSeconds: (t) => 5 + (0.25 * (t - startedAt)) / 1000 },
  ]);
  return () => {
    const s = (Date.now() - startedAt) / 1000;
    return [
      cadvisor.metrics(Date.now()).trimEnd(),
      ...(withNodeCpu
        ? [
            '# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.',
            '# TYPE node_cpu_seconds_total counter',
            `node_cpu_seconds_total{cpu="0",mode="idle"} ${(100 + 0.25 * s).toFixed(3)}`,
            `node_cpu_seconds_total{cpu="0",mode="user"} ${(100 + 0.75 * s).toFixed(3)}`,
            `node_cpu_seconds_total{cpu="1",mode="idle"} ${(100 + 0.25 * s).toFixed(3)}`,
            `node_cpu_seconds_total{cpu="1",mode="user"} ${(100 + 0.75 * s).toFixed(3)}`,
          ]
        : []),
      '',
    ].join('\n');
  };
}

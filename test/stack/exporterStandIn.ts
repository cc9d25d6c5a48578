// Stand-ins for Scaphandre and node-exporter (their binaries cannot be obtained on this machine): tiny HTTP
// servers exposing the same metric names in the Prometheus text format, for a real Prometheus to scrape.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
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

/** Scaphandre stand-in: 42.5 W host (psys), sockets 0 and 1. */
export function scaphandreBody(): string {
  return [
    '# HELP scaph_host_power_microwatts Power measurement on the whole host, in microwatts',
    '# TYPE scaph_host_power_microwatts gauge',
    'scaph_host_power_microwatts{value_source="powercap_rapl_psys"} 42500000',
    '# HELP scaph_socket_power_microwatts Power measurement relative to a CPU socket, in microwatts',
    '# TYPE scaph_socket_power_microwatts gauge',
    'scaph_socket_power_microwatts{socket_id="0"} 20000000',
    'scaph_socket_power_microwatts{socket_id="1"} 15000000',
    '',
  ].join('\n');
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

/** Scaphandre --containers stand-in: per-process power with pid/exe/cmdline (and container) labels. */
export function scaphProcessBody(): string {
  return [
    '# HELP scaph_process_power_consumption_microwatts Power consumption due to the process, in microwatts',
    '# TYPE scaph_process_power_consumption_microwatts gauge',
    'scaph_process_power_consumption_microwatts{pid="101",exe="/usr/bin/node",cmdline="node server.js"} 9000000',
    'scaph_process_power_consumption_microwatts{pid="102",exe="/usr/bin/python3",cmdline="python3 train.py",container_id="abcdef0123456789"} 6000000',
    'scaph_process_power_consumption_microwatts{pid="103",exe="/usr/bin/node",cmdline="node worker.js"} 3000000',
    '# HELP scaph_process_cpu_usage_percentage CPU time consumed by the process, as a percentage of the capacity of all the CPU cores',
    '# TYPE scaph_process_cpu_usage_percentage gauge',
    'scaph_process_cpu_usage_percentage{pid="101",exe="/usr/bin/node",cmdline="node server.js"} 30',
    'scaph_process_cpu_usage_percentage{pid="102",exe="/usr/bin/python3",cmdline="python3 train.py"} 20',
    '# HELP scaph_host_power_microwatts Power measurement on the whole host, in microwatts',
    '# TYPE scaph_host_power_microwatts gauge',
    'scaph_host_power_microwatts{value_source="powercap_rapl_pkg"} 30000000',
    '',
  ].join('\n');
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

// Stand-ins for Scaphandre and node-exporter (their binaries cannot be obtained on this machine): tiny HTTP
// servers exposing the same metric names in the Prometheus text format, for a real Prometheus to scrape.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

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

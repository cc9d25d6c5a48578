// OptiVolt's Scaphandre-compatible exporter: ScaphMetrics' exposition from hand-built samples, the Exporter over
// HTTP (RAPL from a fixture powercap tree, processes from the real /proc), a busy port, and the built CLI.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Exporter, ExporterError } from '../../src/core/exporter/exporter';
import { portHolder } from '../../src/core/net/ports';
import { containerLabels, containerLabelName, ExportedProcess, ScaphMetrics, valueSource } from '../../src/core/exporter/scaphMetrics';
import { OptiVoltSettings, readSettings } from '../../src/core/settings';
import type { PowerSample, SourceKind } from '../../src/shared/power';
import { PowercapTree } from '../fixtures/powercapTree';
import { until } from '../fixtures/until';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');
const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

// ---------- helpers ----------

interface Series {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
  readonly raw: string;
}

function unescapeLabel(v: string): string {
  return v.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c));
}

/** Parses the sample lines of a text exposition (comments skipped). */
function parseExposition(body: string): Series[] {
  const out: Series[] = [];
  for (const raw of body.split('\n')) {
    if (raw === '' || raw.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(raw);
    assert.ok(m, `unparsable exposition line: ${JSON.stringify(raw)}`);
    const labels: Record<string, string> = {};
    if (m[2]) {
      const re = /(\w+)="((?:[^"\\]|\\.)*)",?/g;
      let l: RegExpExecArray | null;
      let consumed = 0;
      while ((l = re.exec(m[2])) !== null) {
        labels[l[1]] = unescapeLabel(l[2]);
        consumed += l[0].length;
      }
      assert.equal(consumed, m[2].length, `label set not fully parsed: ${raw}`);
    }
    out.push({ name: m[1], labels, value: Number(m[3]), raw });
  }
  return out;
}

const named = (all: Series[], name: string): Series[] => all.filter((s) => s.name === name);

function one(all: Series[], name: string, labels: Record<string, string> = {}): Series {
  const found = named(all, name).filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  assert.equal(
    found.length,
    1,
    `exactly one ${name}${JSON.stringify(labels)} in:\n${all
      .filter((s) => s.name === name)
      .map((s) => s.raw)
      .join('\n')}`,
  );
  return found[0];
}

function sample(watts: number, source: SourceKind, zones: Record<string, number>, detail: string): PowerSample {
  return { time: Date.now(), watts, source, estimated: source === 'estimate', zones, detail };
}

const RAPL_PKG = (watts = 20, zones: Record<string, number> = { 'package-0': watts }): PowerSample =>
  sample(watts, 'rapl', zones, 'RAPL, sum of 1 package');

function proc(pid: number, exe: string, cmdline: string, capacity = 0.1, labels: Record<string, string> = {}): ExportedProcess {
  return { pid, exe, cmdline, capacity, labels };
}

async function scrape(m: ScaphMetrics): Promise<Series[]> {
  return parseExposition((await m.exposition()).body);
}

function settingsWith(overrides: Partial<Record<keyof OptiVoltSettings, unknown>>): OptiVoltSettings {
  const r = readSettings((k) => overrides[k]);
  assert.deepEqual(r.problems, []);
  return r.settings;
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(port: number, method: string, urlPath: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.setTimeout(3000, () => req.destroy(new Error(`${method} ${urlPath} timed out`)));
    req.end();
  });
}

/** Scrapes /metrics, as Prometheus would, until `ready` holds of the series; each answer must be a 200 exposition. */
async function scrapeUntil(port: number, ms: number, ready: (s: Series[]) => boolean): Promise<Series[]> {
  let last = '';
  return until(
    ms,
    async () => {
      const r = await request(port, 'GET', '/metrics');
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-type'], CONTENT_TYPE);
      last = r.body;
      const s = parseExposition(r.body);
      return ready(s) ? s : undefined;
    },
    () => last,
  );
}

/** The raw bytes a server sends back on one connection, until it closes it. */
function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let got = '';
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => (got += d));
    sock.on('end', () => resolve(got));
    sock.on('error', reject);
    sock.setTimeout(3000, () => sock.destroy(new Error('raw exchange timed out')));
    sock.write(text);
  });
}

function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.once('connect', () => {
      sock.destroy();
      resolve('connected');
    });
    sock.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

// ---------- 1. ScaphMetrics ----------

describe('exporter: ScaphMetrics (Scaphandre-compatible exposition)', () => {
  let tmp: string;
  let procRoot: string;

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-exporter-'));
    procRoot = path.join(tmp, 'proc');
    fs.mkdirSync(procRoot);
    fs.writeFileSync(
      path.join(procRoot, 'meminfo'),
      [
        'MemTotal:       16000000 kB',
        'MemFree:         1000000 kB',
        'MemAvailable:    8000000 kB',
        'Buffers:          123456 kB',
        'SwapTotal:       2000000 kB',
        'SwapFree:        1500000 kB',
        'HugePages_Total:       0',
        '',
      ].join('\n'),
    );
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('declares every series with the Scaphandre name and type', async () => {
    const m = new ScaphMetrics(procRoot);
    m.update(RAPL_PKG(), [proc(10, '/usr/bin/a', 'a')], 1, 0.01, [
      { socketId: '0', energyUj: 5, watts: 20 },
      { socketId: '0', domainId: '0', domainName: 'dram', energyUj: 1, watts: 2 },
    ]);
    const body = (await m.exposition()).body;
    const types: Record<string, string> = {
      scaph_host_power_microwatts: 'gauge',
      scaph_host_energy_microjoules: 'counter',
      scaph_socket_power_microwatts: 'gauge',
      scaph_domain_power_microwatts: 'gauge',
      scaph_socket_energy_microjoules: 'counter',
      scaph_domain_energy_microjoules: 'counter',
      scaph_process_power_consumption_microwatts: 'gauge',
      scaph_process_cpu_usage_percentage: 'gauge',
      scaph_host_load_avg_one: 'gauge',
      scaph_host_load_avg_five: 'gauge',
      scaph_host_load_avg_fifteen: 'gauge',
      scaph_host_memory_total_bytes: 'gauge',
      scaph_host_memory_available_bytes: 'gauge',
      scaph_host_memory_free_bytes: 'gauge',
      scaph_host_swap_total_bytes: 'gauge',
      scaph_host_swap_free_bytes: 'gauge',
      optivolt_exporter_cpu_seconds_total: 'counter',
      optivolt_exporter_sample_duration_seconds: 'gauge',
      optivolt_exporter_samples_total: 'counter',
    };
    const declared = new Map<string, string>();
    for (const l of body.split('\n')) {
      const t = /^# TYPE (\S+) (\S+)$/.exec(l);
      if (t) declared.set(t[1], t[2]);
    }
    for (const [name, type] of Object.entries(types)) {
      assert.equal(declared.get(name), type, `# TYPE ${name} ${type}`);
      assert.match(body, new RegExp(`^# HELP ${name} \\S`, 'm'), `HELP text for ${name}`);
    }
    // Upstream's HELP for process power describes disk reads: ours must not copy it.
    assert.doesNotMatch(/^# HELP scaph_process_power_consumption_microwatts (.*)$/m.exec(body)?.[1] ?? '', /disk/i);
    const all = parseExposition(body);
    assert.ok(one(all, 'optivolt_exporter_cpu_seconds_total').value > 0, 'own CPU time');
    assert.equal(one(all, 'optivolt_exporter_sample_duration_seconds').value, 0.01);
    assert.equal(one(all, 'optivolt_exporter_samples_total').value, 1);
    m.update(RAPL_PKG(), undefined, 2, 0.02);
    assert.equal(one(await scrape(m), 'optivolt_exporter_samples_total').value, 2);
  });

  it("exposition()'s Content-Type is the 0.0.4 text format", async () => {
    const m = new ScaphMetrics(procRoot);
    m.update(RAPL_PKG(), undefined, 0, 0);
    assert.equal((await m.exposition()).contentType, CONTENT_TYPE);
  });

  it('host power in microwatts; value_source only for psys and the estimate (a pkg-only host has none, as upstream)', async () => {
    const m = new ScaphMetrics(procRoot);
    m.update(RAPL_PKG(20), undefined, 0, 0);
    let all = await scrape(m);
    // hubblo-org/scaphandre src/exporters/mod.rs@v1.0.3:450-464: "source_file" is never in the topology's sensor data.
    assert.deepEqual(one(all, 'scaph_host_power_microwatts').labels, {});
    assert.equal(one(all, 'scaph_host_power_microwatts').value, 20_000_000);
    m.update(sample(12.5, 'estimate', { cpu: 12.5 }, 'estimate: Teads curve, TDP 20 W, CPU 12%'), undefined, 0, 0);
    all = await scrape(m);
    // One series only: the previous label set is gone.
    assert.equal(named(all, 'scaph_host_power_microwatts').length, 1);
    assert.equal(one(all, 'scaph_host_power_microwatts', { value_source: 'estimate' }).value, 12_500_000);
  });

  it('valueSource: psys, packages (none), estimate', () => {
    assert.equal(valueSource(sample(30, 'rapl', { psys: 30, 'package-0': 20 }, 'RAPL psys (whole platform)')), 'powercap_rapl_psys');
    assert.equal(valueSource(sample(30, 'rapl', { 'package-0': 10, 'package-1': 20 }, 'RAPL, sum of 2 packages')), undefined);
    assert.equal(valueSource(sample(9, 'estimate', { cpu: 9 }, 'estimate: Teads curve, TDP 20 W, CPU 5%')), 'estimate');
  });

  it('zones become sockets and domains: numeric domain_id, raw energy counters', async () => {
    const m = new ScaphMetrics(procRoot);
    m.update(sample(30, 'rapl', {}, 'RAPL, sum of 2 packages'), undefined, 0, 0, [
      { socketId: '0', energyUj: 1000, watts: 12 },
      { socketId: '1', energyUj: 2000, watts: 18 },
      { socketId: '0', domainId: '2', domainName: 'dram', energyUj: 300, watts: 2.5 },
      { socketId: '1', domainId: '0', domainName: 'core', energyUj: 400 },
    ]);
    const all = await scrape(m);
    assert.equal(one(all, 'scaph_socket_power_microwatts', { socket_id: '0' }).value, 12_000_000);
    assert.equal(one(all, 'scaph_socket_power_microwatts', { socket_id: '1' }).value, 18_000_000);
    assert.equal(one(all, 'scaph_socket_energy_microjoules', { socket_id: '1' }).value, 2000);
    const dram = one(all, 'scaph_domain_power_microwatts', { domain_name: 'dram' });
    assert.deepEqual(dram.labels, { domain_name: 'dram', domain_id: '2', socket_id: '0' });
    assert.equal(dram.value, 2_500_000);
    assert.equal(named(all, 'scaph_domain_power_microwatts').length, 1, 'no power without a Watts figure');
    assert.equal(one(all, 'scaph_domain_energy_microjoules', { domain_name: 'core' }).value, 400);
  });

  it("the estimate's cpu zone exports no socket or domain", async () => {
    const m = new ScaphMetrics(procRoot);
    m.update(RAPL_PKG(20), undefined, 0, 0, [{ socketId: '0', energyUj: 1, watts: 20 }]);
    assert.equal(named(await scrape(m), 'scaph_socket_power_microwatts').length, 1);
    m.update(sample(15, 'estimate', { cpu: 15 }, 'estimate: Teads curve, TDP 20 W, CPU 30%'), undefined, 0, 0);
    const all = await scrape(m);
    assert.deepEqual(named(all, 'scaph_socket_power_microwatts'), [], 'the previous socket is gone too');
    assert.deepEqual(named(all, 'scaph_domain_power_microwatts'), []);
  });

  it("process series: Scaphandre's formula (host W x capacity share), cpu % of all cores, pid/exe/cmdline", async () => {
    const m = new ScaphMetrics(procRoot);
    m.update(RAPL_PKG(20), [proc(101, '/usr/bin/node', 'nodeserver.js--port3000', 0.25), proc(2, '', '', 0)], 0, 0);
    const all = await scrape(m);
    const node = one(all, 'scaph_process_power_consumption_microwatts', { pid: '101' });
    assert.deepEqual(node.labels, { pid: '101', exe: '/usr/bin/node', cmdline: 'nodeserver.js--port3000' });
    assert.equal(node.value, 5_000_000, '20 W x 25% of the capacity');
    assert.equal(one(all, 'scaph_process_cpu_usage_percentage', { pid: '101' }).value, 25);
    // Every live process is listed, 0 W included (get_alive_pids), with empty exe/cmdline as upstream sends them.
    assert.equal(one(all, 'scaph_process_power_consumption_microwatts', { pid: '2' }).value, 0);
    assert.deepEqual(one(all, 'scaph_process_cpu_usage_percentage', { pid: '2' }).labels, { pid: '2', exe: '', cmdline: '' });
  });

  it('optivolt_process_power_microwatts carries the configured model, only for processes that ran', async () => {
    const m = new ScaphMetrics(procRoot);
    m.update(RAPL_PKG(20), [{ ...proc(1, '/bin/a', 'a', 0.25), modelWatts: 15 }, proc(2, '/bin/b', 'b', 0)], 0, 0, [], 'share-all');
    const all = await scrape(m);
    assert.deepEqual(one(all, 'optivolt_process_power_microwatts').labels, { pid: '1', exe: '/bin/a', cmdline: 'a', model: 'share-all' });
    assert.equal(one(all, 'optivolt_process_power_microwatts').value, 15_000_000);
    m.update(RAPL_PKG(20), [proc(1, '/bin/a', 'a', 0.25)], 0, 0);
    assert.deepEqual(named(await scrape(m), 'optivolt_process_power_microwatts'), [], 'capacity (Scaphandre) model: no optivolt_ series');
  });

  it('container labels as Scaphandre --containers: scheduler, full id, names, docker version, container_label_*', async () => {
    const id = 'ab'.repeat(32);
    const describe = (full: string) =>
      full === id
        ? {
            names: ['/web', '/alias'],
            labels: { 'com.docker.compose.service': 'web', 'a b:c-d': 'x', 'org/x': 'y' },
            dockerVersion: '27.3.1',
          }
        : undefined;
    assert.deepEqual(containerLabels(`0::/system.slice/docker-${id}.scope\n`, describe), {
      container_scheduler: 'docker',
      container_id: id,
      container_names: 'webalias',
      container_docker_version: '27.3.1',
      container_label_com_docker_compose_service: 'web',
      container_label_a_b_c_d: 'x',
      // Upstream would write "container_label_org/x", which breaks the whole scrape: ours keeps the exposition valid.
      container_label_org_x: 'y',
    });
    assert.deepEqual(containerLabels(`0::/system.slice/docker-${'cd'.repeat(32)}.scope\n`, describe), {
      container_scheduler: 'docker',
      container_id: 'cd'.repeat(32),
    });
    assert.deepEqual(containerLabels('0::/user.slice/user-1000.slice/session-2.scope\n', describe), {});
    assert.deepEqual(
      containerLabels(`0::/system.slice/docker-${id}.scope\n`, undefined),
      {},
      'Docker unreachable: no container labels at all',
    );
    assert.equal(containerLabelName('com.docker.compose.project'), 'container_label_com_docker_compose_project');
    const m = new ScaphMetrics(procRoot);
    m.update(RAPL_PKG(20), [proc(7, '/usr/sbin/nginx', 'nginx', 0.1, containerLabels(`0::/docker/${id}\n`, describe))], 0, 0);
    const all = await scrape(m);
    const s = one(all, 'scaph_process_power_consumption_microwatts', { pid: '7' });
    assert.equal(s.labels.container_id, id);
    assert.equal(s.labels.container_label_com_docker_compose_service, 'web');
  });

  it('label values as Scaphandre writes them: " -> _, backslash and newline dropped; never truncated', async () => {
    const m = new ScaphMetrics(procRoot);
    const nasty = 'sh-c"echo \\x"\nnext';
    const long = `java${'-Dx=y'.repeat(200)}`;
    m.update(RAPL_PKG(), [proc(7, '/bin/sh', nasty), proc(8, '/usr/bin/java', long)], 0, 0);
    const all = await scrape(m);
    assert.equal(one(all, 'scaph_process_power_consumption_microwatts', { pid: '7' }).labels.cmdline, 'sh-c_echo x_next');
    assert.equal(one(all, 'scaph_process_power_consumption_microwatts', { pid: '8' }).labels.cmdline, long);
  });

  it('process series are reset on every update', async () => {
    const m = new ScaphMetrics(procRoot);
    m.update(RAPL_PKG(), [proc(1, '/a', 'a'), proc(2, '/b', 'b')], 0, 0);
    assert.equal(named(await scrape(m), 'scaph_process_power_consumption_microwatts').length, 2);
    m.update(RAPL_PKG(), [proc(2, '/b', 'b'), proc(3, '/c', 'c')], 0, 0);
    const all = await scrape(m);
    assert.deepEqual(
      named(all, 'scaph_process_power_consumption_microwatts')
        .map((s) => s.labels.pid)
        .sort(),
      ['2', '3'],
    );
    assert.deepEqual(
      named(all, 'scaph_process_cpu_usage_percentage')
        .map((s) => s.labels.pid)
        .sort(),
      ['2', '3'],
    );
  });

  it('energy counter: the integrated energy in microjoules (1, 3, 3, 10 J => 1e6, 3e6, 3e6, 10e6 µJ)', async () => {
    const m = new ScaphMetrics(procRoot);
    const seen: number[] = [];
    for (const j of [1, 3, 3, 10]) {
      m.update(RAPL_PKG(), undefined, j, 0);
      seen.push(one(await scrape(m), 'scaph_host_energy_microjoules').value);
    }
    assert.deepEqual(seen, [1e6, 3e6, 3e6, 10e6]);
  });

  it('energy counter never decreases when energyJoules goes back', async () => {
    const m = new ScaphMetrics(procRoot);
    const seen: number[] = [];
    for (const j of [5, 8, 2, 4]) {
      m.update(RAPL_PKG(), undefined, j, 0);
      seen.push(one(await scrape(m), 'scaph_host_energy_microjoules').value);
    }
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i] >= seen[i - 1], `decreased: ${seen.join(', ')}`);
    assert.equal(seen[2], seen[1], `a step back adds nothing: ${seen.join(', ')}`);
    assert.ok(seen[1] > seen[0], `a step forward adds: ${seen.join(', ')}`);
  });

  it('memory and swap from <procRoot>/meminfo, in bytes; load averages from the host', async () => {
    const m = new ScaphMetrics(procRoot);
    m.update(RAPL_PKG(), undefined, 0, 0);
    const all = await scrape(m);
    assert.equal(one(all, 'scaph_host_memory_total_bytes').value, 16_000_000 * 1024);
    assert.equal(one(all, 'scaph_host_memory_available_bytes').value, 8_000_000 * 1024);
    assert.equal(one(all, 'scaph_host_memory_free_bytes').value, 1_000_000 * 1024);
    assert.equal(one(all, 'scaph_host_swap_total_bytes').value, 2_000_000 * 1024);
    assert.equal(one(all, 'scaph_host_swap_free_bytes').value, 1_500_000 * 1024);
    const [l1, l5, l15] = os.loadavg();
    for (const [name, v] of [
      ['scaph_host_load_avg_one', l1],
      ['scaph_host_load_avg_five', l5],
      ['scaph_host_load_avg_fifteen', l15],
    ] as const) {
      const got = one(all, name).value;
      assert.ok(got >= 0 && Math.abs(got - v) < 1, `${name} ${got} vs ${v}`);
    }
  });
});

// ---------- 2. Exporter over HTTP ----------

describe('exporter: Exporter over HTTP', function () {
  this.timeout(12000);
  let tree: PowercapTree;
  let timer: NodeJS.Timeout | undefined;
  let exporter: Exporter | undefined;
  let port = 0;

  before(async () => {
    tree = PowercapTree.create([{ id: 'intel-rapl:0', name: 'package-0', energyUj: 5_000_000 }]);
    timer = setInterval(() => tree.addJoules('intel-rapl:0', 1), 100); // ~10 W
    exporter = new Exporter({
      bind: '127.0.0.1',
      port: 0,
      top: 3,
      settings: settingsWith({ 'power.source': 'rapl', 'power.powercapRoot': tree.root, refreshInterval: 500 }),
      procRoot: undefined,
    });
    const url = await exporter.start();
    const m = /^http:\/\/127\.0\.0\.1:(\d+)\/metrics$/.exec(url);
    assert.ok(m, url);
    port = Number(m[1]);
    assert.ok(port > 0);
  });

  after(async () => {
    if (timer) clearInterval(timer);
    await exporter?.stop();
    tree.dispose();
  });

  it('serves RAPL power (~10 W, no value_source as upstream on a pkg-only host) and at most 3 process series', async () => {
    const all = await scrapeUntil(
      port,
      8000,
      (s) => named(s, 'scaph_host_power_microwatts').length > 0 && named(s, 'scaph_process_power_consumption_microwatts').length > 0,
    );
    const host = one(all, 'scaph_host_power_microwatts');
    assert.ok(host.value >= 5e6 && host.value <= 20e6, `about 10 W in µW, got ${host.value}`);
    const socket = one(all, 'scaph_socket_power_microwatts', { socket_id: '0' });
    assert.ok(Math.abs(socket.value - host.value) < 1, 'one package: socket = host');
    const procs = named(all, 'scaph_process_power_consumption_microwatts');
    assert.ok(procs.length >= 1 && procs.length <= 3, `1-3 process series, got ${procs.length}`);
    assert.ok(named(all, 'scaph_process_cpu_usage_percentage').length <= 3);
    for (const p of procs) {
      assert.match(p.labels.pid, /^\d+$/);
      // A full path, or '' where /proc/<pid>/exe is not readable (another user's process), as Scaphandre sends it.
      assert.ok(p.labels.exe === '' || p.labels.exe.startsWith('/'), p.raw);
      assert.ok('cmdline' in p.labels, p.raw);
      assert.ok(p.value >= 0 && p.value <= host.value + 1, p.raw);
    }
    assert.ok(one(all, 'optivolt_exporter_samples_total').value >= 1);
    assert.ok(one(all, 'scaph_host_memory_total_bytes').value > 0, 'real /proc/meminfo');
    assert.equal(exporter?.status.source, 'rapl');
  });

  it('GET / returns an HTML page linking /metrics', async () => {
    const r = await request(port, 'GET', '/');
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/html/);
    assert.match(r.body, /<a href="\/metrics">/);
  });

  it('an unknown path is 404', async () => {
    const r = await request(port, 'GET', '/nope');
    assert.equal(r.status, 404);
    assert.doesNotMatch(r.body, /scaph_/);
  });

  it('POST is 405', async () => {
    const r = await request(port, 'POST', '/metrics');
    assert.equal(r.status, 405);
    assert.match(String(r.headers.allow), /GET/);
    assert.equal(r.body, '');
  });

  it('HEAD /metrics is 200 with no body', async () => {
    const raw = await rawExchange(port, 'HEAD /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    const [head, ...rest] = raw.split('\r\n\r\n');
    assert.match(head, /^HTTP\/1\.1 200 /);
    assert.match(head, /content-type: text\/plain; version=0\.0\.4; charset=utf-8/i);
    assert.equal(rest.join('\r\n\r\n'), '', 'no body after the headers');
  });

  it('a source that stops giving values withdraws host, socket and domain power instead of serving them frozen', async () => {
    await scrapeUntil(port, 8000, (s) => named(s, 'scaph_host_power_microwatts').length > 0);
    if (timer) clearInterval(timer);
    timer = undefined;
    tree.setEnergy('intel-rapl:0', 'garbage');
    await scrapeUntil(
      port,
      10000,
      (s) => named(s, 'scaph_host_power_microwatts').length === 0 && named(s, 'scaph_socket_power_microwatts').length === 0,
    );
    assert.notEqual(exporter?.status.state, 'live');
  });

  it('stop() closes the port: a new connection is refused', async () => {
    assert.equal(await connectOutcome(port), 'connected');
    await exporter?.stop();
    exporter = undefined;
    assert.equal(await connectOutcome(port), 'ECONNREFUSED');
  });

  it("'power.source' prometheus is refused: it would scrape itself", async () => {
    const e = new Exporter({ bind: '127.0.0.1', port: 0, top: 3, settings: settingsWith({ 'power.source': 'prometheus' }) });
    try {
      await assert.rejects(e.start(), (err: unknown) => {
        assert.ok(err instanceof ExporterError, String(err));
        assert.match(err.message, /scrape itself/);
        return true;
      });
    } finally {
      await e.stop();
    }
  });
});

// ---------- 3. A busy port ----------

describe('exporter: Exporter on a busy port', () => {
  let blocker: net.Server;
  let port = 0;

  before(async () => {
    blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    port = (blocker.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise((r) => blocker.close(r));
  });

  it('start() rejects with an ExporterError naming the port and its holder', async () => {
    const e = new Exporter({ bind: '127.0.0.1', port, top: 3, settings: settingsWith({ 'power.source': 'estimate' }) });
    try {
      await assert.rejects(e.start(), (err: unknown) => {
        assert.ok(err instanceof ExporterError, String(err));
        assert.ok(err.message.includes(String(port)), err.message);
        if (process.platform === 'linux') assert.ok(err.message.includes(`pid ${process.pid} (node`), err.message);
        return true;
      });
    } finally {
      await e.stop();
    }
  });

  it('portHolder finds this process; a free port has no holder', async function () {
    if (process.platform !== 'linux') this.skip();
    const who = portHolder(port);
    assert.ok(who?.startsWith(`pid ${process.pid} (node`), String(who));
    assert.equal(portHolder(await freePort()), undefined);
  });
});

// ---------- 4. The built CLI ----------

describe('CLI: optivolt exporter (dist/cli.js)', function () {
  this.timeout(12000);

  before(function () {
    assert.ok(fs.existsSync(CLI), `${CLI} missing: run node scripts/build.mjs first`);
  });

  it('--port 0 serves /metrics on the URL it prints, and SIGTERM exits 0', async () => {
    const child = spawn(process.execPath, [CLI, 'exporter', '--port', '0', '--source', 'estimate', '--interval', '500', '--top', '5']);
    let stderr = '';
    let stdout = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      const url = await until(
        5000,
        async () => /exporter serving (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(stderr)?.[1],
        () => stderr,
      );
      const port = Number(new URL(url).port);
      assert.ok(port > 0, url);
      const all = await scrapeUntil(port, 6000, (s) => named(s, 'scaph_host_power_microwatts').length > 0);
      assert.ok(one(all, 'scaph_host_power_microwatts', { value_source: 'estimate' }).value > 0);
      child.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
      assert.equal(await connectOutcome(port), 'ECONNREFUSED');
      assert.ok(
        stderr
          .split('\n')
          .filter((l) => l !== '')
          .every((l) => l.startsWith('optivolt:')),
        stderr,
      );
      assert.equal(stdout, '');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });

  const badArgs: string[][] = [['--port', '70000'], ['--top', '0'], ['--source', 'prometheus'], ['--interval', '100'], ['--bogus']];
  for (const args of badArgs) {
    it(`exporter ${args.join(' ')} => exit 2 and one "optivolt:" line on stderr`, () => {
      const r = spawnSync(process.execPath, [CLI, 'exporter', ...args], { encoding: 'utf8', timeout: 5000 });
      assert.equal(r.status, 2, `${r.stdout}\n${r.stderr}`);
      const err = r.stderr.split('\n').filter((l) => l !== '');
      assert.equal(err.length, 1, r.stderr);
      assert.ok(err[0].startsWith('optivolt:'), err[0]);
      assert.equal(r.stdout, '');
    });
  }
});

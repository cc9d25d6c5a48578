// Start Monitoring's engine on a real Docker engine: the stack planned from stack/docker-compose.yml and run by
// the StackManager, with powerExporter "optivolt" (Scaphandre needs RAPL and privileges this machine lacks):
// Prometheus and node-exporter containers from images built from Debian's binaries (local/…:optivolt, never
// pulled), OptiVolt's exporter on the host behind the Docker host gateway. Grafana and cAdvisor cannot be
// obtained here and are left out of the plan.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import Docker from 'dockerode';
import { Exporter } from '../../src/core/exporter/exporter';
import { PrometheusClient } from '../../src/core/prometheus/client';
import { readSettings } from '../../src/core/settings';
import { planStack, StackError, StackPlan } from '../../src/core/stack/composePlan';
import { dockerHostGateway, prometheusConfigForHostExporter } from '../../src/core/stack/powerExporter';
import { followLogs, StackManager } from '../../src/core/stack/stackManager';
import { eventually, freePort } from './prometheusProcess';

const STACK = path.resolve(__dirname, '../../../stack');
const PROJECT = `optivolt-test-${process.pid}`;

describe('the monitoring stack on a real Docker engine (powerExporter: optivolt)', function () {
  this.timeout(180000);
  const docker = new Docker();
  const manager = new StackManager({ docker, progress: () => undefined, readinessTimeoutMs: 60000 });
  let exporter: Exporter;
  let dir: string;
  let plan: StackPlan;
  let promPort: number;
  let client: PrometheusClient;

  before(async () => {
    if (!process.env.OPTIVOLT_DOCKER) throw new Error('no Docker engine: run through test/harness/runTier.js stack');
    const gateway = await dockerHostGateway(docker);
    const overrides: Record<string, unknown> = { 'power.source': 'estimate', refreshInterval: 1000 };
    exporter = new Exporter({ bind: gateway, port: await freePort(), top: 10, settings: readSettings((k) => overrides[k]).settings });
    const target = new URL(await exporter.start()).host.replace(gateway, 'host.docker.internal');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-stack-'));
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), prometheusConfigForHostExporter(STACK, target));
    promPort = await freePort();
    plan = planStack(fs.readFileSync(path.join(STACK, 'docker-compose.yml'), 'utf8'), {
      stackDir: STACK,
      env: { OPTIVOLT_GRAFANA_PASSWORD: 'unused-here', OPTIVOLT_RETENTION_TIME: '7d' },
      project: PROJECT,
      services: ['prometheus', 'node-exporter'],
      images: { prometheus: 'local/prometheus:optivolt', 'node-exporter': 'local/node-exporter:optivolt' },
      ports: { prometheus: promPort, 'node-exporter': await freePort() },
      replaceBinds: { prometheus: { '/etc/prometheus/prometheus.yml': path.join(dir, 'prometheus.yml') } },
    });
    // This sandbox's / is not a shared mount, so Docker refuses node-exporter's rslave propagation (real hosts allow it).
    for (const s of plan.services) {
      const hc = s.create.HostConfig;
      if (hc?.Binds) hc.Binds = hc.Binds.map((b) => b.replace(/,rslave$/, ''));
    }
    client = new PrometheusClient(`http://127.0.0.1:${promPort}`);
  });

  after(async () => {
    await manager.down(PROJECT).catch(() => undefined);
    await manager.deleteData(PROJECT).catch(() => undefined);
    await exporter?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an absent image with pull=never, naming it, and pulls nothing', async () => {
    const bad = { ...plan, services: plan.services.map((s) => (s.service === 'node-exporter' ? { ...s, image: 'local/absent:never', create: { ...s.create, Image: 'local/absent:never' } } : s)) };
    await assert.rejects(manager.up(bad, 'never'), (e: unknown) => e instanceof StackError && /local\/absent:never/.test(e.message));
  });

  it('names a busy port', async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(promPort, '127.0.0.1', r));
    try {
      await assert.rejects(manager.up(plan, 'never'), (e: unknown) => e instanceof StackError && e.message.includes(`Port ${promPort}`));
    } finally {
      await new Promise((r) => srv.close(r));
    }
  });

  it('says clearly when the Docker socket is missing', async () => {
    const nowhere = new StackManager({ docker: new Docker({ socketPath: '/nonexistent/docker.sock' }) });
    await assert.rejects(nowhere.up(plan, 'never'), (e: unknown) => e instanceof StackError && /Docker is not reachable/.test(e.message));
  });

  it('starts: labelled containers, ports on 127.0.0.1 only, Prometheus ready and scraping node-exporter and the host exporter', async () => {
    const status = await manager.up(plan, 'never');
    assert.deepEqual(status.map((s) => [s.service, s.state]), [['node-exporter', 'running'], ['prometheus', 'running']]);
    for (const s of plan.services) {
      const info = await docker.getContainer(s.containerName).inspect();
      assert.equal(info.Config.Labels['com.optivolt.stack'], 'true');
      for (const bindings of Object.values(info.HostConfig.PortBindings ?? {})) {
        for (const b of bindings as Array<{ HostIp: string }>) assert.equal(b.HostIp, '127.0.0.1');
      }
    }
    await eventually('up{job="node"} == 1', async () => (await client.query('up{job="node"} == 1')).length === 1, 30000);
    await eventually('up{job="scaphandre"} == 1 (OptiVolt exporter on the host)', async () => (await client.query('up{job="scaphandre"} == 1')).length === 1, 30000);
  });

  it('loads the alert and recording rules', async () => {
    const res = (await (await fetch(`http://127.0.0.1:${promPort}/api/v1/rules`)).json()) as { data: { groups: Array<{ rules: Array<{ name: string }> }> } };
    const names = res.data.groups.flatMap((g) => g.rules.map((r) => r.name));
    assert.ok(names.includes('HighPowerConsumption') && names.includes('PowerExporterAbsent'), names.join(', '));
  });

  it('answers the main dashboard\'s power and node queries', async () => {
    const dash = JSON.parse(fs.readFileSync(path.join(STACK, 'grafana/dashboards/optivolt-power.json'), 'utf8')) as { panels: Array<{ title: string; targets?: Array<{ expr?: string }> }> };
    const exprs = dash.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ title: p.title, expr: t.expr ?? '' })));
    // Sockets need RAPL and containers need cAdvisor: neither exists here; everything else must have data.
    const wanted = exprs.filter((e) => e.expr && !/socket|container_/.test(e.expr));
    // irate() and increase() need samples to compare: two more 10 s scrapes of each exporter after the first.
    await eventually('three scrapes of node-exporter and the host exporter', async () => (await client.query('min(count_over_time(up{job=~"node|scaphandre"}[5m])) >= 3')).length === 1, 45000);
    const empty: string[] = [];
    for (const e of wanted) {
      const q = e.expr.replace(/\$__range_s/g, '900').replace(/\$__range/g, '15m').replace(/\$cost/g, '0.15');
      if ((await client.query(q)).length === 0) empty.push(`${e.title}: ${q}`);
    }
    assert.ok(wanted.length >= 5);
    assert.deepEqual(empty, []);
  });

  it('follows a service\'s log as it is written', async () => {
    let text = '';
    const stop = await followLogs(docker, plan.services.find((s) => s.service === 'prometheus')!.containerName, (t) => (text += t), 50);
    try {
      await eventually('Prometheus log lines', async () => /Server is ready to receive web requests|msg=/.test(text), 10000);
    } finally {
      stop();
    }
  });

  it('stops and keeps the data: a series written before the stop is queryable after a new start', async () => {
    const before = (await client.query('count_over_time(up{job="node"}[1h])'))[0]?.value ?? 0;
    assert.ok(before > 0);
    assert.equal(await manager.down(PROJECT), 2);
    assert.equal((await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`com.optivolt.project=${PROJECT}`] }) })).length, 0);
    const vols = await docker.listVolumes({ filters: JSON.stringify({ label: [`com.optivolt.project=${PROJECT}`] }) });
    assert.ok((vols.Volumes ?? []).length >= 1, 'the Prometheus volume is kept');
    await manager.up(plan, 'never');
    const after = await eventually('old samples after restart', async () => (await client.query('count_over_time(up{job="node"}[1h])'))[0]?.value, 30000);
    assert.ok(after >= before, `samples before ${before}, after ${after}`);
  });

  it('is idempotent: a second start adopts the running containers', async () => {
    const ids = await Promise.all(plan.services.map(async (s) => (await docker.getContainer(s.containerName).inspect()).Id));
    await manager.up(plan, 'never');
    const again = await Promise.all(plan.services.map(async (s) => (await docker.getContainer(s.containerName).inspect()).Id));
    assert.deepEqual(again, ids);
  });
});

// Its own project and describe: node-exporter as the compose file plans it (with `/:/rootfs:ro,rslave`), on this real
// engine. Where `/` is private (findmnt -o PROPAGATION /), dockerd refuses rslave at start ("path / is mounted on /
// but it is not a shared or slave mount") and left the container in "Created"; now the manager explains, falls back
// to a private bind and leaves nothing half-made.
describe('node-exporter\'s rslave mount and half-made containers (real Docker engine)', function () {
  this.timeout(60000);
  const docker = new Docker();
  const project = `optivolt-rslave-${process.pid}`;
  const said: string[] = [];
  const manager = new StackManager({ docker, progress: (m) => said.push(m), readinessTimeoutMs: 30000 });
  const ours = async (): Promise<Docker.ContainerInfo[]> => docker.listContainers({ all: true, filters: JSON.stringify({ label: [`com.optivolt.project=${project}`] }) });

  before(function () {
    if (!process.env.OPTIVOLT_DOCKER) throw new Error('no Docker engine: run through test/harness/runTier.js stack');
  });
  after(async () => {
    await manager.down(project).catch(() => undefined);
  });

  it('starts node-exporter where / is not a shared mount: explains, drops rslave, no container left in Created', async () => {
    const plan = planStack(fs.readFileSync(path.join(STACK, 'docker-compose.yml'), 'utf8'), {
      stackDir: STACK,
      env: { OPTIVOLT_GRAFANA_PASSWORD: 'unused-here' },
      project,
      services: ['node-exporter'],
      images: { 'node-exporter': 'local/node-exporter:optivolt' },
      ports: { 'node-exporter': await freePort() },
    });
    const ne = plan.services[0];
    assert.ok(ne.create.HostConfig?.Binds?.includes('/:/rootfs:ro,rslave'), 'planned as the compose file says');
    const rootShared = /shared|slave/.test(execFileSync('findmnt', ['-no', 'PROPAGATION', '/'], { encoding: 'utf8' }));
    const status = await manager.up(plan, 'never');
    assert.deepEqual(status.map((s) => [s.service, s.state]), [['node-exporter', 'running']]);
    const info = await docker.getContainer(ne.containerName).inspect();
    const explained = said.find((m) => /not a shared mount on this host/.test(m));
    if (rootShared) {
      assert.equal(explained, undefined);
      assert.ok(info.HostConfig.Binds?.includes('/:/rootfs:ro,rslave'));
    } else {
      assert.ok(explained, said.join('\n'));
      assert.match(explained, /path \/ is mounted on \/ but it is not a shared or slave mount/, 'dockerd\'s own words are quoted');
      assert.match(explained, /filesystems mounted on the host after it starts are not seen/, 'what the fallback loses');
      assert.ok(info.HostConfig.Binds?.includes('/:/rootfs:ro'), JSON.stringify(info.HostConfig.Binds));
    }
    assert.deepEqual((await ours()).map((c) => c.State), ['running'], 'one container, running: none left in Created');
  });

  it('a container whose start fails is removed, not left in Created', async () => {
    const plan = planStack('services:\n  broken:\n    image: local/busybox:optivolt\n    entrypoint: ["/no/such/program"]\n', { stackDir: STACK, env: {}, project });
    await assert.rejects(manager.up(plan, 'never'), (e: unknown) => e instanceof StackError && /broken did not start/.test(e.message));
    assert.deepEqual((await ours()).filter((c) => c.Labels['com.optivolt.service'] === 'broken'), []);
  });
});

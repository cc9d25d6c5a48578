// Kepler on the team's engine: two nodes' Kepler stand-ins (test/fixtures/keplerStandIn.ts, written from upstream's
// docs/user/metrics.md and collector) scraped by a real Prometheus; the power view's tree (nodes -> namespaces -> pods
// -> containers -> processes), the status bar's node power and every query of the provisioned Kepler dashboard are
// compared with the stand-ins' truth (Kepler's own model applied to their workload), in one zone.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KeplerRows } from '../../src/core/attribution/keplerRows';
import { chooseZone, keplerNodePower, keplerTree, KEPLER_MODEL } from '../../src/core/attribution/keplerTree';
import { keplerPowerView } from '../../src/core/attribution/keplerView';
import type { KeplerTreeRow } from '../../src/shared/attribution';
import { PrometheusClient, PrometheusError } from '../../src/core/prometheus/client';
import { PrometheusSource } from '../../src/core/power/prometheusSource';
import { SourceError } from '../../src/core/power/source';
import { keplerTruth, startKeplerStandIn } from '../fixtures/keplerStandIn';
import { NODE_A, NODE_B } from '../fixtures/keplerTwoNodes';
import { EnginesProxy, TOKEN } from './enginesProxy';
import { eventually, PrometheusProcess } from './prometheusProcess';

const ROOT = path.join(__dirname, '..', '..', '..');

const near = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) < 1e-6 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

describe('Kepler on the engine: stand-ins of two nodes scraped by a real Prometheus', function () {
  this.timeout(60000);
  let prom: PrometheusProcess;
  let client: PrometheusClient;
  const standIns: Array<Awaited<ReturnType<typeof startKeplerStandIn>>> = [];

  before(async () => {
    standIns.push(await startKeplerStandIn(NODE_A), await startKeplerStandIn(NODE_B));
    prom = await PrometheusProcess.start({ kepler: standIns.map((s) => s.hostPort) });
    client = new PrometheusClient(prom.url);
    await eventually('both nodes scraped twice', async () => {
      const r = await client.query('count(count_over_time(kepler_node_cpu_usage_ratio[1m]) >= 2)');
      return r[0]?.value === 2 ? r : undefined;
    });
  });
  after(async () => {
    await prom?.stop();
    for (const s of standIns) await s.close();
  });

  it('the power view tree: nodes -> namespaces -> pods -> containers -> processes, in one zone, equal to Kepler\'s model', async () => {
    const tree = await keplerTree(client);
    assert.ok(tree);
    assert.equal(tree.zone, 'package', 'package is preferred when present');
    assert.deepEqual([...tree.zones].sort(), ['core', 'dram', 'package', 'psys']);
    assert.equal(tree.model, KEPLER_MODEL);
    assert.deepEqual(tree.nodes.map((n) => n.name), ['node-a', 'node-b']);
    const a = tree.nodes[0];
    const truth = keplerTruth(NODE_A, 'package');
    near(a.watts, 50, 'node-a package power');
    near(a.activeWatts, truth.activeWatts, 'active');
    near(a.idleWatts, truth.idleWatts, 'idle');
    assert.deepEqual(a.namespaces.map((n) => n.name), ['shop', 'kube-system']);
    const shop = a.namespaces[0];
    near(shop.watts, (truth.pod.get('pod-web') ?? 0) + (truth.pod.get('pod-db') ?? 0), 'shop');
    const web = shop.pods.find((p) => p.name === 'web-7d9f');
    assert.ok(web);
    assert.deepEqual(web.containers.map((c) => c.name), ['nginx', 'envoy']);
    near(web.containers[0].watts, truth.container.get('c-web') ?? NaN, 'nginx container');
    // The terminated process (pid 501) is not in the running tree.
    assert.deepEqual(web.containers[0].processes.map((p) => p.pid), ['101', '102']);
    near(web.containers[0].processes[0].watts, truth.process.get(101) ?? NaN, 'pid 101');
    // Idle power is attributed to nobody: pods + processes outside pods = active power, not the node's.
    const pods = a.namespaces.reduce((s, n) => s + n.watts, 0);
    near(pods + a.outsidePodsWatts, truth.activeWatts, 'everything attributed = active power');
    assert.ok(pods + a.outsidePodsWatts < a.watts - 1);
  });

  it("the power view's Kepler tree (what the webview draws): Watts and share per level, idle apart, every node offered", async () => {
    const tree = await keplerTree(client);
    assert.ok(tree);
    const view = keplerPowerView(tree, '');
    assert.equal(view.chosenNode, '', 'no node chosen: the top level lists all nodes');
    assert.equal(view.zone, 'package');
    assert.equal(view.model, KEPLER_MODEL);
    assert.deepEqual(view.nodes.map((n) => [n.level, n.name]), [['node', 'node-a'], ['node', 'node-b']]);
    const [a, b] = view.nodes;
    near(a.watts, 50, 'node-a');
    near(b.watts, 35, 'node-b');
    near(a.share, 50 / 85, 'node-a share of all nodes');
    const ta = keplerTruth(NODE_A, 'package');
    const child = (r: KeplerTreeRow, name: string): KeplerTreeRow => {
      const c = r.children.find((x) => x.name === name);
      assert.ok(c, `${r.name} has ${name}: ${r.children.map((x) => x.name).join(', ')}`);
      return c;
    };
    assert.deepEqual(a.children.map((c) => c.level), ['namespace', 'namespace', 'outside', 'idle']);
    const shop = child(a, 'shop');
    const shopW = (ta.pod.get('pod-web') ?? NaN) + (ta.pod.get('pod-db') ?? NaN);
    near(shop.watts, shopW, 'shop');
    near(shop.share, shopW / 50, 'shop share of node-a');
    const web = child(shop, 'web-7d9f');
    near(web.watts, ta.pod.get('pod-web') ?? NaN, 'pod web');
    const nginx = child(web, 'nginx');
    assert.equal(nginx.level, 'container');
    near(nginx.watts, ta.container.get('c-web') ?? NaN, 'container nginx');
    near(nginx.share, (ta.container.get('c-web') ?? NaN) / 50, 'nginx share');
    assert.deepEqual(nginx.children.map((p) => p.name), ['nginx (pid 101)', 'nginx (pid 102)']);
    near(nginx.children[0].watts, ta.process.get(101) ?? NaN, 'pid 101');
    near(child(child(child(a, 'kube-system'), 'coredns-5c'), 'coredns').watts, ta.container.get('c-dns') ?? NaN, 'coredns');
    // Idle is its own row, attributed to no one; namespaces + outside + idle = the node.
    const idle = a.children.find((c) => c.level === 'idle');
    near(idle?.watts ?? NaN, ta.idleWatts, 'idle row');
    near(a.children.reduce((s, c) => s + c.watts, 0), 50, 'the rows under node-a add up to its power');
    const tb = keplerTruth(NODE_B, 'package');
    near(child(child(child(b, 'jobs'), 'batch-x1'), 'worker').watts, tb.container.get('c-batch') ?? NaN, 'node-b worker');
    assert.equal(keplerPowerView(tree, 'node-b').chosenNode, 'node-b');
  });

  it("the power view's tree through the team's proxy: refused without the token, the same tree with it", async () => {
    const proxy = await EnginesProxy.start({ main: prom.url, emptyTenant: prom.url, vmTenant: prom.url });
    try {
      const url = `http://127.0.0.1:${proxy.ports.bearer}`;
      await assert.rejects(keplerTree(new PrometheusClient(url)), (err: PrometheusError) => err.status === 401);
      const tree = await keplerTree(new PrometheusClient(url, undefined, 3000, { token: TOKEN }));
      assert.ok(tree);
      const view = keplerPowerView(tree, 'node-a');
      assert.deepEqual(view.nodes.map((n) => n.name), ['node-a', 'node-b']);
      near(view.nodes[0].watts, 50, 'node-a through nginx');
    } finally {
      await proxy.stop();
    }
  });

  it('one zone chosen: another zone gives its own figures, never a sum over zones; a missing zone falls back', async () => {
    const dram = await keplerTree(client, 'dram');
    assert.equal(dram?.zone, 'dram');
    near(dram?.nodes.find((n) => n.name === 'node-a')?.watts ?? NaN, 6, 'node-a dram');
    assert.equal(dram?.nodes.find((n) => n.name === 'node-b'), undefined, 'node-b has no dram zone');
    assert.equal((await keplerTree(client, 'uncore'))?.zone, 'package');
    assert.equal(chooseZone(['psys', 'dram']), 'psys');
    assert.equal(chooseZone([]), undefined);
  });

  it("the status bar's node power: a chosen node in the chosen zone", async () => {
    const psys = await keplerNodePower(client, 'psys');
    assert.deepEqual([...psys.keys()], ['node-b']);
    near(psys.get('node-b') ?? NaN, 60, 'node-b psys');
    const pkg = await keplerNodePower(client, 'package');
    near(pkg.get('node-a') ?? NaN, 50, 'node-a package');
    near(pkg.get('node-b') ?? NaN, 35, 'node-b package');
  });

  it("the status bar's power source: optivolt.kepler.node and .zone read that node's power, with Kepler's model named", async () => {
    const a = await new PrometheusSource(client, false, { node: 'node-a', zone: '' }).read();
    near(a.watts, 50, 'node-a');
    assert.deepEqual(Object.keys(a.zones), ['package']);
    assert.match(a.detail ?? '', /^Kepler node node-a, zone package, via Prometheus http:\/\/127\.0\.0\.1:\d+\. Kepler's model/);
    const b = await new PrometheusSource(client, false, { node: 'node-b', zone: 'psys' }).read();
    near(b.watts, 60, 'node-b psys');
    const fallback = await new PrometheusSource(client, false, { node: 'node-b', zone: 'dram' }).read();
    near(fallback.watts, 35, 'node-b has no dram zone: package');
    assert.match(fallback.detail ?? '', /zone package \(no dram zone\)/);
    await assert.rejects(new PrometheusSource(client, false, { node: 'node-z', zone: '' }).read(), (err: SourceError) => {
      assert.equal(err.code, 'no-data');
      assert.match(err.message, /no Kepler node "node-z" \(nodes: node-a, node-b\)/);
      return true;
    });
  });

  it("the power view's tables: the node's containers as namespace/pod/container and their processes, energy adding up", async () => {
    const rows = new KeplerRows(client, 'node-a', '');
    const sample = (time: number) => ({ time, watts: 50, source: 'prometheus' as const, estimated: false, zones: {}, detail: '' });
    const first = await rows.sample(sample(1000), 3);
    const second = await rows.sample(sample(3000), 3);
    assert.ok(first && second);
    const truth = keplerTruth(NODE_A, 'package');
    assert.deepEqual(
      second.containers.map((c) => c.name),
      ['shop/db-0/postgres', 'shop/web-7d9f/nginx', 'shop/web-7d9f/envoy', 'kube-system/coredns-5c/coredns'],
    );
    near(second.containers[0].watts, truth.container.get('c-db') ?? NaN, 'postgres');
    near(second.containers[0].energyJoules, 2 * (truth.container.get('c-db') ?? NaN), 'postgres over 2 s');
    assert.equal(second.processes.length, 3, 'top N');
    assert.equal(second.processCount, 5, 'processes in containers, running');
    assert.equal(second.processes[0].pid, 201);
    near(second.hostWatts, 50, 'node');
    near(second.idleWatts, truth.idleWatts, 'idle apart');
    near(second.hostCpu, NODE_A.usageRatio, 'usage ratio');
    assert.match(second.notice ?? '', /^Kepler node node-a, namespace\/pod\/container, zone package \(of .*\)\. Kepler's model/);
    assert.equal(await new KeplerRows(client, 'node-z', '').sample(sample(1000), 3), undefined);
  });

  it('every query of the provisioned Kepler dashboard answers, with the stand-ins\' figures', async () => {
    const d = JSON.parse(fs.readFileSync(path.join(ROOT, 'stack', 'grafana', 'dashboards', 'optivolt-kepler.json'), 'utf8')) as {
      panels: Array<{ id: number; title: string; targets: Array<{ refId: string; expr: string }> }>;
      templating: { list: Array<{ name: string; current: { value: string } }> };
    };
    const vars = Object.fromEntries(d.templating.list.map((v) => [v.name, v.current.value]));
    const fill = (e: string) => e.replace(/\$__range/g, '1m').replace(/\$(\w+)/g, (m, n: string) => vars[n] ?? m);
    const results = new Map<string, Awaited<ReturnType<PrometheusClient['query']>>>();
    for (const p of d.panels) {
      for (const t of p.targets) {
        const r = await client.query(fill(t.expr));
        assert.ok(r.length > 0, `panel ${p.id} "${p.title}" ${t.refId} is empty: ${fill(t.expr)}`);
        results.set(`${p.id}${t.refId}`, r);
      }
    }
    const a = keplerTruth(NODE_A, 'package');
    const b = keplerTruth(NODE_B, 'package');
    const by = (k: string, label: string) => new Map((results.get(k) ?? []).map((v) => [v.metric[label], v.value]));
    near(by('1A', 'node_name').get('node-a') ?? NaN, 50, 'panel 1');
    near(by('2B', 'node_name').get('node-b') ?? NaN, b.idleWatts, 'panel 2 idle');
    near(by('3A', 'pod_namespace').get('jobs') ?? NaN, b.pod.get('pod-batch') ?? NaN, 'panel 3 jobs');
    const containers = results.get('5A') ?? [];
    const nginx = containers.find((v) => v.metric.container_name === 'nginx');
    assert.equal(nginx?.metric.pod_name, 'web-7d9f', 'containers are named with their pod');
    near(nginx?.value ?? NaN, a.container.get('c-web') ?? NaN, 'panel 5 nginx');
    assert.ok((by('6A', 'pod_namespace').get('shop') ?? 0) > 0, 'energy over the range');
  });
});

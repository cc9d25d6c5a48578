// Two VS Code windows on one Docker engine (issue 19, "The history"): the second window's Start Monitoring adopts
// the running stack and, finding the exporter port held by the first window's OptiVolt exporter, uses that exporter
// instead of failing; anything else on the port is still the busy-port error. Stop Monitoring in the second window
// removes the shared containers, and the first window's exporter stops itself on its next check. When the first
// window closes while the stack runs, the second one starts its own exporter on its next check.
//
// Two StackLifecycle instances stand for the two extension hosts (each has its own exporter or none), against a
// fake Docker Engine: the few Engine API routes the stack code calls, answered in moby's shapes
// (api/server/router/system/system_routes.go: /_ping; container/container_routes.go: GET /containers/json,
// GET /containers/{name}/json, POST /containers/create, POST /containers/{id}/start, DELETE /containers/{id};
// network/network_routes.go: GET /networks, GET /networks/{id}, DELETE /networks/{id}; volume/volume_routes.go:
// GET /volumes/{name}; image/image_routes.go: GET /images/{name}/json). The bridge network's gateway is 127.0.0.1,
// so the exporters listen on loopback. A started container's published port is a loopback listener answering 200 (as
// docker-proxy forwards to Prometheus, whose /-/ready is all the stack code asks of it); removing the container closes it.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import Docker from 'dockerode';
import { readSettings } from '../../src/core/settings';
import { StackLifecycle, stackOptionsFrom } from '../../src/core/stack/stackLifecycle';
import { optivoltExporterAt } from '../../src/core/stack/powerExporter';
import { until } from '../fixtures/until';

const STACK = path.resolve(__dirname, '../../../stack');

interface FakeContainer {
  id: string;
  name: string;
  labels: Record<string, string>;
  running: boolean;
  bindings: Array<{ HostIp: string; HostPort: string }>;
  published: http.Server[];
}

/** The Engine routes above, over TCP on loopback; containers are records, "running" once started. */
class FakeEngine {
  readonly containers = new Map<string, FakeContainer>();
  /** The default bridge's gateway, and what GET /info says (moby system_routes.go getInfo: OperatingSystem, SecurityOptions). */
  gateway = '127.0.0.1';
  info: Record<string, unknown> = { OperatingSystem: 'Debian GNU/Linux 12 (bookworm)', SecurityOptions: ['name=seccomp,profile=builtin'] };
  private next = 1;
  readonly server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => void this.route(req, res, body));
  });

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const c of this.containers.values()) await this.unpublish(c);
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async publish(c: FakeContainer): Promise<void> {
    for (const b of c.bindings) {
      const s = http.createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('Prometheus Server is Ready.\n'));
      c.published.push(s);
      await new Promise<void>((resolve) => s.listen(Number(b.HostPort), b.HostIp || '127.0.0.1', resolve));
    }
  }

  private async unpublish(c: FakeContainer): Promise<void> {
    for (const s of c.published.splice(0)) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  }

  private find(idOrName: string): FakeContainer | undefined {
    return [...this.containers.values()].find((c) => c.id === idOrName || c.name === idOrName);
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse, body: string): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://engine');
    const p = url.pathname.replace(/^\/v[\d.]+/, '');
    const json = (status: number, value: unknown): void => {
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(value));
    };
    const notFound = (what: string): void => json(404, { message: `No such ${what}` });
    const m = (re: RegExp): RegExpExecArray | null => re.exec(p);
    let r: RegExpExecArray | null;
    if (p === '/_ping') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Api-Version': '1.47' }).end('OK');
    } else if (req.method === 'GET' && p === '/containers/json') {
      const wanted = (JSON.parse(url.searchParams.get('filters') ?? '{}') as { label?: string[] }).label ?? [];
      const match = (c: FakeContainer): boolean => wanted.every((l) => c.labels[l.split('=')[0]] === l.split('=').slice(1).join('='));
      json(
        200,
        [...this.containers.values()].filter(match).map((c) => ({
          Id: c.id,
          Names: [`/${c.name}`],
          Labels: c.labels,
          State: c.running ? 'running' : 'created',
          Status: c.running ? 'Up 1 second' : 'Created',
        })),
      );
    } else if (req.method === 'POST' && p === '/containers/create') {
      const create = JSON.parse(body) as {
        Labels?: Record<string, string>;
        HostConfig?: { PortBindings?: Record<string, Array<{ HostIp: string; HostPort: string }>> };
      };
      const bindings = Object.values(create.HostConfig?.PortBindings ?? {}).flat();
      const c = {
        id: `c${this.next++}`.padEnd(64, '0'),
        name: url.searchParams.get('name') ?? '',
        labels: create.Labels ?? {},
        running: false,
        bindings,
        published: [],
      };
      this.containers.set(c.id, c);
      json(201, { Id: c.id, Warnings: [] });
    } else if ((r = m(/^\/containers\/([^/]+)\/start$/)) && req.method === 'POST') {
      const c = this.find(decodeURIComponent(r[1]));
      if (!c) return notFound('container');
      c.running = true;
      await this.publish(c);
      res.writeHead(204).end();
    } else if ((r = m(/^\/containers\/([^/]+)\/json$/))) {
      const c = this.find(decodeURIComponent(r[1]));
      if (!c) return notFound('container');
      json(200, {
        Id: c.id,
        Name: `/${c.name}`,
        Config: { Labels: c.labels },
        State: { Running: c.running, Status: c.running ? 'running' : 'created', ExitCode: 0 },
      });
    } else if ((r = m(/^\/containers\/([^/]+)$/)) && req.method === 'DELETE') {
      const c = this.find(decodeURIComponent(r[1]));
      if (!c) return notFound('container');
      this.containers.delete(c.id);
      await this.unpublish(c);
      res.writeHead(204).end();
    } else if (req.method === 'GET' && p === '/networks') {
      const f = JSON.parse(url.searchParams.get('filters') ?? '{}') as { name?: string[]; label?: string[] };
      const name = f.name?.[0] ?? 'optivolt';
      json(200, [{ Name: name, Id: 'n1', Labels: { 'com.optivolt.stack': 'true' } }]);
    } else if (p === '/networks/bridge') {
      json(200, { Name: 'bridge', Id: 'b1', IPAM: { Driver: 'default', Config: [{ Subnet: '127.0.0.0/8', Gateway: this.gateway }] } });
    } else if (req.method === 'GET' && p === '/info') {
      json(200, this.info);
    } else if (m(/^\/networks\/[^/]+$/) && req.method === 'DELETE') {
      res.writeHead(204).end();
    } else if ((r = m(/^\/volumes\/([^/]+)$/))) {
      json(200, { Name: decodeURIComponent(r[1]), Driver: 'local', Labels: {} });
    } else if ((r = m(/^\/images\/(.+)\/json$/))) {
      json(200, { Id: 'sha256:1', RepoTags: [decodeURIComponent(r[1])] });
    } else {
      json(404, { message: `fake engine: no route for ${req.method} ${p}` });
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

describe("two windows, one stack: the second uses the first window's exporter", function () {
  this.timeout(20000);
  let engine: FakeEngine;
  let enginePort: number;
  let prometheusPort: number;
  let exporterPort: number;
  let dir: string;
  const stacks: StackLifecycle[] = [];
  const others: net.Server[] = [];

  /** One window's StackLifecycle (its own state folder, its own Engine client). */
  function window(said: string[], exporterWatchMs?: number): StackLifecycle {
    const overrides: Record<string, unknown> = { 'power.source': 'estimate', 'stack.powerExporter': 'optivolt' };
    const s = readSettings((k) => overrides[k]).settings;
    const stack = new StackLifecycle({
      docker: new Docker({ host: '127.0.0.1', port: enginePort, protocol: 'http' }),
      stackDir: STACK,
      stateDir: fs.mkdtempSync(path.join(dir, 'window-')),
      ...stackOptionsFrom(s),
      services: ['prometheus'],
      ports: { prometheus: prometheusPort },
      bind: '127.0.0.1',
      exporterPort,
      grafanaPassword: 'pw',
      progress: (m) => said.push(m),
      exporterWatchMs,
    });
    stacks.push(stack);
    return stack;
  }

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-shared-'));
    engine = new FakeEngine();
    enginePort = await engine.listen();
    exporterPort = await freePort();
    prometheusPort = await freePort();
  });

  afterEach(async () => {
    for (const s of stacks.splice(0)) await s.stopExporterOnly();
    for (const o of others.splice(0)) await new Promise((r) => o.close(r));
    await engine.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("adopts the running stack and uses the other window's exporter; a stranger on the port is still the busy-port error", async () => {
    const first = window([]);
    await first.start();
    assert.ok(first.exporterRunning);
    assert.equal(await optivoltExporterAt('127.0.0.1', exporterPort), process.pid, 'the exporter names its process');

    const said: string[] = [];
    const second = window(said);
    const r = await second.start();
    assert.equal(r.sharedExporterPid, process.pid);
    assert.ok(
      said.some((m) => m.includes(`using the exporter of another OptiVolt window (pid ${process.pid})`)),
      said.join('\n'),
    );
    assert.ok(
      said.some((m) => /prometheus: already running \(adopted\)/.test(m)),
      said.join('\n'),
    );
    assert.equal(second.exporterRunning, false);
    assert.equal(engine.containers.size, 1, 'one stack, not two');
    assert.deepEqual(
      r.statuses.map((s) => s.state),
      ['running'],
    );

    // Not OptiVolt's exporter (no identifying header), even though it answers /metrics: never borrowed.
    await first.stopExporterOnly();
    const stranger = http.createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('up 1\n'));
    others.push(stranger);
    await new Promise<void>((resolve) => stranger.listen(exporterPort, '127.0.0.1', resolve));
    await assert.rejects(
      window([]).start(),
      /OptiVolt's exporter cannot start on 127\.0\.0\.1:\d+: Port \d+ on 127\.0\.0\.1 is already in use/,
    );
  });

  it('a bridge gateway that is not a local address says why (Docker Desktop, rootless, other) and leaves nothing made (issue 19)', async () => {
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this machine, so binding it fails with EADDRNOTAVAIL.
    engine.gateway = '192.0.2.1';
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ OperatingSystem: 'Docker Desktop', SecurityOptions: [] }, /Docker Desktop runs the engine in its own virtual machine/],
      [
        { OperatingSystem: 'Ubuntu 24.04 LTS', SecurityOptions: ['name=seccomp,profile=builtin', 'name=rootless', 'name=cgroupns'] },
        /rootless Docker keeps its bridge inside RootlessKit/,
      ],
      [{ OperatingSystem: 'Ubuntu 24.04 LTS', SecurityOptions: [] }, /do not share this host's network/],
    ];
    for (const [info, why] of cases) {
      engine.info = info;
      const err = await window([])
        .start()
        .then(
          () => undefined,
          (e: unknown) => e as Error,
        );
      assert.ok(err, 'the start fails');
      assert.match(
        err.message,
        /^OptiVolt's exporter cannot start on 192\.0\.2\.1:\d+\. Docker's bridge gateway 192\.0\.2\.1 is not an address of this machine: /,
      );
      assert.match(err.message, why);
      assert.doesNotMatch(err.message, /no such local address/, 'the raw bind error is explained, not repeated');
      assert.equal(engine.containers.size, 0, 'no container left behind');
    }
  });

  it("`optivolt stack up` (the CLI) borrows a window's exporter too: it says so and returns instead of holding the foreground", async () => {
    const first = window([]);
    await first.start();
    const cli = path.resolve(__dirname, '../../../dist/cli.js');
    const args = [
      cli,
      'stack',
      'up',
      '--stack-dir',
      STACK,
      '--services',
      'prometheus',
      '--port',
      `prometheus=${prometheusPort}`,
      '--bind',
      '127.0.0.1',
      '--power-exporter',
      'optivolt',
      '--exporter-port',
      String(exporterPort),
    ];
    const env = {
      ...process.env,
      DOCKER_HOST: `tcp://127.0.0.1:${enginePort}`,
      XDG_CONFIG_HOME: path.join(dir, 'config'),
      XDG_STATE_HOME: path.join(dir, 'state'),
    };
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stderr });
      });
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`using the exporter of another OptiVolt window \\(pid ${process.pid}\\): the stack runs without this process`),
    );
    assert.doesNotMatch(r.stderr, /keep it running/);
  });

  it("Stop Monitoring in the second window removes the containers; the first window's exporter stops itself on its next check", async () => {
    const first = window([]);
    await first.start();
    const second = window([]);
    await second.start();
    assert.equal(second.sharedExporterPid, process.pid);

    assert.equal(await second.stop(), 1);
    assert.equal(engine.containers.size, 0);
    assert.equal(second.sharedExporterPid, undefined);

    // The stack still runs from the first window's point of view until it checks.
    assert.ok(first.exporterRunning);
    const firstSaid = await first.checkExporter();
    assert.match(firstSaid ?? '', /exporter stopped: the stack's containers are gone/);
    assert.equal(first.exporterRunning, false);
    assert.equal(await optivoltExporterAt('127.0.0.1', exporterPort), undefined, 'the port is free again');
    // A later Start in either window starts its own exporter.
    const again = window([]);
    await again.start();
    assert.ok(again.exporterRunning);
  });

  it('the first window closes while the stack runs: the second notices on its watch and starts its own exporter', async () => {
    const first = window([]);
    await first.start();
    const said: string[] = [];
    const second = window(said, 50);
    await second.start();
    assert.equal(second.exporterRunning, false);

    await first.stopExporterOnly(); // the first window's deactivate: its containers stay
    await until(
      5000,
      () => (second.exporterRunning ? true : undefined),
      () => said.join('\n'),
    );
    assert.ok(
      said.some((m) => m.includes(`OptiVolt window with pid ${process.pid} is gone: this window's exporter serves the stack now`)),
      said.join('\n'),
    );
    assert.equal(await optivoltExporterAt('127.0.0.1', exporterPort), process.pid);
    assert.equal(engine.containers.size, 1, 'the containers were left alone');
    assert.equal(second.sharedExporterPid, undefined);
  });
});

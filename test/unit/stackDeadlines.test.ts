// Every Docker Engine request of the stack code has a deadline (issue 20): an address that accepts connections and
// never answers makes `stack up|status|down` (the CLI and StackLifecycle, which Start/Stop Monitoring use) fail
// within a bounded time, naming the address, with no socket left open. A missing stack folder or compose file, with
// the engine up, is named as such (not "Docker is not reachable"). A world-readable Grafana password file is made
// private with a warning.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import Docker from 'dockerode';
import { readSettings } from '../../src/core/settings';
import { StackError } from '../../src/core/stack/composePlan';
import { StackLifecycle, stackOptionsFrom } from '../../src/core/stack/stackLifecycle';
import { StackManager } from '../../src/core/stack/stackManager';
import { until } from '../fixtures/lspHarness';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');
const STACK = path.resolve(__dirname, '../../../stack');
const DEADLINE_MS = 1000;

/** A server that accepts every connection and never writes a byte; it counts the connections still open. */
class SilentServer {
  readonly server = net.createServer((sock) => {
    this.open.add(sock);
    sock.on('close', () => {
      this.open.delete(sock);
      if (this.open.size === 0) for (const f of this.idle.splice(0)) f();
    });
    sock.on('data', () => undefined);
    sock.on('error', () => undefined);
  });
  readonly open = new Set<net.Socket>();
  private readonly idle: Array<() => void> = [];

  listen(where: string | { host: string; port: number }): Promise<void> {
    return new Promise((resolve) => this.server.listen(where, resolve));
  }

  /** Resolves once every accepted connection has been closed by the client. */
  allClosed(): Promise<void> {
    return this.open.size === 0 ? Promise.resolve() : new Promise((resolve) => this.idle.push(resolve));
  }

  close(): Promise<void> {
    for (const s of this.open) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * An Engine that answers GET /_ping as moby's pingHandler does (api/server/router/system/system_routes.go: 200,
 * text/plain "OK", Api-Version, Cache-Control no-cache) and leaves every other request unanswered.
 */
function pingOnlyEngine(): http.Server {
  return http.createServer((req, res) => {
    if (req.url?.endsWith('/_ping')) {
      res.writeHead(200, {
        'Content-Type': 'text/plain; charset=utf-8',
        'Api-Version': '1.47',
        'Cache-Control': 'no-cache, no-store, must-revalidate',
        Pragma: 'no-cache',
      });
      res.end('OK');
    }
  });
}

/** Closes a fake engine, its open connections included. */
function closeNow(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function monitoring(docker: Docker, stateDir: string, stackDir = STACK): StackLifecycle {
  const s = readSettings((k) => (k === 'stack.powerExporter' ? 'scaphandre' : undefined)).settings;
  return new StackLifecycle({
    docker,
    stackDir,
    stateDir,
    ...stackOptionsFrom(s),
    grafanaPassword: 'pw',
    engineDeadlines: { pingMs: DEADLINE_MS, callMs: DEADLINE_MS },
  });
}

interface CliResult {
  readonly status: number | null;
  readonly stderr: string;
  readonly ms: number;
}

/** The built CLI as a child process (asynchronous: the fake engines live in this process). */
function cli(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'stack', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stderr, ms: Date.now() - t0 }));
  });
}

async function timed<T>(p: Promise<T>): Promise<{ err: unknown; ms: number }> {
  const t0 = Date.now();
  try {
    await p;
    return { err: undefined, ms: Date.now() - t0 };
  } catch (err) {
    return { err, ms: Date.now() - t0 };
  }
}

describe('Docker Engine deadlines (stack)', function () {
  this.timeout(8000);
  let dir: string;
  let home: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-deadline-'));
    home = path.join(dir, 'home');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const cliEnv = (dockerHost: string): NodeJS.ProcessEnv => ({
    DOCKER_HOST: dockerHost,
    XDG_CONFIG_HOME: path.join(home, 'config'),
    XDG_STATE_HOME: path.join(home, 'state'),
  });

  describe('an engine that accepts connections and never answers', () => {
    let silent: SilentServer;
    afterEach(() => silent.close());

    it('core over a Unix socket: start, status and stop fail within the deadline, naming the address; no socket left open', async () => {
      silent = new SilentServer();
      const sock = path.join(dir, 'docker.sock');
      await silent.listen(sock);
      const stack = monitoring(new Docker({ socketPath: sock }), path.join(dir, 'state'));
      const ops: Array<[string, () => Promise<unknown>]> = [
        ['start', () => stack.start()],
        ['status', () => stack.status()],
        ['stop', () => stack.stop()],
      ];
      for (const [what, op] of ops) {
        const { err, ms } = await timed(op());
        assert.ok(err instanceof StackError, `${what}: ${String(err)}`);
        assert.match(
          err.message,
          new RegExp(`Docker Engine at unix://${sock.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} does not answer`),
          what,
        );
        assert.match(err.message, /docker info/, what);
        assert.ok(ms < DEADLINE_MS + 1500, `${what} took ${ms} ms`);
        await silent.allClosed(); // the aborted request closed its socket (mocha's timeout catches a leak)
      }
    });

    it('core over TCP: status fails within the deadline naming tcp://127.0.0.1:PORT', async () => {
      silent = new SilentServer();
      await silent.listen({ host: '127.0.0.1', port: 0 });
      const port = (silent.server.address() as net.AddressInfo).port;
      const { err, ms } = await timed(
        monitoring(new Docker({ host: '127.0.0.1', port, protocol: 'http' }), path.join(dir, 'state')).status(),
      );
      assert.ok(err instanceof StackError, String(err));
      assert.match(err.message, new RegExp(`Docker Engine at tcp://127\\.0\\.0\\.1:${port} does not answer: no reply to GET /_ping`));
      assert.ok(ms < DEADLINE_MS + 1500, `took ${ms} ms`);
      await silent.allClosed();
    });

    it('the CLI (dist/cli.js): up, status and down exit 1 within the deadline, naming the socket, and the process ends', async () => {
      silent = new SilentServer();
      const sock = path.join(dir, 'docker.sock');
      await silent.listen(sock);
      const results = await Promise.all(
        ['up', 'status', 'down'].map((a) =>
          cli([a, '--power-exporter', 'scaphandre', '--engine-timeout', String(DEADLINE_MS / 1000)], cliEnv(`unix://${sock}`)),
        ),
      );
      for (const [i, r] of results.entries()) {
        assert.equal(r.status, 1, r.stderr);
        assert.ok(r.stderr.includes(`Docker Engine at unix://${sock} does not answer`), r.stderr);
        assert.ok(r.ms < DEADLINE_MS + 4000, `${['up', 'status', 'down'][i]} took ${r.ms} ms`);
      }
    });

    it('the CLI over TCP (DOCKER_HOST=tcp://127.0.0.1:PORT): status exits 1 naming the address', async () => {
      silent = new SilentServer();
      await silent.listen({ host: '127.0.0.1', port: 0 });
      const port = (silent.server.address() as net.AddressInfo).port;
      const r = await cli(['status', '--engine-timeout', '1'], cliEnv(`tcp://127.0.0.1:${port}`));
      assert.equal(r.status, 1, r.stderr);
      assert.ok(r.stderr.includes(`Docker Engine at tcp://127.0.0.1:${port} does not answer`), r.stderr);
    });
  });

  describe('an engine that answers /_ping and nothing else', () => {
    let engine: http.Server;
    let sock: string;
    beforeEach(async () => {
      engine = pingOnlyEngine();
      sock = path.join(dir, 'docker.sock');
      await new Promise<void>((resolve) => engine.listen(sock, resolve));
    });
    afterEach(() => closeNow(engine));

    it('each later request has its deadline too: status names the request that went unanswered', async () => {
      const { err, ms } = await timed(monitoring(new Docker({ socketPath: sock }), path.join(dir, 'state')).status());
      assert.ok(err instanceof StackError, String(err));
      assert.match(err.message, /does not answer: no reply to GET \/containers\/json within 1 s/);
      assert.ok(ms < DEADLINE_MS + 1500, `took ${ms} ms`);
    });

    it('a missing --stack-dir, or a folder without docker-compose.yml, is named (and the engine said fine), CLI and core', async () => {
      const nowhere = path.join(dir, 'no-such-stack');
      const empty = path.join(dir, 'empty-stack');
      fs.mkdirSync(empty);
      for (const action of ['up', 'status']) {
        const r = await cli(
          [action, '--power-exporter', 'scaphandre', '--stack-dir', nowhere, '--engine-timeout', '2'],
          cliEnv(`unix://${sock}`),
        );
        assert.equal(r.status, 1, r.stderr);
        assert.ok(r.stderr.includes(`The stack folder ${nowhere} does not exist`), r.stderr);
        assert.ok(r.stderr.includes(`The Docker Engine at unix://${sock} answers`), r.stderr);
        assert.doesNotMatch(r.stderr, /not reachable/);
      }
      const r = await cli(['status', '--stack-dir', empty, '--engine-timeout', '2'], cliEnv(`unix://${sock}`));
      assert.equal(r.status, 1, r.stderr);
      assert.ok(r.stderr.includes(`has no docker-compose.yml (looked for ${path.join(empty, 'docker-compose.yml')})`), r.stderr);
      const { err } = await timed(monitoring(new Docker({ socketPath: sock }), path.join(dir, 'state'), empty).start());
      assert.ok(
        err instanceof StackError &&
          err.message.includes(`The stack folder ${empty} has no docker-compose.yml`) &&
          /answers/.test(err.message),
        String(err),
      );
    });
  });

  describe('a pull: the request has the deadline, the download as long as it reports progress', () => {
    let engine: http.Server;
    let sock: string;
    let silentAfterFirstLine = false;
    const open = new Set<net.Socket>();
    // Stands in for moby's routes as dockerode reaches them (api/server/router/image/image_routes.go: an absent
    // image's inspect is 404; POST /images/create answers 200 at once, then streams JSON progress messages).
    beforeEach(async () => {
      silentAfterFirstLine = false;
      engine = http.createServer((req, res) => {
        const url = req.url ?? '';
        if (url.endsWith('/_ping')) return void res.end('OK');
        if (url.startsWith('/containers/json')) return void res.writeHead(200, { 'Content-Type': 'application/json' }).end('[]');
        if (url.startsWith('/images/local/x:1/json'))
          return void res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"message":"No such image: local/x:1"}');
        if (url.startsWith('/images/create')) {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.write('{"status":"Pulling from local/x","id":"1"}\r\n');
          if (silentAfterFirstLine) return;
          let n = 0;
          const tick = setInterval(() => {
            res.write(`{"status":"Downloading","progressDetail":{"current":${++n},"total":15},"id":"abc"}\r\n`);
            if (n === 15) {
              clearInterval(tick);
              res.end('{"status":"Status: Downloaded newer image for local/x:1"}\r\n');
            }
          }, 100);
          res.on('close', () => clearInterval(tick));
        }
      });
      engine.on('connection', (c: net.Socket) => {
        open.add(c);
        c.on('close', () => open.delete(c));
      });
      sock = path.join(dir, 'docker.sock');
      await new Promise<void>((resolve) => engine.listen(sock, resolve));
    });
    afterEach(() => closeNow(engine));

    const plan = {
      project: 't',
      network: { name: 't_default', labels: {} },
      volumes: [],
      services: [{ service: 'x', containerName: 't-x', image: 'local/x:1', dependsOn: [], ports: [], create: {} }],
    };
    const manager = (): StackManager =>
      new StackManager({ docker: new Docker({ socketPath: sock }), engineDeadlines: { pingMs: 500, callMs: 500 }, pullStallMs: 500 });

    it('a pull three times longer than the request deadline completes while progress comes', async () => {
      const { err, ms } = await timed(manager().preflight(plan, 'missing'));
      assert.equal(err, undefined, String(err));
      assert.ok(ms >= 1400, `the pull took ${ms} ms`);
    });

    it('a pull whose progress stops fails after the stall deadline, naming the image and the engine, socket closed', async () => {
      silentAfterFirstLine = true;
      const { err, ms } = await timed(manager().preflight(plan, 'missing'));
      assert.ok(err instanceof StackError, String(err));
      assert.match(
        err.message,
        new RegExp(`Cannot pull local/x:1 \\(x\\): no progress from the Docker Engine at unix://.*docker\\.sock for 0\\.5 s`),
      );
      assert.ok(ms < 2000, `took ${ms} ms`);
      await until(() => (open.size === 0 ? true : undefined));
    });
  });

  it('a Grafana password file others can read (0644) is made 0600 with a warning naming it, and still used', async () => {
    const file = path.join(home, 'config', 'optivolt', 'grafana-password');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'kept-password\n');
    fs.chmodSync(file, 0o644);
    // No engine at all: the password is read before Docker is asked anything.
    const r = await cli(
      ['up', '--power-exporter', 'scaphandre', '--engine-timeout', '1'],
      cliEnv(`unix://${path.join(dir, 'absent.sock')}`),
    );
    assert.equal(r.status, 1, r.stderr);
    assert.ok(r.stderr.includes(`the Grafana password file ${file} was readable by others (mode 0644); it is now 0600`), r.stderr);
    assert.match(r.stderr, /Docker is not reachable: no Docker Engine answers at unix:\/\//);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(fs.readFileSync(file, 'utf8'), 'kept-password\n');
    // Private already: not a word.
    const again = await cli(
      ['up', '--power-exporter', 'scaphandre', '--engine-timeout', '1'],
      cliEnv(`unix://${path.join(dir, 'absent.sock')}`),
    );
    assert.doesNotMatch(again.stderr, /Grafana password file/);
  });
});

// Issue 20, the exporter's share: secrets redacted from the cmdline label (per argv element, before Scaphandre's
// no-separator join), no bind to every interface by accident, bounded connections and timeouts, EMFILE named as
// such, and a failing source said once rather than every second.
import { strict as assert } from 'node:assert';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { bindWarning, defaultLimits, Exporter, ExporterError, ExporterLimits, isLoopback } from '../../src/core/exporter/exporter';
import { fdExhaustion } from '../../src/core/exporter/fdLimit';
import { isSecretName, REDACTED, redactArgv } from '../../src/core/exporter/redactCmdline';
import { OptiVoltSettings, readSettings } from '../../src/core/settings';
import { PowercapTree } from '../fixtures/powercapTree';
import { until } from '../fixtures/until';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');

function settingsWith(overrides: Partial<Record<keyof OptiVoltSettings, unknown>>): OptiVoltSettings {
  const r = readSettings((k) => overrides[k]);
  assert.deepEqual(r.problems, []);
  return r.settings;
}

function get(port: number, urlPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error(`GET ${urlPath} timed out`)));
  });
}

/** A raw connection; `closed` settles when the server ends it (with whatever it sent). */
function openSocket(port: number, send?: string): { sock: net.Socket; connected: Promise<void>; closed: Promise<string> } {
  const sock = net.connect(port, '127.0.0.1');
  let got = '';
  sock.setEncoding('latin1').on('data', (d: string) => (got += d));
  sock.on('error', () => undefined);
  const connected = new Promise<void>((r) => sock.once('connect', () => r()));
  const closed = new Promise<string>((r) => sock.once('close', () => r(got)));
  if (send) void connected.then(() => sock.write(send));
  return { sock, connected, closed };
}

function within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms).unref())]);
}

function runCli(args: string[], shellPrefix?: string): { child: ChildProcess; err: () => string; exited: Promise<number | null> } {
  const child = shellPrefix
    ? spawn('bash', ['-c', `${shellPrefix} && exec "$0" "$@"`, process.execPath, CLI, 'exporter', ...args])
    : spawn(process.execPath, [CLI, 'exporter', ...args]);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { child, err: () => stderr, exited };
}

const servingPort = (stderr: string): number | undefined => {
  const m = /exporter serving http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(stderr);
  return m ? Number(m[1]) : undefined;
};

// ---------- secrets in the cmdline label ----------

describe('exporter: secrets redacted from the cmdline label', function () {
  this.timeout(15000);

  it('names that hold secrets, and names that do not', () => {
    for (const n of [
      '--password',
      '--db-password',
      '--grafana-token',
      'GITHUB_TOKEN',
      'DB_PASSWD',
      '--client-secret',
      '--api-key',
      '--apikey',
      'AWS_SECRET_ACCESS_KEY',
      '--access-key',
      '--private-key',
      '--credentials',
      '--auth',
      'x-auth',
      'Authorization:',
      '-Dspring.datasource.password',
      'MYSQL_PWD',
      '--bearer',
      '--passphrase',
    ]) {
      assert.ok(isSecretName(n), n);
    }
    for (const n of ['--port', '--author', '--passes', '--no-auth', '--key-file-format', '--id', 'PATH']) assert.ok(!isSecretName(n), n);
  });

  it('per argv element: --flag=value, --flag VALUE, env style, headers, URL credentials, sh -c strings', () => {
    const r = (argv: string[]): string[] => redactArgv(argv);
    assert.deepEqual(r(['node', 'app.js', '--db-password=hunter2', '--port=3000']), [
      'node',
      'app.js',
      `--db-password=${REDACTED}`,
      '--port=3000',
    ]);
    assert.deepEqual(r(['grafana', '--grafana-token', 'glsa_abc', '--port', '3000']), [
      'grafana',
      '--grafana-token',
      REDACTED,
      '--port',
      '3000',
    ]);
    // A secret flag followed by another flag has no value to hide (a boolean flag).
    assert.deepEqual(r(['x', '--auth', '--verbose']), ['x', '--auth', '--verbose']);
    assert.deepEqual(r(['env', 'DB_PASSWORD=s3cret', 'PATH=/bin', 'app']), ['env', `DB_PASSWORD=${REDACTED}`, 'PATH=/bin', 'app']);
    assert.deepEqual(r(['curl', '-H', 'Authorization: Bearer eyJabc', 'https://x']), [
      'curl',
      '-H',
      `Authorization: Bearer ${REDACTED}`,
      'https://x',
    ]);
    assert.deepEqual(r(['curl', '-H', 'X-Api-Key: k123']), ['curl', '-H', `X-Api-Key: ${REDACTED}`]);
    assert.deepEqual(r(['psql', 'postgres://app:pa55@db:5432/x']), ['psql', `postgres://app:${REDACTED}@db:5432/x`]);
    assert.deepEqual(r(['wget', 'https://h/p?a=1&access_token=zzz']), ['wget', `https://h/p?a=1&access_token=${REDACTED}`]);
    assert.deepEqual(r(['sh', '-c', 'mysql --password x -e "select 1"']), ['sh', '-c', `mysql --password ${REDACTED} -e "select 1"`]);
    assert.deepEqual(r(['java', '-Dspring.datasource.password=pw', '-jar', 'a.jar']), [
      'java',
      `-Dspring.datasource.password=${REDACTED}`,
      '-jar',
      'a.jar',
    ]);
    // Nothing secret: unchanged, so the label still tells processes apart.
    const plain = ['node', 'server.js', '--port', '3000', 'a=b', 'https://example.org/x?y=1'];
    assert.deepEqual(r(plain), plain);
    // After the no-separator join the secret could not be found any more: that is why it is done per element.
    assert.equal(r(['app', '--token', 'abc', '--x']).join(''), `app--token${REDACTED}--x`);
  });

  describe('over HTTP, with a real process holding secrets in its argv', () => {
    let child: ChildProcess;
    const exporters: Exporter[] = [];
    before(async () => {
      child = spawn(
        process.execPath,
        ['-e', 'setInterval(() => {}, 1e6)', '--', '--db-password=hunter2', '--grafana-token', 'glsa_tok3n', '--port=3000'],
        { stdio: 'ignore' },
      );
      await new Promise((r) => child.once('spawn', r));
    });
    after(async () => {
      child.kill('SIGKILL');
      for (const e of exporters) await e.stop();
    });

    async function labelOf(redactCmdline: boolean | undefined): Promise<string> {
      const e = new Exporter({
        bind: '127.0.0.1',
        port: 0,
        top: 0,
        settings: settingsWith({ 'power.source': 'estimate', refreshInterval: 500 }),
        ...(redactCmdline === undefined ? {} : { redactCmdline }),
      });
      exporters.push(e);
      const port = Number(new URL(await e.start()).port);
      let last = '';
      return until(
        10000,
        async () => {
          last = await get(port, '/metrics');
          return new RegExp(`^scaph_process_cpu_usage_percentage\\{[^}]*pid="${child.pid}"[^}]*cmdline="([^"]*)"`, 'm').exec(last)?.[1];
        },
        () => last.slice(0, 2000),
      );
    }

    it('by default (as the monitoring stack constructs it, without the option) the values read <redacted>', async () => {
      const label = await labelOf(undefined);
      assert.doesNotMatch(label, /hunter2|glsa_tok3n/);
      assert.ok(label.includes(`--db-password=${REDACTED}--grafana-token${REDACTED}--port=3000`), label);
    });

    it('redactCmdline: false publishes the command line as Scaphandre does', async () => {
      const label = await labelOf(false);
      assert.ok(label.includes('--db-password=hunter2--grafana-tokenglsa_tok3n--port=3000'), label);
    });
  });
});

// ---------- bind address ----------

describe('exporter: bind address', function () {
  this.timeout(10000);

  it('an empty bind is refused by Exporter.start (Node would listen on every interface)', async () => {
    for (const bind of ['', '  ']) {
      const e = new Exporter({ bind, port: 0, top: 1, settings: settingsWith({ 'power.source': 'estimate' }) });
      try {
        await assert.rejects(e.start(), (err: unknown) => err instanceof ExporterError && /every interface/.test(err.message));
      } finally {
        await e.stop();
      }
    }
  });

  it("CLI: --bind '' exits 2 with one line naming the problem, and listens nowhere", () => {
    const r = spawnSync(process.execPath, [CLI, 'exporter', '--bind', '', '--port', '0'], { encoding: 'utf8', timeout: 5000 });
    assert.equal(r.status, 2, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^optivolt: .*--bind.*every interface/);
  });

  it('non-loopback addresses get a warning; loopback ones do not', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost']) {
      assert.ok(isLoopback(a), a);
      assert.equal(bindWarning(a), undefined, a);
    }
    assert.match(String(bindWarning('0.0.0.0')), /^warning: listening on every interface: .*command line/);
    assert.match(String(bindWarning('::')), /every interface/);
    assert.match(String(bindWarning('172.17.0.1')), /^warning: listening on 172\.17\.0\.1:/);
  });
});

// ---------- connections and timeouts ----------

describe('exporter: connection limit and timeouts', function () {
  this.timeout(15000);
  let e: Exporter | undefined;
  afterEach(async () => {
    await e?.stop();
    e = undefined;
  });

  async function started(limits: Partial<ExporterLimits>, log?: (m: string) => void): Promise<number> {
    e = new Exporter({ bind: '127.0.0.1', port: 0, top: 1, settings: settingsWith({ 'power.source': 'estimate' }), limits, log });
    return Number(new URL(await e.start()).port);
  }

  it('has finite defaults: connections bounded by the fd limit, headers/request/keep-alive/idle timeouts', () => {
    const d = defaultLimits();
    assert.ok(d.maxConnections >= 8 && d.maxConnections <= 512, String(d.maxConnections));
    for (const v of [d.headersTimeoutMs, d.requestTimeoutMs, d.keepAliveTimeoutMs, d.idleTimeoutMs])
      assert.ok(v > 0 && v <= 60_000, String(v));
    assert.equal(defaultLimits(64).maxConnections, 16, 'a quarter of a small fd limit');
    assert.equal(defaultLimits(1_048_576).maxConnections, 512);
  });

  it('an idle connection is closed after idleTimeoutMs', async () => {
    const port = await started({ idleTimeoutMs: 300 });
    const s = openSocket(port);
    await s.connected;
    await within(5000, s.closed, 'idle socket closed by the exporter');
  });

  it('a client that never finishes its headers (slowloris) is cut off after headersTimeoutMs', async () => {
    const port = await started({ headersTimeoutMs: 400, requestTimeoutMs: 400 });
    const s = openSocket(port, 'GET /metrics HTTP/1.1\r\nHost: x\r\n');
    await s.connected;
    const got = await within(5000, s.closed, 'slow client cut off');
    assert.ok(got === '' || /^HTTP\/1\.1 408/.test(got), got);
  });

  it('connections beyond maxConnections are closed at once, and /metrics still answers once they go', async () => {
    const port = await started({ maxConnections: 2 });
    const held = [openSocket(port), openSocket(port)];
    await Promise.all(held.map((h) => h.connected));
    // The server counts a connection once it has accepted it: wait until both held ones are counted.
    const server = (e as unknown as { server: http.Server }).server;
    await until(
      3000,
      () => new Promise<true | undefined>((r) => server.getConnections((_err, n) => r(n >= 2 ? true : undefined))),
      () => 'two connections',
    );
    const third = openSocket(port, 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n');
    const got = await within(5000, third.closed, 'third connection closed');
    assert.equal(got, '', 'nothing served beyond the limit');
    for (const h of held) h.sock.destroy();
    await Promise.all(held.map((h) => h.closed));
    await until(
      3000,
      async () => ((await get(port, '/metrics').catch(() => '')).includes('# HELP') ? true : undefined),
      () => 'metrics after the held connections closed',
    );
  });

  it('accept() failing with EMFILE is said, once, naming EMFILE, and does not crash the exporter', async () => {
    const logs: string[] = [];
    const port = await started({}, (m) => logs.push(m));
    const server = (e as unknown as { server: http.Server }).server;
    // What Node's net server emits when libuv's accept() fails at the fd limit (lib/net.js onconnection).
    for (let i = 0; i < 3; i++) server.emit('error', Object.assign(new Error('accept EMFILE'), { code: 'EMFILE', syscall: 'accept' }));
    const said = logs.filter((l) => /EMFILE/.test(l));
    assert.equal(said.length, 1, logs.join('\n'));
    assert.match(said[0], /out of file descriptors \(EMFILE/);
    assert.ok((await get(port, '/metrics')).includes('# HELP'), 'still serving');
  });

  it('fdExhaustion() is undefined while descriptors are available', () => {
    assert.equal(fdExhaustion(), undefined);
  });
});

// ---------- the CLI under faults ----------

describe('CLI: optivolt exporter under faults (dist/cli.js)', function () {
  this.timeout(20000);
  before(function () {
    assert.ok(fs.existsSync(CLI), `${CLI} missing: run node scripts/build.mjs first`);
  });

  it('at the fd limit the error names EMFILE, not only /proc/stat', async function () {
    if (process.platform !== 'linux') this.skip();
    // 48 descriptors and a connection limit far above them: the clients exhaust the process's descriptors.
    const run = runCli(['--port', '0', '--source', 'estimate', '--interval', '500', '--max-connections', '1000'], 'ulimit -n 48');
    const socks: net.Socket[] = [];
    try {
      const port = await until(5000, () => servingPort(run.err()), run.err);
      for (let i = 0; i < 80; i++) socks.push(openSocket(port).sock);
      await until(8000, () => (/EMFILE/.test(run.err()) ? true : undefined), run.err);
      for (const line of run
        .err()
        .split('\n')
        .filter((l) => /proc\/stat/.test(l)))
        assert.match(line, /out of file descriptors \(EMFILE, limit 48\)/, run.err());
    } finally {
      for (const s of socks) s.destroy();
      run.child.kill('SIGKILL');
      await run.exited;
    }
  });

  it('a failing source is reported once, not every second', async () => {
    const tree = PowercapTree.create([{ id: 'intel-rapl:0', name: 'package-0', energyUj: 0 }]);
    tree.setEnergy('intel-rapl:0', 'garbage');
    const run = runCli(['--port', '0', '--source', 'rapl', '--powercap-root', tree.root, '--interval', '500']);
    try {
      await until(10000, () => (/no power source:/.test(run.err()) ? true : undefined), run.err);
      const first = Date.now();
      // Absence of repeats can only be seen over time: three of the CLI's one-second status ticks.
      await until(5000, () => (Date.now() - first > 3200 ? true : undefined), run.err);
      const lines = run
        .err()
        .split('\n')
        .filter((l) => /no power source:/.test(l));
      assert.equal(lines.length, 1, run.err());
    } finally {
      run.child.kill('SIGKILL');
      await run.exited;
      tree.dispose();
    }
  });
});

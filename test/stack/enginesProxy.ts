// A real nginx (Debian's, provisioned by test/harness/provision-nginx.sh) as a plain process with its config, logs
// and temp paths in a temp folder, in front of real engines the way a team exposes its Prometheus: a bearer token,
// basic auth (htpasswd with a {SHA} hash, which nginx's ngx_crypt accepts), a required tenant header routed per
// tenant as Mimir does, TLS with a CA generated here by the openssl CLI, and answers 429/503 for the retry tests.
// Every request is in access.log, one line each: the tests count them.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stopChild } from './localServer';
import { eventually, freePort } from './prometheusProcess';

export const TOKEN = 'tok-3f9c2a71e0b84d5c';
export const BASIC_USER = 'ci';
export const BASIC_PASSWORD = 'b@sic:pw-91';

export interface ProxyPorts {
  readonly bearer: number;
  readonly basic: number;
  readonly tenant: number;
  readonly tls: number;
  readonly busy: number;
  readonly limited: number;
  readonly slowLimited: number;
}

export interface ProxyUpstreams {
  /** The engine every authenticated server proxies to. */
  readonly main: string;
  /** The engine of tenant "team-empty" (no OptiVolt series there). */
  readonly emptyTenant: string;
  /** The engine of tenant "team-vm" (VictoriaMetrics). */
  readonly vmTenant: string;
}

export class EnginesProxy {
  private constructor(
    readonly dir: string,
    readonly ports: ProxyPorts,
    readonly caFile: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(up: ProxyUpstreams, bin = process.env.NGINX_BIN): Promise<EnginesProxy> {
    if (!bin) throw new Error('NGINX_BIN is not set (run through test/harness/runTier.js stack)');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-nginx-'));
    const ports: ProxyPorts = {
      bearer: await freePort(),
      basic: await freePort(),
      tenant: await freePort(),
      tls: await freePort(),
      busy: await freePort(),
      limited: await freePort(),
      slowLimited: await freePort(),
    };
    const caFile = makeCertificates(dir);
    const sha = crypto.createHash('sha1').update(BASIC_PASSWORD).digest('base64');
    fs.writeFileSync(path.join(dir, 'htpasswd'), `${BASIC_USER}:{SHA}${sha}\n`);
    const strip = 'proxy_set_header Authorization "";';
    const bearer = `if ($http_authorization != "Bearer ${TOKEN}") { return 401; }`;
    const host = (u: string): string => new URL(u).host;
    fs.writeFileSync(
      path.join(dir, 'nginx.conf'),
      `daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 64; }
http {
  log_format counted '$server_port $status $request_uri';
  access_log ${dir}/access.log counted;
  client_body_temp_path ${dir}/tmp-body; proxy_temp_path ${dir}/tmp-proxy; fastcgi_temp_path ${dir}/tmp-fcgi;
  uwsgi_temp_path ${dir}/tmp-uwsgi; scgi_temp_path ${dir}/tmp-scgi;
  map $http_x_scope_orgid $tenant_upstream { team-a ${host(up.main)}; team-empty ${host(up.emptyTenant)}; team-vm ${host(up.vmTenant)}; default ""; }
  server { listen 127.0.0.1:${ports.bearer}; location / { ${bearer} ${strip} proxy_pass ${up.main}; } }
  server {
    listen 127.0.0.1:${ports.basic};
    location / { auth_basic "prometheus"; auth_basic_user_file ${dir}/htpasswd; ${strip} proxy_pass ${up.main}; }
  }
  server {
    listen 127.0.0.1:${ports.tenant};
    location / { if ($tenant_upstream = "") { return 401; } proxy_pass http://$tenant_upstream; }
  }
  server {
    listen 127.0.0.1:${ports.tls} ssl;
    ssl_certificate ${dir}/server.crt; ssl_certificate_key ${dir}/server.key;
    location / { ${bearer} ${strip} proxy_pass ${up.main}; }
  }
  server { listen 127.0.0.1:${ports.busy}; location / { return 503; } }
  server { listen 127.0.0.1:${ports.limited}; location / { add_header Retry-After 1 always; return 429; } }
  server { listen 127.0.0.1:${ports.slowLimited}; location / { add_header Retry-After 120 always; return 429; } }
}
`,
    );
    const log = fs.openSync(path.join(dir, 'nginx.out'), 'w');
    const child = spawn(bin, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')], { stdio: ['ignore', log, log] });
    const proxy = new EnginesProxy(dir, ports, caFile, child);
    await eventually(`nginx listening (${dir}/error.log)`, async () => {
      if (child.exitCode !== null) throw new Error(`nginx exited: ${fs.readFileSync(path.join(dir, 'error.log'), 'utf8').slice(-600)}`);
      return (await fetch(`http://127.0.0.1:${ports.busy}/`)).status === 503;
    });
    return proxy;
  }

  /** Requests nginx has answered on `port` so far (access.log: one "port status uri" line per request). */
  requestsTo(port: number): number {
    const file = path.join(this.dir, 'access.log');
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    return text.split('\n').filter((l) => l.startsWith(`${port} `)).length;
  }

  async stop(): Promise<void> {
    await stopChild(this.child);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A CA, and a server certificate for 127.0.0.1 it signs (openssl CLI: node:crypto cannot sign certificates). */
function makeCertificates(dir: string): string {
  const run = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=OptiVolt test CA');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  fs.writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.ext');
  return path.join(dir, 'ca.crt');
}

// planStack against the real stack/docker-compose.yml and small inline compose files: no Docker needed.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDuration, planStack, ServicePlan, splitCommand, StackError, StackOptions, StackPlan } from '../../src/core/stack/composePlan';

const stackDir = path.resolve(__dirname, '../../../stack');
const composeText = fs.readFileSync(path.join(stackDir, 'docker-compose.yml'), 'utf8');
const env = { OPTIVOLT_GRAFANA_PASSWORD: 'x' };

const plan = (opts: Partial<StackOptions> = {}): StackPlan => planStack(composeText, { stackDir, env, ...opts });
const svc = (p: StackPlan, name: string): ServicePlan => {
  const s = p.services.find((x) => x.service === name);
  assert.ok(s, `no service ${name}`);
  return s;
};
const inline = (text: string, opts: Partial<StackOptions> = {}): StackPlan => planStack(text, { stackDir: '/stack', env: {}, ...opts });
const throwsStack = (fn: () => unknown, re: RegExp): void => {
  assert.throws(fn, (err: unknown) => err instanceof StackError && re.test(err.message));
};

describe('composePlan', () => {
  describe('the real stack/docker-compose.yml', () => {
    it('plans five services, each after the services it depends on', () => {
      const p = plan();
      const order = p.services.map((s) => s.service);
      assert.deepEqual([...order].sort(), ['cadvisor', 'grafana', 'node-exporter', 'prometheus', 'scaphandre']);
      for (const s of p.services)
        for (const d of s.dependsOn) assert.ok(order.indexOf(d) < order.indexOf(s.service), `${d} before ${s.service}`);
      assert.deepEqual([...svc(p, 'prometheus').dependsOn].sort(), ['cadvisor', 'node-exporter', 'scaphandre']);
      assert.deepEqual(svc(p, 'grafana').dependsOn, ['prometheus']);
      assert.equal(p.project, 'optivolt');
      assert.equal(p.network.name, 'optivolt');
      assert.equal(svc(p, 'grafana').containerName, 'optivolt-grafana');
      assert.equal(svc(p, 'grafana').create.name, 'optivolt-grafana');
      assert.deepEqual(svc(p, 'grafana').create.NetworkingConfig, { EndpointsConfig: { optivolt: { Aliases: ['grafana'] } } });
    });

    it('binds every published port to 127.0.0.1, or to opts.bind', () => {
      for (const [p, want] of [
        [plan(), '127.0.0.1'],
        [plan({ bind: '10.0.0.5' }), '10.0.0.5'],
      ] as const) {
        for (const s of p.services) {
          for (const b of Object.values(s.create.HostConfig?.PortBindings ?? {}) as Array<Array<{ HostIp: string }>>) {
            for (const x of b) assert.equal(x.HostIp, want);
          }
          for (const port of s.ports) assert.equal(port.hostIp, want);
        }
      }
      assert.deepEqual(svc(plan(), 'cadvisor').ports, [{ hostIp: '127.0.0.1', hostPort: 8081, containerPort: 8080, protocol: 'tcp' }]);
      assert.deepEqual(svc(plan(), 'cadvisor').create.HostConfig?.PortBindings, {
        '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '8081' }],
      });
      assert.deepEqual(svc(plan(), 'cadvisor').create.ExposedPorts, { '8080/tcp': {} });
    });

    it('refuses a missing OPTIVOLT_GRAFANA_PASSWORD, naming the variable and the service', () => {
      throwsStack(() => plan({ env: {} }), /OPTIVOLT_GRAFANA_PASSWORD.*grafana/);
      throwsStack(() => plan({ env: { OPTIVOLT_GRAFANA_PASSWORD: '' } }), /^Set OPTIVOLT_GRAFANA_PASSWORD: /);
      // ...but not when Grafana is not started.
      assert.equal(plan({ env: {}, services: ['prometheus'] }).services.length, 1);
    });

    it('interpolates environment and command, with defaults and $$', () => {
      const g = svc(plan(), 'grafana');
      assert.ok(g.create.Env?.includes('GF_SECURITY_ADMIN_PASSWORD=x'));
      assert.ok(g.create.Env?.includes('GF_AUTH_ANONYMOUS_ORG_ROLE=Viewer'));
      const cmd = svc(plan({ env: { ...env, OPTIVOLT_RETENTION_SIZE: '50GB' } }), 'prometheus').create.Cmd;
      assert.ok(cmd?.includes('--storage.tsdb.retention.time=30d'));
      assert.ok(cmd?.includes('--storage.tsdb.retention.size=50GB'));
      assert.ok(
        svc(plan(), 'node-exporter').create.Cmd?.includes(
          '--collector.filesystem.mount-points-exclude=^/(dev|proc|sys|run|var/lib/docker/.+)($|/)',
        ),
      );
      assert.deepEqual(svc(plan(), 'scaphandre').create.Cmd, ['prometheus', '--containers']);
    });

    it('applies image, port and services overrides', () => {
      const p = plan({ images: { grafana: 'grafana/grafana:12.0.0' }, ports: { grafana: 3300 }, services: ['prometheus', 'grafana'] });
      assert.deepEqual(
        p.services.map((s) => s.service),
        ['prometheus', 'grafana'],
      );
      assert.equal(svc(p, 'grafana').image, 'grafana/grafana:12.0.0');
      assert.equal(svc(p, 'grafana').create.Image, 'grafana/grafana:12.0.0');
      assert.equal(svc(p, 'grafana').ports[0].hostPort, 3300);
      assert.deepEqual(svc(p, 'grafana').create.HostConfig?.PortBindings, { '3000/tcp': [{ HostIp: '127.0.0.1', HostPort: '3300' }] });
      assert.deepEqual(svc(p, 'prometheus').dependsOn, []);
      throwsStack(() => plan({ services: ['grafana', 'nope'] }), /"nope".*scaphandre.*grafana/);
      throwsStack(() => plan({ images: { nope: 'x' } }), /"nope"/);
      throwsStack(() => plan({ ports: { nope: 1 } }), /"nope"/);
      throwsStack(() => plan({ ports: { grafana: 70000 } }), /grafana/);
      throwsStack(() => plan({ ports: { grafana: 9090 } }), /9090.*prometheus.*grafana|9090.*grafana.*prometheus/);
    });

    it('resolves relative binds against stackDir, swaps a replaced bind and appends extra binds', () => {
      const prom = svc(plan(), 'prometheus');
      assert.deepEqual(prom.create.HostConfig?.Binds, [
        `${stackDir}/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro`,
        `${stackDir}/prometheus/alerts:/etc/prometheus/alerts:ro`,
      ]);
      const p = plan({
        replaceBinds: { prometheus: { '/etc/prometheus/prometheus.yml': '/tmp/gen/prometheus.yml' } },
        extraBinds: { prometheus: ['/tmp/rules:/etc/prometheus/extra:ro'] },
      });
      assert.deepEqual(svc(p, 'prometheus').create.HostConfig?.Binds, [
        '/tmp/gen/prometheus.yml:/etc/prometheus/prometheus.yml:ro',
        `${stackDir}/prometheus/alerts:/etc/prometheus/alerts:ro`,
        '/tmp/rules:/etc/prometheus/extra:ro',
      ]);
      throwsStack(() => plan({ replaceBinds: { prometheus: { '/nope': '/tmp/x' } } }), /prometheus.*\/nope/);
      assert.ok(svc(plan(), 'node-exporter').create.HostConfig?.Binds?.includes('/:/rootfs:ro,rslave'));
    });

    it('labels containers, the network and the volumes', () => {
      const p = plan({ project: 'ovtest' });
      const labels = svc(p, 'cadvisor').create.Labels;
      assert.equal(labels?.['com.optivolt.stack'], 'true');
      assert.equal(labels?.['com.optivolt.service'], 'cadvisor');
      assert.equal(labels?.['com.optivolt.project'], 'ovtest');
      assert.deepEqual(p.network.labels, { 'com.optivolt.stack': 'true', 'com.optivolt.project': 'ovtest' });
      for (const v of p.volumes) assert.deepEqual(v.labels, { 'com.optivolt.stack': 'true', 'com.optivolt.project': 'ovtest' });
    });

    it('plans only the volumes of enabled services (`--services prometheus` makes no Grafana volume)', () => {
      assert.deepEqual(
        plan({ services: ['prometheus'] }).volumes.map((v) => v.name),
        ['optivolt-prometheus-data'],
      );
      assert.deepEqual(plan({ services: ['node-exporter'] }).volumes, []);
    });

    it('turns named volumes into Mounts with the compose `name:`', () => {
      const p = plan();
      assert.deepEqual(
        p.volumes.map((v) => v.name),
        ['optivolt-prometheus-data', 'optivolt-grafana-data'],
      );
      assert.deepEqual(svc(p, 'grafana').create.HostConfig?.Mounts, [
        { Type: 'volume', Source: 'optivolt-grafana-data', Target: '/var/lib/grafana', ReadOnly: false },
      ]);
      assert.deepEqual(svc(p, 'prometheus').create.HostConfig?.Mounts, [
        { Type: 'volume', Source: 'optivolt-prometheus-data', Target: '/prometheus', ReadOnly: false },
      ]);
    });

    it('runs Scaphandre as upstream does by default: privileged, host /proc bound writable over /proc', () => {
      const h = svc(plan(), 'scaphandre').create.HostConfig;
      assert.equal(h?.Privileged, true);
      // Not /proc:/proc:ro: runc writes the AppArmor exec attribute through the container's /proc.
      assert.deepEqual(h?.Binds, [
        '/proc:/proc',
        '/sys/class/powercap:/sys/class/powercap:ro',
        '/var/run/docker.sock:/var/run/docker.sock:ro',
      ]);
      for (const key of ['CapDrop', 'CapAdd', 'SecurityOpt', 'MaskedPaths', 'ReadonlyPaths', 'ReadonlyRootfs'] as const)
        assert.equal(h?.[key], undefined, key);
      assert.deepEqual(h?.RestartPolicy, { Name: 'unless-stopped' });
      for (const s of plan().services) if (s.service !== 'scaphandre') assert.notEqual(s.create.HostConfig?.Privileged, true, s.service);
      assert.equal(svc(plan(), 'grafana').create.HostConfig?.MaskedPaths, undefined);
      assert.deepEqual(svc(plan(), 'prometheus').create.HostConfig?.ExtraHosts, ['host.docker.internal:host-gateway']);
    });

    it('plans Scaphandre’s restricted variant on request: no privileges, SYS_PTRACE only, AppArmor unconfined, same mounts', () => {
      const h = svc(plan({ restricted: ['scaphandre'] }), 'scaphandre').create.HostConfig;
      assert.equal(h?.Privileged, undefined);
      assert.deepEqual(h?.CapDrop, ['ALL']);
      assert.deepEqual(h?.CapAdd, ['SYS_PTRACE']);
      assert.deepEqual(h?.SecurityOpt, ['no-new-privileges:true', 'apparmor=unconfined']);
      // systempaths=unconfined, as the Engine API spells it: /sys/devices/virtual/powercap unmasked.
      assert.deepEqual(h?.MaskedPaths, []);
      assert.deepEqual(h?.ReadonlyPaths, []);
      assert.equal(h?.ReadonlyRootfs, true);
      assert.deepEqual(h?.Binds, svc(plan(), 'scaphandre').create.HostConfig?.Binds);
      assert.deepEqual(svc(plan({ restricted: ['scaphandre'] }), 'prometheus'), svc(plan(), 'prometheus'));
      throwsStack(() => plan({ restricted: ['grafana'] }), /grafana.*x-optivolt-restricted/);
      throwsStack(() => plan({ restricted: ['nope'] }), /Unknown service "nope" in the restricted services/);
    });

    it('converts healthcheck durations to nanoseconds', () => {
      assert.deepEqual(svc(plan(), 'prometheus').create.Healthcheck, {
        Test: ['CMD', 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:9090/-/ready'],
        Interval: 30e9,
        Timeout: 5e9,
        StartPeriod: 20e9,
        Retries: 3,
      });
      assert.equal(svc(plan(), 'scaphandre').create.Healthcheck, undefined);
    });
  });

  describe('inline compose files', () => {
    it('interpolates $$, ${V}, ${V:-d}, ${V-d} and ${V:?msg}', () => {
      const text = `
services:
  a:
    image: "img:\${TAG:-latest}"
    environment:
      - LIT=$$HOME
      - SET=\${SET}
      - MISSING=\${NOPE}
      - DASH=\${EMPTY-dflt}
      - COLON=\${EMPTY:-dflt}
      - UNSET=\${NOPE-dflt}
      - REQ=\${REQ:?give me REQ}
`;
      const a = inline(text, { env: { SET: 's', EMPTY: '', REQ: 'r' } }).services[0];
      assert.equal(a.image, 'img:latest');
      assert.deepEqual(a.create.Env, ['LIT=$HOME', 'SET=s', 'MISSING=', 'DASH=', 'COLON=dflt', 'UNSET=dflt', 'REQ=r']);
      throwsStack(() => inline(text, { env: { REQ: '' } }), /^Set REQ: give me REQ.*service "a"/);
      assert.equal(inline(text, { env: { TAG: '1.2', REQ: 'r' } }).services[0].image, 'img:1.2');
    });

    it('accepts map and list forms of environment, labels and depends_on', () => {
      const p = inline(
        `
services:
  a:
    image: a
    environment: { X: 1, Y: "two", FROM_ENV: }
    labels: { l1: v1 }
  b:
    image: b
    environment: [X=1, Y=two, FROM_ENV]
    labels: [l1=v1]
    depends_on: [a]
  c:
    image: c
    depends_on:
      b: { condition: service_healthy }
`,
        { env: { FROM_ENV: 'e' } },
      );
      assert.deepEqual(
        p.services.map((s) => s.service),
        ['a', 'b', 'c'],
      );
      assert.deepEqual(svc(p, 'a').create.Env, svc(p, 'b').create.Env);
      assert.deepEqual(svc(p, 'a').create.Env, ['X=1', 'Y=two', 'FROM_ENV=e']);
      assert.equal(svc(p, 'b').create.Labels?.l1, 'v1');
      assert.equal(svc(p, 'a').create.Labels?.l1, 'v1');
      assert.deepEqual(svc(p, 'b').dependsOn, ['a']);
      assert.deepEqual(svc(p, 'c').dependsOn, ['b']);
      assert.equal(p.network.name, 'optivolt_default');
      assert.equal(svc(p, 'a').containerName, 'optivolt-a');
    });

    it('orders services topologically whatever the file order', () => {
      const p = inline(
        'services:\n  web: { image: w, depends_on: [db] }\n  db: { image: d, depends_on: [cache] }\n  cache: { image: c }\n',
      );
      assert.deepEqual(
        p.services.map((s) => s.service),
        ['cache', 'db', 'web'],
      );
    });

    it('parses short and long port syntax, always publishing on the bind address', () => {
      const p = inline(`
services:
  a:
    image: a
    ports:
      - "0.0.0.0:9090:9090"
      - "9091:9091"
      - "8081:8080/tcp"
      - "5353:53/udp"
      - target: 80
        published: "8000"
        host_ip: 0.0.0.0
        protocol: tcp
`);
      assert.deepEqual(p.services[0].ports, [
        { hostIp: '127.0.0.1', hostPort: 9090, containerPort: 9090, protocol: 'tcp' },
        { hostIp: '127.0.0.1', hostPort: 9091, containerPort: 9091, protocol: 'tcp' },
        { hostIp: '127.0.0.1', hostPort: 8081, containerPort: 8080, protocol: 'tcp' },
        { hostIp: '127.0.0.1', hostPort: 5353, containerPort: 53, protocol: 'udp' },
        { hostIp: '127.0.0.1', hostPort: 8000, containerPort: 80, protocol: 'tcp' },
      ]);
      assert.deepEqual(p.services[0].create.HostConfig?.PortBindings?.['53/udp'], [{ HostIp: '127.0.0.1', HostPort: '5353' }]);
      throwsStack(() => inline('services:\n  a: { image: a, ports: ["1:2"] }\n', { bind: '' }), /bind address/);
    });

    it('resolves relative binds, keeps absolute bind options, mounts named volumes', () => {
      const p = inline(`
name: demo
services:
  a:
    image: a
    volumes:
      - ./conf:/etc/conf:ro
      - ../up:/up
      - /abs:/in:ro,rslave
      - data:/data:ro
      - type: bind
        source: ./long
        target: /long
        read_only: true
volumes:
  data: {}
`);
      const h = p.services[0].create.HostConfig;
      assert.deepEqual(h?.Binds, ['/stack/conf:/etc/conf:ro', '/up:/up', '/abs:/in:ro,rslave', '/stack/long:/long:ro']);
      assert.deepEqual(h?.Mounts, [{ Type: 'volume', Source: 'demo_data', Target: '/data', ReadOnly: true }]);
      assert.equal(p.project, 'demo');
      assert.deepEqual(p.volumes, [{ name: 'demo_data', labels: { 'com.optivolt.stack': 'true', 'com.optivolt.project': 'demo' } }]);
      throwsStack(() => inline('services:\n  a: { image: a, volumes: ["undeclared:/x"] }\n'), /service "a".*"undeclared"/);
    });

    it('splits string commands like a shell and parses Go durations', () => {
      assert.deepEqual(splitCommand(`sh -c 'echo "a b"' "c d" e\\ f`, 'x'), ['sh', '-c', 'echo "a b"', 'c d', 'e f']);
      const p = inline(
        'services:\n  a:\n    image: a\n    command: run --flag "two words"\n    entrypoint: /bin/sh -c\n    healthcheck:\n      test: curl -f http://x/ || exit 1\n      interval: 1m30s\n      timeout: 1.5s\n',
      );
      assert.deepEqual(p.services[0].create.Cmd, ['run', '--flag', 'two words']);
      assert.deepEqual(p.services[0].create.Entrypoint, ['/bin/sh', '-c']);
      assert.deepEqual(p.services[0].create.Healthcheck, {
        Test: ['CMD-SHELL', 'curl -f http://x/ || exit 1'],
        Interval: 90e9,
        Timeout: 1.5e9,
      });
      assert.equal(parseDuration('250ms', 'x'), 250e6);
      throwsStack(() => parseDuration('10', 'here'), /"10".*here/);
    });

    it('refuses a dependency cycle', () => {
      throwsStack(
        () => inline('services:\n  a: { image: a, depends_on: [b] }\n  b: { image: b, depends_on: [a] }\n'),
        /cycle.*a -> b -> a/,
      );
    });

    it('refuses build:, network_mode and unsupported keys, naming the service and key', () => {
      throwsStack(() => inline('services:\n  app:\n    build: .\n'), /service "app".*`build`/);
      throwsStack(() => inline('services:\n  app: { image: a, network_mode: host }\n'), /service "app".*network_mode/);
      throwsStack(() => inline('services:\n  app: { image: a, devices: [/dev/kmsg] }\n'), /service "app".*`devices`/);
      throwsStack(() => inline('services:\n  app: { image: a, networks: [other] }\n'), /service "app".*"other"/);
      throwsStack(() => inline('services:\n  app: { image: a, depends_on: [ghost] }\n'), /service "app".*"ghost"/);
      // Harmless keys are accepted.
      const p = inline(
        'services:\n  app: { image: a, hostname: h, user: "1000", working_dir: /w, stop_grace_period: 20s, x-note: hi, logging: { driver: json-file } }\n',
      );
      assert.equal(p.services[0].create.Hostname, 'h');
      assert.equal(p.services[0].create.StopTimeout, 20);
    });

    it('maps extra_hosts as a map, pid: host and privileged', () => {
      const p = inline(
        'services:\n  a:\n    image: a\n    pid: host\n    privileged: true\n    extra_hosts: { host.docker.internal: host-gateway, db: 10.0.0.2 }\n',
      );
      const h = p.services[0].create.HostConfig;
      assert.deepEqual(h?.ExtraHosts, ['host.docker.internal:host-gateway', 'db:10.0.0.2']);
      assert.equal(h?.PidMode, 'host');
      assert.equal(h?.Privileged, true);
    });
  });
});

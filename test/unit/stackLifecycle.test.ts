// StackLifecycle.plan: the user's stack settings applied to stack/docker-compose.yml (no Docker needed to plan).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Docker from 'dockerode';
import { readSettings } from '../../src/core/settings';
import { choosePowerExporter, StackLifecycle, stackOptionsFrom } from '../../src/core/stack/stackLifecycle';
import { PowercapTree } from '../fixtures/powercapTree';
import { foreignGatewayHelp } from '../../src/core/stack/powerExporter';

const STACK = path.resolve(__dirname, '../../../stack');

function stack(overrides: Record<string, unknown>, stateDir: string): StackLifecycle {
  const s = readSettings((k) => overrides[k]).settings;
  return new StackLifecycle({
    docker: new Docker({ socketPath: '/nonexistent/docker.sock' }),
    stackDir: STACK,
    stateDir,
    ...stackOptionsFrom(s),
    grafanaPassword: 'pw',
  });
}

describe('StackLifecycle.plan', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-ms-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs Scaphandre privileged by default, as upstream; scaphandrePrivileged = false plans the restricted variant', async () => {
    const host = async (overrides: Record<string, unknown>): Promise<import('dockerode').HostConfig | undefined> =>
      (await stack(overrides, dir).plan('scaphandre')).services.find((s) => s.service === 'scaphandre')?.create.HostConfig;
    const byDefault = await host({});
    assert.equal(byDefault?.Privileged, true);
    assert.equal(byDefault?.CapAdd, undefined);
    assert.deepEqual(await host({ 'stack.scaphandrePrivileged': true }), byDefault);
    const restricted = await host({ 'stack.scaphandrePrivileged': false });
    assert.notEqual(restricted?.Privileged, true);
    assert.deepEqual(restricted?.CapDrop, ['ALL']);
    assert.deepEqual(restricted?.CapAdd, ['SYS_PTRACE']);
    assert.deepEqual(restricted?.SecurityOpt, ['no-new-privileges:true', 'apparmor=unconfined']);
    assert.ok(restricted?.Binds?.includes('/proc:/proc'), JSON.stringify(restricted?.Binds));
    const plan = await stack({}, dir).plan('scaphandre');
    for (const s of plan.services) if (s.service !== 'scaphandre') assert.notEqual(s.create.HostConfig?.Privileged, true, s.service);
    // Without the scaphandre service (OptiVolt's exporter), the setting asks for nothing.
    assert.ok(
      !(await stack({ 'stack.scaphandrePrivileged': false }, dir).plan('optivolt')).services.some((s) => s.service === 'scaphandre'),
    );
  });

  it("with OptiVolt's exporter: no scaphandre service, and Prometheus mounts a generated config scraping the host", async () => {
    const plan = await stack({}, dir).plan('optivolt', 'host.docker.internal:18080');
    assert.ok(!plan.services.some((s) => s.service === 'scaphandre'));
    const prom = plan.services.find((s) => s.service === 'prometheus');
    const generated = path.join(dir, 'prometheus.yml');
    assert.ok(
      prom?.create.HostConfig?.Binds?.some((b) => b.startsWith(`${generated}:/etc/prometheus/prometheus.yml`)),
      JSON.stringify(prom?.create.HostConfig?.Binds),
    );
    assert.match(fs.readFileSync(generated, 'utf8'), /job_name: scaphandre[\s\S]*host\.docker\.internal:18080/);
  });

  it('applies bind, ports, images and services from the settings', async () => {
    const plan = await stack(
      {
        'stack.services': ['prometheus', 'grafana'],
        'stack.images': { grafana: 'registry.local/grafana:11' },
        'stack.ports': { grafana: 3001 },
        'stack.bind': '127.0.0.2',
      },
      dir,
    ).plan('optivolt');
    assert.deepEqual(plan.services.map((s) => s.service).sort(), ['grafana', 'prometheus']);
    const g = plan.services.find((s) => s.service === 'grafana')!;
    assert.equal(g.image, 'registry.local/grafana:11');
    assert.deepEqual(
      g.ports.map((p) => [p.hostIp, p.hostPort]),
      [['127.0.0.2', 3001]],
    );
  });

  it("auto picks Scaphandre where RAPL is readable, else OptiVolt's exporter, and says why", async () => {
    const tree = PowercapTree.create([{ id: 'intel-rapl:0', name: 'package-0', energyUj: 1000 }]);
    try {
      assert.equal((await choosePowerExporter('auto', tree.root)).kind, 'scaphandre');
      const none = await choosePowerExporter('auto', '/nonexistent/powercap');
      assert.equal(none.kind, 'optivolt');
      assert.match(none.why, /No powercap tree/);
      assert.equal((await choosePowerExporter('optivolt', tree.root)).kind, 'optivolt');
    } finally {
      tree.dispose();
    }
  });
});

describe('foreignGatewayHelp: why the bridge gateway is not local (issue 19)', () => {
  it('names a remote DOCKER_HOST and where to run the stack instead; loopback DOCKER_HOST is not remote', () => {
    const remote = foreignGatewayHelp('172.17.0.1', { dockerHost: 'ssh://me@build-box', operatingSystem: 'Debian' });
    assert.match(remote, /DOCKER_HOST \(ssh:\/\/me@build-box\) points at the engine on build-box/);
    assert.match(remote, /unset DOCKER_HOST/);
    assert.match(foreignGatewayHelp('172.17.0.1', { dockerHost: 'tcp://10.0.0.5:2376' }), /engine on 10\.0\.0\.5/);
    assert.doesNotMatch(foreignGatewayHelp('172.17.0.1', { dockerHost: 'tcp://127.0.0.1:2375' }), /points at the engine on/);
    assert.doesNotMatch(foreignGatewayHelp('172.17.0.1', { dockerHost: 'unix:///run/user/1000/docker.sock' }), /points at the engine on/);
  });

  it('rootless is read from SecurityOptions, Docker Desktop from OperatingSystem', () => {
    assert.match(foreignGatewayHelp('10.0.2.2', { securityOptions: ['name=rootless'] }), /rootless Docker/);
    assert.match(foreignGatewayHelp('192.168.65.1', { operatingSystem: 'Docker Desktop' }), /Docker Desktop/);
    assert.doesNotMatch(foreignGatewayHelp('172.17.0.1', { securityOptions: ['name=seccomp,profile=rootlessish'] }), /rootless Docker/);
  });
});

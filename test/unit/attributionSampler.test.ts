// ProcessSampler over fake /proc trees (with a fake monotonic clock and a fake Docker API), and over the real /proc.
import { strict as assert } from 'node:assert';
import { PassThrough } from 'node:stream';
import { ProcessSampler, SamplerOptions } from '../../src/core/attribution/processSampler';
import { ContainerDirectory, DockerApi } from '../../src/core/containers/containerDirectory';
import type { MonoClock } from '../../src/core/clock';
import type { PowerSample } from '../../src/shared/power';
import type { AttributionSnapshot, ProcessRow } from '../../src/shared/attribution';
import { burnCpu, containerId, dockerCgroup, ProcTree } from '../fixtures/procTree';

const close = (actual: number, expected: number, eps = 1e-9): void =>
  assert.ok(Math.abs(actual - expected) <= eps, `expected ${expected}, got ${actual}`);

/** A monotonic clock that moves by `step` seconds at every reading. */
function steppingClock(step = 2): MonoClock {
  let t = 5_000_000_000n;
  return () => {
    const now = t;
    t += BigInt(step * 1e9);
    return now;
  };
}

let time = 1_700_000_000_000;
function hostSample(watts: number, extra: Partial<PowerSample> = {}): PowerSample {
  time += 2000;
  return { time, watts, source: 'rapl', estimated: false, zones: { 'package-0': watts }, detail: 'test', ...extra };
}

const WEB = containerId('0123456789ab');
const DB = containerId('fedcba987654');

/**
 * Per interval (host busy +200 ticks, idle +200; 2 s): postgres 100 ticks, nginx 40 + 20 (two workers in the
 * web container), bash 0, 40 ticks of exited time. With 20 W: postgres 10 W, nginx 4 W and 2 W, exited 4 W.
 */
function webTree(): ProcTree {
  return ProcTree.create(
    [
      { pid: 101, comm: 'nginx', utime: 10, cmdline: ['nginx: worker process'], cgroup: dockerCgroup(WEB) },
      { pid: 102, comm: 'nginx', utime: 20, cmdline: ['nginx: worker process'], cgroup: dockerCgroup(WEB) },
      { pid: 103, comm: 'postgres', utime: 30, cmdline: ['postgres', '-D', '/var/lib/postgresql/data'], cgroup: dockerCgroup(DB) },
      { pid: 104, comm: 'bash', utime: 3, cmdline: ['-bash'] },
    ],
    { busy: 1000, idle: 5000 },
  );
}

function tick(t: ProcTree): void {
  t.addTicks(101, 40);
  t.addTicks(102, 10, 10);
  t.addTicks(103, 100);
  t.addHost(200, 200);
}

const row = (s: AttributionSnapshot, name: string): ProcessRow => {
  const r = s.processes.find((p) => p.name === name);
  assert.ok(r, `row ${name} in ${s.processes.map((p) => p.name).join(',')}`);
  return r;
};

class FakeDocker implements DockerApi {
  lists = 0;
  fail: Error | undefined;
  readonly stream = new PassThrough();
  containers = [{ Id: WEB, Names: ['/web'], Image: 'nginx', Labels: { 'com.docker.compose.service': 'web' } }];
  async listContainers(): Promise<Array<{ Id: string; Names?: string[]; Image?: string; Labels?: Record<string, string> }>> {
    this.lists++;
    if (this.fail) throw this.fail;
    return this.containers;
  }
  async getEvents(): Promise<NodeJS.ReadableStream> {
    return this.stream;
  }
}

describe('ProcessSampler', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    while (cleanups.length) cleanups.pop()!();
  });
  const OPTS: SamplerOptions = { model: 'share-all', topN: 0, groupByName: false };

  function setup(opts: Partial<SamplerOptions> = {}, directory?: ContainerDirectory): { t: ProcTree; s: ProcessSampler } {
    const t = webTree();
    const s = new ProcessSampler({ ...OPTS, ...opts }, directory, t.root, steppingClock(2));
    cleanups.push(
      () => t.dispose(),
      () => s.dispose(),
    );
    return { t, s };
  }

  /** The second snapshot of a sampler naming containers through a started directory over `docker`. */
  async function secondSnapshot(docker: FakeDocker): Promise<AttributionSnapshot> {
    const dir = new ContainerDirectory(docker);
    cleanups.push(() => dir.dispose());
    await dir.start();
    const { t, s } = setup({}, dir);
    s.sample(hostSample(20));
    tick(t);
    return s.sample(hostSample(20))!;
  }

  it('the first sample only primes (undefined); the next attributes the interval', () => {
    const { t, s } = setup();
    assert.equal(s.sample(hostSample(20)), undefined);
    tick(t);
    const snap = s.sample(hostSample(20, { source: 'estimate', estimated: true }));
    assert.ok(snap);
    assert.equal(snap.hostWatts, 20);
    assert.equal(snap.rowsFrom, 'procfs');
    assert.equal(snap.model, 'share-all');
    assert.equal(snap.source, 'estimate');
    assert.equal(snap.estimated, true);
    assert.equal(snap.processCount, 4);
    close(snap.hostCpu, 0.5);
    close(snap.exitedWatts, 4);
    assert.equal(snap.idleWatts, 0);
    assert.deepEqual(
      snap.processes.map((p) => [p.pid, p.name]),
      [
        [103, 'postgres'],
        [101, 'nginx'],
        [102, 'nginx'],
      ],
      'rows by Watts, bash (no CPU) left out',
    );
    const pg = row(snap, 'postgres');
    close(pg.watts, 10);
    close(pg.share, 0.5);
    close(pg.cpuPercent, 50); // 100 ticks in 2 s
    close(pg.energyJoules, 20);
    assert.equal(pg.cmdline, 'postgres -D /var/lib/postgresql/data');
    assert.equal(pg.containerId, DB.slice(0, 12));
    close(snap.processes.find((p) => p.pid === 102)!.watts, 2);
    assert.equal(snap.notice, undefined);
  });

  it('energyJoules accumulates watts x seconds across samples', () => {
    const { t, s } = setup();
    s.sample(hostSample(20));
    tick(t);
    s.sample(hostSample(20));
    tick(t);
    const snap = s.sample(hostSample(40))!; // postgres: 10 W x 2 s + 20 W x 2 s
    close(row(snap, 'postgres').energyJoules, 60);
    close(snap.processes.find((p) => p.pid === 101)!.energyJoules, 4 * 2 + 8 * 2);
  });

  it('topN cuts the rows; cmdline is filled for the rows shown', () => {
    const { t, s } = setup({ topN: 2 });
    s.sample(hostSample(20));
    tick(t);
    const snap = s.sample(hostSample(20))!;
    assert.deepEqual(
      snap.processes.map((p) => p.pid),
      [103, 101],
    );
    assert.equal(snap.processCount, 4);
    assert.equal(snap.processes[1].cmdline, 'nginx: worker process');
    s.setOptions({ topN: 1 });
    tick(t);
    assert.deepEqual(
      s.sample(hostSample(20))!.processes.map((p) => p.pid),
      [103],
    );
  });

  it('groupByName sums same-name rows with a count', () => {
    const { t, s } = setup({ groupByName: true });
    s.sample(hostSample(20));
    tick(t);
    const snap = s.sample(hostSample(20))!;
    assert.deepEqual(
      snap.processes.map((p) => [p.name, p.count]),
      [
        ['postgres', 1],
        ['nginx', 2],
      ],
    );
    const nginx = row(snap, 'nginx');
    close(nginx.watts, 6);
    close(nginx.share, 0.3);
    close(nginx.cpuPercent, 30);
    close(nginx.energyJoules, 12);
    assert.ok(nginx.pid === 101 || nginx.pid === 102);
  });

  it('aggregates containers from cgroup files: one row per container, by short id without a directory', () => {
    const { t, s } = setup();
    s.sample(hostSample(20));
    tick(t);
    const snap = s.sample(hostSample(20))!;
    assert.equal(snap.containers.length, 2);
    const [db, web] = snap.containers;
    assert.equal(db.id, DB.slice(0, 12));
    assert.equal(web.id, WEB.slice(0, 12));
    assert.equal(web.name, WEB.slice(0, 12));
    assert.equal(web.runtime, 'docker');
    assert.equal(web.image, '');
    assert.equal(web.service, undefined);
    close(web.watts, 6);
    close(web.share, 0.3);
    close(web.cpuPercent, 30);
    close(web.energyJoules, 12);
    close(db.watts, 10);
    assert.equal(row(snap, 'postgres').containerId, DB.slice(0, 12));
    assert.deepEqual(
      snap.processes.filter((p) => p.name === 'nginx').map((p) => p.containerId),
      [WEB.slice(0, 12), WEB.slice(0, 12)],
    );
    tick(t);
    t.addTicks(104, 10); // bash, on the host: a row without a container, not in any container row
    const next = s.sample(hostSample(20))!;
    assert.equal(row(next, 'bash').containerId, undefined);
    assert.equal(next.containers.length, 2);
    close(next.containers.find((c) => c.id === web.id)!.energyJoules, 24, 1e-9);
  });

  it('names containers through a ContainerDirectory over a (fake) Docker API', async () => {
    const docker = new FakeDocker();
    const snap = await secondSnapshot(docker);
    const web = snap.containers.find((c) => c.id === WEB.slice(0, 12));
    assert.ok(web);
    assert.equal(web.name, 'web');
    assert.equal(web.image, 'nginx');
    assert.equal(web.service, 'web');
    const db = snap.containers.find((c) => c.id === DB.slice(0, 12));
    assert.equal(db?.name, DB.slice(0, 12), 'a container Docker does not list keeps its short id');
    assert.equal(snap.notice, undefined);
  });

  it('carries the directory\u2019s notice when Docker is not reachable', async () => {
    const docker = new FakeDocker();
    docker.fail = new Error('connect ENOENT /var/run/docker.sock');
    const snap = await secondSnapshot(docker);
    assert.match(snap.notice ?? '', /Docker not reachable/);
    assert.equal(snap.containers.length, 2, 'containers still shown, by id');
  });

  it('active-only uses the PowerSample\u2019s idleWatts (the model idle)', () => {
    const { t, s } = setup({ model: 'active-only' });
    s.sample(hostSample(20, { idleWatts: 8 }));
    tick(t);
    const snap = s.sample(hostSample(20, { idleWatts: 8 }))!;
    assert.equal(snap.model, 'active-only');
    assert.equal(snap.idleWatts, 8);
    close(row(snap, 'postgres').watts, 6); // 12 W x 100/200
    close(snap.exitedWatts, 2.4);
    close(snap.processes.reduce((x, p) => x + p.watts, 0) + snap.idleWatts + snap.exitedWatts, 20);
  });

  it('active-only without a model idle uses the lowest host power seen', () => {
    const { t, s } = setup({ model: 'active-only' });
    s.sample(hostSample(12));
    tick(t);
    const snap = s.sample(hostSample(20))!;
    assert.equal(snap.idleWatts, 12);
    close(row(snap, 'postgres').watts, 4); // 8 W x 100/200
  });

  it('restart() makes the next sample prime again', () => {
    const { t, s } = setup();
    s.sample(hostSample(20));
    tick(t);
    assert.ok(s.sample(hostSample(20)));
    s.restart();
    tick(t);
    assert.equal(s.sample(hostSample(20)), undefined);
    tick(t);
    const snap = s.sample(hostSample(20))!;
    close(row(snap, 'postgres').watts, 10, 1e-9);
    close(row(snap, 'postgres').energyJoules, 40, 1e-9); // energy kept across the restart
  });

  it('a process that exited between samples drops out; its time shows as exitedWatts', () => {
    const { t, s } = setup();
    s.sample(hostSample(20));
    t.addTicks(101, 40);
    t.addTicks(102, 20);
    t.remove(103); // ran 100 ticks, then exited
    t.addHost(200, 200);
    const snap = s.sample(hostSample(20))!;
    assert.equal(snap.processCount, 3);
    assert.equal(
      snap.processes.some((p) => p.pid === 103),
      false,
    );
    close(snap.exitedWatts, 14);
  });

  it('over the real /proc: this process gets a share after burning CPU', () => {
    const s = new ProcessSampler({ ...OPTS, topN: 0 });
    cleanups.push(() => s.dispose());
    assert.equal(s.sample(hostSample(10)), undefined);
    burnCpu(300);
    const snap = s.sample(hostSample(10));
    assert.ok(snap);
    const me = snap.processes.find((p) => p.pid === process.pid);
    assert.ok(me, 'this process has a row');
    assert.ok(me.share > 0 && me.share <= 1, `share ${me.share}`);
    assert.ok(me.watts > 0 && me.watts <= 10);
    assert.ok(me.cpuPercent > 0);
    assert.ok(me.cmdline.length > 0);
    close(snap.processes.reduce((x, p) => x + p.watts, 0) + snap.idleWatts + snap.exitedWatts, 10, 0.1);
  });
});

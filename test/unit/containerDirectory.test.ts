// ContainerDirectory over a fake Docker API: listing, lookups by id and prefix, event-driven refresh,
// throttled refresh on unknown ids, Docker being unreachable and coming back, and disposal.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { ContainerDirectory, DebounceTimers, DockerApi } from '../../src/core/containers/containerDirectory';

const WEB = '0123456789ab'.repeat(6).slice(0, 64);
const DB = 'fedcba987654'.repeat(6).slice(0, 64);
const NEW = 'abcdef012345'.repeat(6).slice(0, 64);

type Listed = Awaited<ReturnType<DockerApi['listContainers']>>;

class FakeDocker implements DockerApi {
  lists = 0;
  eventCalls = 0;
  fail: Error | undefined;
  failEvents = false;
  readonly stream = new PassThrough();
  containers: Listed = [
    { Id: WEB, Names: ['/web'], Image: 'nginx', Labels: { 'com.docker.compose.service': 'web' } },
    { Id: DB, Names: ['/db'], Image: 'postgres:16' },
  ];
  lastFilters: string | undefined;
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;

  /** Makes getEvents wait until release() is called. */
  holdEvents(): void {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
  }
  release(): void {
    this.openGate?.();
  }

  async listContainers(opts: { all: boolean }): Promise<Listed> {
    assert.equal(opts.all, true);
    this.lists++;
    if (this.fail) throw this.fail;
    return this.containers;
  }
  async getEvents(opts: { filters: string }): Promise<NodeJS.ReadableStream> {
    this.eventCalls++;
    this.lastFilters = opts.filters;
    if (this.failEvents) throw new Error('events refused');
    if (this.gate) await this.gate;
    return this.stream;
  }
}

/** Timers on a clock the test advances: the debounce is asserted to the millisecond without waiting for it. */
class ManualTimers implements DebounceTimers {
  private nowMs = 0;
  private lastId = 0;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();
  readonly setTimer = (fn: () => void, ms: number): number => {
    this.pending.set(++this.lastId, { at: this.nowMs + ms, fn });
    return this.lastId;
  };
  readonly clearTimer = (handle: unknown): void => {
    this.pending.delete(handle as number);
  };
  /** Moves the clock on by `ms`, running the timers that fall due. */
  advance(ms: number): void {
    this.nowMs += ms;
    for (const [id, t] of [...this.pending]) {
      if (t.at > this.nowMs) continue;
      this.pending.delete(id);
      t.fn();
    }
  }
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ContainerDirectory', () => {
  const dirs: ContainerDirectory[] = [];
  const make = (
    docker: DockerApi | undefined,
    now?: () => number,
    log?: (m: string) => void,
    timers?: DebounceTimers,
  ): ContainerDirectory => {
    const d = new ContainerDirectory(docker, log, now, undefined, timers);
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    while (dirs.length) dirs.pop()!.dispose();
  });

  it('start() lists containers and follows container events', async () => {
    const docker = new FakeDocker();
    const dir = make(docker);
    await dir.start();
    assert.equal(docker.lists, 1);
    assert.equal(docker.eventCalls, 1);
    assert.deepEqual(JSON.parse(docker.lastFilters!), { type: ['container'] });
    assert.equal(dir.notice, undefined);
  });

  it('get() by full id and by 12-character prefix; name without the slash, image and compose service', async () => {
    const docker = new FakeDocker();
    const dir = make(docker);
    await dir.start();
    const web = { id: WEB, name: 'web', image: 'nginx', service: 'web' };
    assert.deepEqual(dir.get(WEB), web);
    assert.deepEqual(dir.get(WEB.slice(0, 12)), web);
    assert.deepEqual(dir.get(DB.slice(0, 12)), { id: DB, name: 'db', image: 'postgres:16' });
  });

  it('a container without names is named by its short id', async () => {
    const docker = new FakeDocker();
    docker.containers = [{ Id: NEW }];
    const dir = make(docker);
    await dir.start();
    assert.deepEqual(dir.get(NEW), { id: NEW, name: NEW.slice(0, 12), image: '' });
  });

  it('a Docker event triggers a refresh, debounced (~200 ms after the last event)', async () => {
    const docker = new FakeDocker();
    const timers = new ManualTimers();
    const dir = make(docker, undefined, undefined, timers);
    await dir.start();
    assert.equal(dir.get(NEW), undefined);
    docker.containers = [...docker.containers, { Id: NEW, Names: ['/new'], Image: 'redis' }];
    docker.stream.write('{"status":"create"}\n');
    await flush();
    timers.advance(100);
    docker.stream.write('{"status":"start"}\n');
    await flush();
    timers.advance(199);
    await flush();
    assert.equal(docker.lists, 1, 'not before 200 ms after the last event');
    timers.advance(1);
    await flush();
    assert.equal(docker.lists, 2, 'one refresh for the burst');
    assert.equal(dir.get(NEW)?.name, 'new');
  });

  it('Docker not reachable: a notice, get() returns undefined without throwing; recovery clears the notice', async () => {
    const docker = new FakeDocker();
    docker.fail = new Error('connect ENOENT /var/run/docker.sock');
    const logs: string[] = [];
    let now = 1_000_000;
    const dir = make(
      docker,
      () => now,
      (m) => logs.push(m),
    );
    await dir.start();
    assert.match(dir.notice ?? '', /Docker not reachable/);
    assert.match(dir.notice ?? '', /ENOENT/);
    assert.equal(docker.eventCalls, 0, 'no event stream without Docker');
    assert.doesNotThrow(() => dir.get(WEB));
    assert.equal(dir.get(WEB), undefined);
    assert.equal(logs.length, 1);

    docker.fail = undefined;
    now += 5001;
    assert.equal(dir.get(WEB), undefined, 'the refresh is asynchronous');
    await flush();
    assert.equal(dir.notice, undefined);
    assert.equal(dir.get(WEB)?.name, 'web');
    assert.match(logs.join('\n'), /reachable again/);
  });

  it('the same failure is logged once', async () => {
    const docker = new FakeDocker();
    docker.fail = new Error('boom');
    const logs: string[] = [];
    const dir = make(docker, undefined, (m) => logs.push(m));
    await dir.start();
    await dir.refresh();
    await dir.refresh();
    assert.equal(docker.lists, 3);
    assert.equal(logs.length, 1);
  });

  it('get() of an unknown id refreshes at most once per 5 s', async () => {
    const docker = new FakeDocker();
    let now = 10_000;
    const dir = make(docker, () => now);
    await dir.start();
    assert.equal(docker.lists, 1);
    dir.get(NEW);
    await flush();
    assert.equal(docker.lists, 1, 'just listed');
    now = 15_000;
    dir.get(NEW);
    await flush();
    assert.equal(docker.lists, 1, 'exactly 5 s: still throttled');
    now = 15_001;
    dir.get(NEW);
    dir.get(NEW);
    await flush();
    assert.equal(docker.lists, 2);
    now = 20_000;
    dir.get(NEW);
    await flush();
    assert.equal(docker.lists, 2);
    now = 20_002;
    dir.get(NEW);
    await flush();
    assert.equal(docker.lists, 3);
    now = 60_000;
    dir.get(WEB);
    await flush();
    assert.equal(docker.lists, 3, 'a known id never refreshes');
  });

  it('refresh() calls in flight share one listing', async () => {
    const docker = new FakeDocker();
    const dir = make(docker);
    const a = dir.refresh();
    const b = dir.refresh();
    assert.equal(a, b);
    await a;
    assert.equal(docker.lists, 1);
  });

  it('dispose() destroys the event stream and stops pending refreshes', async () => {
    const docker = new FakeDocker();
    const timers = new ManualTimers();
    const dir = make(docker, undefined, undefined, timers);
    await dir.start();
    docker.stream.write('{"status":"die"}\n');
    await flush();
    dir.dispose();
    assert.equal(docker.stream.destroyed, true);
    timers.advance(250);
    await flush();
    assert.equal(docker.lists, 1, 'the debounced refresh was cancelled');
  });

  it('dispose() before the event stream arrives destroys it when it does', async () => {
    const docker = new FakeDocker();
    docker.holdEvents();
    const dir = make(docker);
    const started = dir.start();
    await flush();
    dir.dispose();
    docker.release();
    await started;
    assert.equal(docker.stream.destroyed, true);
  });

  it('an event stream that cannot be opened is logged; names still work', async () => {
    const docker = new FakeDocker();
    docker.failEvents = true;
    const logs: string[] = [];
    const dir = make(docker, undefined, (m) => logs.push(m));
    await dir.start();
    assert.equal(dir.get(WEB)?.name, 'web');
    assert.match(logs.join('\n'), /Cannot follow Docker events/);
    assert.equal(dir.notice, undefined);
  });

  it('an error on the event stream is logged, not thrown', async () => {
    const docker = new FakeDocker();
    const logs: string[] = [];
    const dir = make(docker, undefined, (m) => logs.push(m));
    await dir.start();
    docker.stream.emit('error', new Error('socket hang up'));
    assert.match(logs.join('\n'), /event stream failed: .*socket hang up/);
  });

  it('without Docker at all: a notice, and start/get/refresh are harmless', async () => {
    const dir = make(undefined);
    assert.match(dir.notice ?? '', /Docker is not available/);
    await dir.start();
    await dir.refresh();
    assert.equal(dir.get(WEB), undefined);
    assert.match(dir.notice ?? '', /not available/);
  });

  it('a real dockerode over an engine socket that accepts and never answers: start() ends at the deadline, ids only', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-silent-'));
    const socketPath = path.join(dir, 'docker.sock');
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((sock) => {
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
    });
    await new Promise<void>((r) => silent.listen(socketPath, r));
    try {
      const d = new ContainerDirectory(new Docker({ socketPath }), () => undefined, Date.now, 300);
      dirs.push(d);
      const t0 = Date.now();
      await d.start();
      assert.ok(Date.now() - t0 < 5000, `start() ended after ${Date.now() - t0} ms`);
      assert.match(d.notice ?? '', /no answer within 0\.3 s/);
      assert.equal(d.get(WEB), undefined);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

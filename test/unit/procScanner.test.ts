// parsePidStat and ProcScanner: over fake /proc trees (test/fixtures/procTree.ts) and against the real /proc.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { ProcScanner } from '../../src/core/attribution/procScanner';
import { parsePidStat } from '../../src/core/proc/stat';
import { burnCpu, containerId, dockerCgroup, openFds, pidStatLine, ProcTree } from '../fixtures/procTree';

const parse = (text: string): ReturnType<typeof parsePidStat> => {
  const buf = Buffer.from(text, 'utf8');
  return parsePidStat(buf, buf.length);
};

describe('ProcScanner', () => {
  const trees: ProcTree[] = [];
  const scanners: ProcScanner[] = [];
  const tree = (...args: Parameters<typeof ProcTree.create>): ProcTree => {
    const t = ProcTree.create(...args);
    trees.push(t);
    return t;
  };
  const scanner = (root: string, maxKept?: number): ProcScanner => {
    const s = new ProcScanner(root, maxKept);
    scanners.push(s);
    return s;
  };
  afterEach(() => {
    while (scanners.length) scanners.pop()!.dispose();
    while (trees.length) trees.pop()!.dispose();
  });

  describe('identity (Scaphandre labels)', () => {
    it('exe = the /proc/<pid>/exe link target, cmdline = argv concatenated, "" for a kernel thread; read once per process', () => {
      const t = tree([
        {
          pid: 10,
          comm: 'node',
          exe: '/usr/bin/node',
          cmdline: ['node', 'server.js', '--port', '3000'],
          cgroup: dockerCgroup(containerId('ab')),
        },
        { pid: 2, comm: 'kthreadd', cmdline: [] },
      ]);
      const s = scanner(t.root);
      const procs = s.scan().procs;
      const id = s.identity(procs.get(10)!);
      assert.deepEqual(id, {
        exe: '/usr/bin/node',
        argv: ['node', 'server.js', '--port', '3000'],
        cmdline: 'nodeserver.js--port3000',
        cgroup: dockerCgroup(containerId('ab')),
      });
      assert.deepEqual(s.identity(procs.get(2)!), {
        exe: '',
        argv: [],
        cmdline: '',
        cgroup: '0::/user.slice/user-1000.slice/session-2.scope\n',
      });
      t.setCmdline(10, ['changed']);
      assert.equal(s.identity(procs.get(10)!).cmdline, 'nodeserver.js--port3000', 'cached per pid and start time');
    });

    it('the real /proc: this process has its node binary as exe', () => {
      const s = scanner('/proc');
      const me = s.scan().procs.get(process.pid);
      assert.ok(me);
      assert.equal(s.identity(me).exe, fs.readlinkSync('/proc/self/exe'));
    });
  });

  describe('parsePidStat', () => {
    it('reads ppid, comm, utime + stime and starttime from a real-format line (52 fields)', () => {
      const line = pidStatLine({ pid: 4242, comm: 'node', ppid: 17, utime: 1234, stime: 567, start: 98765 });
      assert.equal(line.trim().split(' ').length, 52, 'the fixture writes the kernel\u2019s 52 fields');
      assert.deepEqual(parse(line), { ppid: 17, comm: 'node', ticks: 1801, childTicks: 110, start: 98765 });
    });

    it('takes comm up to the LAST parenthesis: spaces and parentheses inside comm', () => {
      assert.deepEqual(parse(pidStatLine({ pid: 9, comm: 'my (weird) app', ppid: 3, utime: 10, stime: 5, start: 77 })), {
        ppid: 3,
        comm: 'my (weird) app',
        ticks: 15,
        childTicks: 110,
        start: 77,
      });
      // A comm that looks like the fields that follow it must not shift them.
      assert.deepEqual(parse(pidStatLine({ pid: 9, comm: 'x) R 1 2 3 (y', ppid: 4, utime: 1, stime: 2, start: 3 })), {
        ppid: 4,
        comm: 'x) R 1 2 3 (y',
        ticks: 3,
        childTicks: 110,
        start: 3,
      });
      assert.equal(parse(pidStatLine({ pid: 9, comm: ')', ppid: 4 }))?.comm, ')');
      assert.equal(parse(pidStatLine({ pid: 9, comm: '', ppid: 4 }))?.comm, '');
    });

    it('is not thrown off by negative priority and nice', () => {
      assert.deepEqual(parse(pidStatLine({ pid: 5, comm: 'rt', ppid: 2, utime: 40, stime: 2, start: 500, nice: -20 })), {
        ppid: 2,
        comm: 'rt',
        ticks: 42,
        childTicks: 110,
        start: 500,
      });
    });

    it('only reads the first `len` bytes of the buffer', () => {
      const line = pidStatLine({ pid: 1, comm: 'a', ppid: 0, utime: 3, stime: 4, start: 5 });
      const buf = Buffer.alloc(1024, 0x39); // '9' after the line must not extend the last number
      const n = buf.write(line.trimEnd(), 'latin1');
      assert.deepEqual(parsePidStat(buf, n), { ppid: 0, comm: 'a', ticks: 7, childTicks: 110, start: 5 });
    });

    it('returns undefined for garbage, empty and truncated input', () => {
      for (const bad of [
        '',
        'garbage',
        '1234',
        '12 (no close paren S 1 2 3',
        '12 no parens at all 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20',
      ]) {
        assert.equal(parse(bad), undefined, JSON.stringify(bad));
      }
      // Cut before the start time (field 22).
      const line = pidStatLine({ pid: 1, comm: 'a', utime: 3, stime: 4, start: 5 });
      const cut = line.split(' ').slice(0, 21).join(' ');
      assert.equal(parse(cut), undefined, 'truncated before starttime');
      assert.equal(parsePidStat(Buffer.from(line), 0), undefined, 'len 0');
    });

    it('parses the real /proc/self/stat consistently with a plain split', () => {
      const buf = fs.readFileSync('/proc/self/stat');
      const text = buf.toString('latin1');
      const after = text
        .slice(text.lastIndexOf(')') + 2)
        .trim()
        .split(' ');
      const got = parsePidStat(buf, buf.length);
      assert.ok(got);
      assert.equal(got.ppid, process.ppid);
      assert.equal(got.comm, fs.readFileSync('/proc/self/comm', 'utf8').trim());
      assert.equal(got.start, Number(after[19]));
      assert.equal(got.ticks, Number(after[11]) + Number(after[12]));
    });
  });

  describe('scan() over a fake tree', () => {
    it('returns every process and the host busy/idle ticks, ignoring non-pid entries', () => {
      const t = tree(
        [
          { pid: 1, comm: 'systemd', ppid: 0, utime: 500, stime: 300, start: 1 },
          { pid: 42, comm: 'my (weird) app', ppid: 1, utime: 70, stime: 30, start: 4000 },
          { pid: 1234, comm: 'node', ppid: 42, utime: 9, stime: 1 },
        ],
        { busy: 12_345, idle: 67_890 },
      );
      const s = scanner(t.root).scan();
      assert.equal(s.busy, 12_345);
      assert.equal(s.idle, 67_890);
      assert.deepEqual(
        [...s.procs.keys()].sort((a, b) => a - b),
        [1, 42, 1234],
      );
      assert.deepEqual(s.procs.get(42), { pid: 42, ppid: 1, comm: 'my (weird) app', ticks: 100, childTicks: 110, start: 4000 });
      assert.deepEqual(s.procs.get(1234), { pid: 1234, ppid: 42, comm: 'node', ticks: 10, childTicks: 110, start: 2234 });
    });

    it('sees new values on the next scan when files are rewritten in place (kept descriptors)', () => {
      const t = tree([
        { pid: 10, comm: 'a', utime: 1, stime: 1 },
        { pid: 11, comm: 'b', utime: 5, stime: 0 },
      ]);
      const sc = scanner(t.root);
      const first = sc.scan();
      assert.equal(first.procs.get(10)?.ticks, 2);
      t.addTicks(10, 1000, 234); // longer line than before
      t.setTimes(11, 0, 0); // shorter line than before
      t.addHost(500, 1500);
      const second = sc.scan();
      assert.equal(second.procs.get(10)?.ticks, 1236);
      assert.equal(second.procs.get(11)?.ticks, 0);
      assert.equal(second.busy, first.busy + 500);
      assert.equal(second.idle, first.idle + 1500);
    });

    it('drops a removed pid and closes its descriptor; picks up a new pid', () => {
      const t = tree([
        { pid: 10, comm: 'a' },
        { pid: 11, comm: 'b' },
        { pid: 12, comm: 'c' },
      ]);
      const sc = scanner(t.root);
      const base = openFds();
      sc.scan();
      assert.equal(openFds(), base + 3, 'one kept descriptor per process');
      t.remove(11);
      const s = sc.scan();
      assert.equal(s.procs.has(11), false);
      assert.equal(openFds(), base + 2, 'the removed process\u2019s descriptor is closed');
      t.add({ pid: 13, comm: 'd', utime: 8 });
      const s2 = sc.scan();
      assert.equal(s2.procs.get(13)?.ticks, 8);
      assert.equal(openFds(), base + 3);
    });

    it('reports a reused pid (stat rewritten with a new start time) with its new start and comm', () => {
      const t = tree([{ pid: 10, comm: 'old', utime: 900, start: 100 }]);
      const sc = scanner(t.root);
      sc.scan();
      t.reuse(10, { comm: 'new', start: 5000, utime: 3 });
      assert.deepEqual(sc.scan().procs.get(10), { pid: 10, ppid: 1, comm: 'new', ticks: 3, childTicks: 110, start: 5000 });
    });

    it('skips a pid whose stat is unparsable, and closes its descriptor (no leak across scans)', () => {
      const t = tree([{ pid: 10, comm: 'a', utime: 4 }]);
      t.writeRaw(66, 'stat', 'this is not a stat file\n');
      fs.mkdirSync(`${t.root}/77`); // a pid folder without a stat file
      const sc = scanner(t.root);
      const base = openFds();
      for (let i = 0; i < 3; i++) {
        const s = sc.scan();
        assert.deepEqual([...s.procs.keys()], [10]);
      }
      assert.equal(openFds(), base + 1, 'only the good process\u2019s descriptor stays open');
    });

    it('closes the descriptor when reading a freshly opened stat fails (like ESRCH: ended between open and read)', () => {
      const t = tree([{ pid: 10, comm: 'a', utime: 4 }]);
      // open() of a folder succeeds, read() then fails (EISDIR): the same path as a process that ended in between.
      fs.mkdirSync(`${t.root}/88/stat`, { recursive: true });
      const sc = scanner(t.root);
      const base = openFds();
      for (let i = 0; i < 3; i++) assert.deepEqual([...sc.scan().procs.keys()], [10]);
      assert.equal(openFds(), base + 1);
    });

    it('shows the new comm of a process that exec()ed (same pid and start time)', () => {
      const t = tree([{ pid: 10, comm: 'docker-entrypoi', utime: 4, start: 300 }]);
      const sc = scanner(t.root);
      assert.equal(sc.scan().procs.get(10)?.comm, 'docker-entrypoi');
      t.exec(10, 'nginx');
      t.addTicks(10, 5);
      assert.deepEqual(sc.scan().procs.get(10), { pid: 10, ppid: 1, comm: 'nginx', ticks: 9, childTicks: 110, start: 300 });
    });

    it('throws a clear error when the host stat file is missing', () => {
      const t = tree([{ pid: 10, comm: 'a' }]);
      fs.rmSync(`${t.root}/stat`);
      assert.throws(() => scanner(t.root).scan(), /Cannot read host CPU times/);
    });

    it('with maxKept = 2 keeps only two descriptors and still reads every process, fresh each scan', () => {
      const specs = [10, 11, 12, 13, 14].map((pid) => ({ pid, comm: `p${pid}`, utime: pid }));
      const t = tree(specs);
      const sc = scanner(t.root, 2);
      const base = openFds();
      const first = sc.scan();
      assert.equal(openFds(), base + 2, 'only two descriptors kept');
      for (const p of specs) assert.equal(first.procs.get(p.pid)?.ticks, p.pid);
      for (const p of specs) t.addTicks(p.pid, 100);
      const second = sc.scan();
      assert.equal(openFds(), base + 2);
      for (const p of specs) assert.equal(second.procs.get(p.pid)?.ticks, p.pid + 100, `pid ${p.pid}`);
    });

    it('dispose() closes every kept descriptor', () => {
      const t = tree([10, 11, 12, 13].map((pid) => ({ pid, comm: 'x' })));
      const sc = new ProcScanner(t.root);
      const base = openFds();
      sc.scan();
      assert.equal(openFds(), base + 4);
      sc.dispose();
      assert.equal(openFds(), base);
    });
  });

  describe('container() and cmdline()', () => {
    it('reads the container of a process from its cgroup file, undefined on the host', () => {
      const id = containerId('ab12');
      const t = tree([
        { pid: 10, comm: 'nginx', cgroup: dockerCgroup(id) },
        { pid: 11, comm: 'bash' },
      ]);
      const sc = scanner(t.root);
      const s = sc.scan();
      assert.deepEqual(sc.container(s.procs.get(10)!), { id, runtime: 'docker' });
      assert.equal(sc.container(s.procs.get(11)!), undefined);
    });

    it('reads the cgroup once per process (pid + start), again for a reused pid', () => {
      const a = containerId('aa');
      const b = containerId('bb');
      const t = tree([{ pid: 10, comm: 'nginx', cgroup: dockerCgroup(a), start: 100 }]);
      const sc = scanner(t.root);
      const p = sc.scan().procs.get(10)!;
      assert.equal(sc.container(p)?.id, a);
      t.setCgroup(10, dockerCgroup(b));
      assert.equal(sc.container(p)?.id, a, 'cached for the same process');
      t.reuse(10, { comm: 'nginx', start: 200 });
      assert.equal(sc.container(sc.scan().procs.get(10)!)?.id, b, 'a new process at the same pid is read again');
    });

    it('a process that vanished has no container (and no throw)', () => {
      const t = tree([{ pid: 10, comm: 'x', cgroup: dockerCgroup(containerId('cd')) }]);
      const sc = scanner(t.root);
      const p = sc.scan().procs.get(10)!;
      t.remove(10);
      assert.equal(sc.container(p), undefined);
    });

    it('cmdline: NULs become spaces, the trailing NUL is dropped', () => {
      const t = tree([{ pid: 10, comm: 'node', cmdline: ['/usr/bin/node', 'server.js', '--port', '8080'] }]);
      const sc = scanner(t.root);
      assert.equal(sc.cmdline(sc.scan().procs.get(10)!), '/usr/bin/node server.js --port 8080');
    });

    it('cmdline: truncated to 512 characters', () => {
      const long = 'x'.repeat(2000);
      const t = tree([{ pid: 10, comm: 'java', cmdline: ['java', '-cp', long] }]);
      const sc = scanner(t.root);
      const c = sc.cmdline(sc.scan().procs.get(10)!);
      assert.equal(c.length, 512);
      assert.ok(c.startsWith('java -cp xxx'));
      const exact = 'y'.repeat(512);
      t.add({ pid: 11, comm: 'y', cmdline: [exact] });
      assert.equal(sc.cmdline(sc.scan().procs.get(11)!), exact, 'exactly 512 characters are kept whole');
    });

    it('cmdline: a kernel thread (empty cmdline) shows as [comm]; a vanished process too', () => {
      const t = tree([
        { pid: 2, comm: 'kthreadd', ppid: 0, cmdline: [] },
        { pid: 10, comm: 'gone', cmdline: ['gone'] },
      ]);
      const sc = scanner(t.root);
      const s = sc.scan();
      assert.equal(sc.cmdline(s.procs.get(2)!), '[kthreadd]');
      t.remove(10);
      assert.equal(sc.cmdline(s.procs.get(10)!), '[gone]');
    });
  });

  describe('the real /proc', () => {
    it('finds this process with non-negative ticks and sane host times', () => {
      const sc = scanner('/proc');
      const s = sc.scan();
      const me = s.procs.get(process.pid);
      assert.ok(me, 'process.pid found');
      assert.ok(me.ticks >= 0);
      assert.ok(me.comm.length > 0);
      assert.equal(me.ppid, process.ppid);
      assert.ok(s.procs.size > 1);
      assert.ok(s.busy > 0 && s.idle > 0);
    });

    it('sees this process\u2019s ticks increase after burning ~300 ms of CPU', () => {
      const sc = scanner('/proc');
      const before = sc.scan().procs.get(process.pid)!;
      burnCpu(300);
      const after = sc.scan().procs.get(process.pid)!;
      assert.equal(after.start, before.start);
      assert.ok(after.ticks - before.ticks >= 15, `ticks ${before.ticks} -> ${after.ticks}`);
    });
  });
});

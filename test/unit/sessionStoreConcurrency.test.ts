// The Energy Sessions store shared by several processes (every window without a folder uses the global storage
// file), a history of any size, and saves that fail: real separate Node processes on real files in temp folders.
import { strict as assert } from 'node:assert';
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LockError, withFileLock } from '../../src/core/energy/fileLock';
import { finishedNotice, trySave } from '../../src/core/energy/sessionNotice';
import { SessionStore } from '../../src/core/energy/sessionStore';
import { sessionRecord, writeLargeHistory } from '../fixtures/sessionHistory';

const STORE_MODULE = path.resolve(__dirname, '../../src/core/energy/sessionStore.js');

/** A writer process: waits for "go" so that both write at once, adds its records, reports what was acknowledged. */
const WRITER = `
const { SessionStore } = require(${JSON.stringify(STORE_MODULE)});
const [file, tag, count] = process.argv.slice(2);
process.on('message', () => {
  const store = new SessionStore(file);
  let acknowledged = 0;
  const errors = [];
  for (let i = 0; i < Number(count); i++) {
    const r = { id: tag + '-' + i, kind: 'command', name: tag, config: tag, startedAt: Date.now() * 1000 + i, durationSeconds: 1,
      pausedSeconds: 0, energyJoules: 1, hostEnergyJoules: 2, hostEnergyAboveBaselineJoules: 1, baselineWatts: 1, averageWatts: 1,
      peakWatts: 1, source: 'estimate', estimated: true, pids: [process.pid], costPerKWh: 0.3, currency: 'EUR', cost: 0, co2Grams: 0 };
    try { store.add(r); acknowledged++; } catch (err) { errors.push(err.message); }
  }
  process.send({ acknowledged, errors }, () => process.exit(0));
});
process.send('ready');
`;

/** Loads a history in a fresh process and reports its peak RSS growth, so the test process's heap does not count. */
// Peak memory from /proc/self/status VmHWM, not getrusage's maxRSS: Linux carries ru_maxrss across fork and exec,
// so a child forked from a large mocha process reports the parent's size (the test failed in full runs only).
const LOADER = `
const fs = require('fs');
const kb = (key) => Number(fs.readFileSync('/proc/self/status', 'latin1').split('\\n').find((l) => l.startsWith(key + ':')).trim().split(/\\s+/)[1]) * 1024;
const { SessionStore } = require(${JSON.stringify(STORE_MODULE)});
const before = kb('VmRSS');
const store = new SessionStore(process.argv[2]);
const records = store.load().length;
process.send({ records, growth: kb('VmHWM') - before, problem: store.lastLoadProblem }, () => process.exit(0));
`;

interface ChildReport {
  readonly [key: string]: unknown;
}

function runChild(script: string, args: string[], onReady?: (send: () => void) => void): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const child = fork(script, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let report: ChildReport | undefined;
    child.on('message', (m) => {
      if (m === 'ready') onReady?.(() => child.send('go'));
      else report = m as ChildReport;
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 && report ? resolve(report) : reject(new Error(`child exited ${code}`))));
  });
}

describe('SessionStore across processes, sizes and failures', function () {
  this.timeout(120_000);
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-sessions-mp-'));
    file = path.join(dir, 'energy-sessions.json');
  });
  afterEach(() => {
    fs.chmodSync(dir, 0o755);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("two processes adding 200 records each at once keep all 400 (was: one writer's whole history lost)", async () => {
    const writer = path.join(dir, 'writer.js');
    fs.writeFileSync(writer, WRITER);
    // Both start only when both are ready, so the writes overlap.
    const ready: Array<() => void> = [];
    const onReady = (send: () => void): void => {
      ready.push(send);
      if (ready.length === 2) ready.forEach((go) => go());
    };
    const reports = await Promise.all(['a', 'b'].map((tag) => runChild(writer, [file, tag, '200'], onReady)));
    for (const r of reports) assert.deepEqual(r, { acknowledged: 200, errors: [] });
    const data = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.equal(data.records.length, 400, 'every acknowledged record is in the file');
    assert.equal(new Set(data.records.map((r: { id: string }) => r.id)).size, 400);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['energy-sessions.json', 'writer.js'], 'no temp or lock left behind');
  });

  it("load() leaves a live writer's temp file alone, and removes a dead writer's", () => {
    new SessionStore(file).add(sessionRecord({ id: 'kept' }));
    // Our parent (mocha's runner) is alive for the whole test: its temp stands for another window mid-write.
    const live = `${file}.tmp-${process.ppid}-7`;
    const dead = `${file}.tmp-${2 ** 22 + 1}-7`;
    fs.writeFileSync(live, '{"version":1,"records":[');
    fs.writeFileSync(dead, '{"version":1,"records":[');
    assert.deepEqual(
      new SessionStore(file).load().map((r) => r.id),
      ['kept'],
    );
    assert.ok(fs.existsSync(live), "a live writer's temp must survive");
    assert.ok(!fs.existsSync(dead), "a dead writer's temp is removed");
  });

  describe('the lock', () => {
    it('a lock left by a dead process is broken; one held by a live process makes a save fail with a reason instead of hanging', () => {
      const lock = `${file}.lock`;
      fs.writeFileSync(lock, `${2 ** 22 + 1}\n${os.hostname()}\n${Date.now()}\n1\n`);
      new SessionStore(file).add(sessionRecord({ id: 'after-crash' }));
      assert.ok(!fs.existsSync(lock));
      fs.writeFileSync(lock, `${process.ppid}\n${os.hostname()}\n${Date.now()}\n1\n`);
      const store = new SessionStore(file, { lock: { timeoutMs: 100 } });
      assert.throws(
        () => store.add(sessionRecord({ id: 'blocked', startedAt: 5 })),
        (err: Error) => err instanceof LockError && err.message.includes(`locked by process ${process.ppid}`),
      );
      assert.equal(fs.readFileSync(lock, 'utf8').split('\n')[0], String(process.ppid), "a live holder's lock is not touched");
      // Reading needs no lock: the file on disk is always complete.
      assert.deepEqual(
        new SessionStore(file, { lock: { timeoutMs: 50 } }).load().map((r) => r.id),
        ['after-crash'],
      );
    });

    it('a load while another process holds the lock reads without repairing, and the next save still keeps every record', () => {
      const n = writeLargeHistory(file, 100_000);
      fs.writeFileSync(`${file}.lock`, `${process.ppid}\n${os.hostname()}\n${Date.now()}\n1\n`);
      const store = new SessionStore(file, { maxRecords: 50, lock: { timeoutMs: 100 } });
      assert.equal(store.load().length, 50);
      assert.equal(store.archives().length, 0, 'nothing is archived without the lock');
      fs.rmSync(`${file}.lock`);
      store.add(sessionRecord({ id: 'next', startedAt: Date.UTC(2027, 0, 1) }));
      const onDisk = [file, ...store.archives()].flatMap((f) => JSON.parse(fs.readFileSync(f, 'utf8')).records.length as number);
      assert.equal(
        onDisk.reduce((a, b) => a + b, 0),
        n + 1,
      );
    });

    it('a lock older than staleMs is broken even when its pid lives (pid reused, or another host)', () => {
      fs.writeFileSync(`${file}.lock`, `${process.ppid}\nother-host\n${Date.now() - 60_000}\n1\n`);
      new SessionStore(file, { lock: { staleMs: 30_000, timeoutMs: 100 } }).add(sessionRecord({ id: 'x' }));
      assert.deepEqual(fs.readdirSync(dir), ['energy-sessions.json']);
    });

    it('release never removes a lock that another process took over', () => {
      withFileLock(file, () => fs.writeFileSync(`${file}.lock`, 'someone else\n'));
      assert.equal(fs.readFileSync(`${file}.lock`, 'utf8'), 'someone else\n');
    });
  });

  it('a 50 MB history: the first load archives the older records by copying, peak memory far below the file size, nothing lost', async () => {
    const n = writeLargeHistory(file, 50_000_000);
    const size = fs.statSync(file).size;
    const loader = path.join(dir, 'loader.js');
    fs.writeFileSync(loader, LOADER);
    const first = await runChild(loader, [file]);
    // Parsing the whole file costs several times its size (JSON.parse of 52 MB peaked at +149 MB); copying, a chunk.
    assert.ok(Number.isFinite(first.growth) && (first.growth as number) < size / 2, `peak RSS grew ${first.growth} bytes loading ${size}`);
    assert.equal(first.records, 1000);
    assert.match(String(first.problem), new RegExp(`the ${n - 1000} older ones were moved to`));
    const second = await runChild(loader, [file]);
    assert.equal(second.records, 1000);
    assert.equal(second.problem, undefined, 'archiving happens once');
    assert.ok(fs.statSync(file).size < size / 50, 'activation reads a bounded main file from now on');
    const store = new SessionStore(file);
    const all = await store.readAll();
    assert.equal(all.records.length, n);
    assert.deepEqual([all.records[0].id, all.records[n - 1].id], ['h0', `h${n - 1}`]);
    assert.deepEqual(all.problems, []);
  });

  describe('a save that fails', () => {
    it('is reported to the caller, and the user is told "not saved" with the reason instead of the summary', () => {
      // A file where the storage folder should be: fails for root too, unlike a read-only mode.
      const blocked = path.join(dir, 'storage');
      fs.writeFileSync(blocked, '');
      const store = new SessionStore(path.join(blocked, 'energy-sessions.json'));
      const r = sessionRecord({ name: 'npm test' });
      const outcome = trySave(() => store.add(r));
      assert.equal(outcome.saved, false);
      const notice = finishedNotice(r, outcome);
      assert.equal(notice.severity, 'warning');
      assert.match(notice.text, /^OptiVolt: "npm test" used .* but it was not saved: .*(ENOTDIR|EEXIST).*storage/);
      const ok = finishedNotice(
        r,
        trySave(() => new SessionStore(file).add(r)),
      );
      assert.deepEqual(ok, { severity: 'info', text: 'OptiVolt: "npm test" used 150 J in 12.5 s (avg 12.0 W).' });
    });

    it('in a read-only folder is reported, and the existing history is still read', function () {
      new SessionStore(file).add(sessionRecord({ id: 'old' }));
      fs.chmodSync(dir, 0o555);
      try {
        fs.writeFileSync(path.join(dir, 'probe'), '');
        this.skip(); // Running as root: permissions do not stop writes (the ENOTDIR case above covers the failure).
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EACCES') throw err;
      }
      const store = new SessionStore(file);
      assert.deepEqual(
        store.load().map((x) => x.id),
        ['old'],
      );
      const outcome = trySave(() => store.add(sessionRecord({ id: 'new', startedAt: 9e12 })));
      assert.equal(outcome.saved, false);
      assert.deepEqual(
        store.all().map((x) => x.id),
        ['old'],
      );
    });
  });
});

// SessionStore against real files in temp folders: round trips, ordering, the size cap, crash safety of the
// atomic write, corrupt files moved aside, and the JSON/CSV exports.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exportContent, exportedNotice, plainDecimal, toCsv, toJson } from '../../src/core/energy/sessionExport';
import { isSessionRecord, SessionRecord } from '../../src/core/energy/sessionRecord';
import { SessionStore } from '../../src/core/energy/sessionStore';
import { sessionRecord, writeLargeHistory } from '../fixtures/sessionHistory';

const record = sessionRecord;

/** Parses RFC 4180 text (quoted fields, doubled quotes, CRLF) so the tests check what a reader would see. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && c === ',') {
      row.push(field);
      field = '';
    } else if (!quoted && c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else {
      field += c;
    }
  }
  assert.equal(field + row.join(''), '', 'CSV text must end with CRLF');
  return rows;
}

describe('SessionStore', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-sessions-'));
    file = path.join(dir, 'storage', 'sessions.json');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const listing = (): string[] => fs.readdirSync(path.dirname(file)).sort();
  /** Every record id in every session file of the folder (main and archives), parsed independently of the store. */
  const idsOnDisk = (): string[] =>
    listing()
      .filter((n) => n.endsWith('.json'))
      .flatMap((n) => (JSON.parse(fs.readFileSync(path.join(path.dirname(file), n), 'utf8')).records as SessionRecord[]).map((r) => r.id));

  describe('round trip', () => {
    it('a missing file loads as empty without a problem', () => {
      const store = new SessionStore(file);
      assert.deepEqual(store.load(), []);
      assert.equal(store.lastLoadProblem, undefined);
      assert.equal(fs.existsSync(file), false, 'loading alone must not create the file');
    });

    it('add creates the folder and persists; a new store reads the same records back', () => {
      const store = new SessionStore(file);
      const r = record({ note: "debuggee pid unknown: measured the adapter's children" });
      store.add(r);
      const data = JSON.parse(fs.readFileSync(file, 'utf8'));
      assert.equal(data.version, 1);
      assert.deepEqual(data.records, [r]);
      const again = new SessionStore(file);
      assert.deepEqual(again.load(), [r]);
      assert.equal(again.lastLoadProblem, undefined);
    });

    it('delete removes by id and persists; clear empties the file', () => {
      const store = new SessionStore(file);
      for (const id of ['a', 'b', 'c']) store.add(record({ id, startedAt: 1000 + id.charCodeAt(0) }));
      assert.equal(store.delete(['b', 'nope']), 1);
      assert.deepEqual(
        new SessionStore(file).load().map((r) => r.id),
        ['c', 'a'],
      );
      assert.equal(store.delete(['nope']), 0);
      store.clear();
      assert.deepEqual(store.all(), []);
      assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), { version: 1, records: [] });
    });

    it('mutating before load() keeps what the file already holds', () => {
      new SessionStore(file).add(record({ id: 'old', startedAt: 1 }));
      new SessionStore(file).add(record({ id: 'new', startedAt: 2 }));
      assert.deepEqual(
        new SessionStore(file).all().map((r) => r.id),
        ['new', 'old'],
      );
    });

    it('adding an existing id replaces that record', () => {
      const store = new SessionStore(file);
      store.add(record({ id: 'x', energyJoules: 1 }));
      store.add(record({ id: 'x', energyJoules: 2 }));
      assert.deepEqual(
        new SessionStore(file).all().map((r) => r.energyJoules),
        [2],
      );
    });

    it('rejects an invalid record instead of writing something load() would drop', () => {
      const store = new SessionStore(file);
      assert.throws(() => store.add(record({ energyJoules: Number.NaN })), TypeError);
      assert.equal(fs.existsSync(file), false);
    });
  });

  describe('order and size', () => {
    it('all() is newest first whatever the order of adding or of the file', () => {
      const store = new SessionStore(file);
      store.add(record({ id: 'mid', startedAt: 2000 }));
      store.add(record({ id: 'new', startedAt: 3000 }));
      store.add(record({ id: 'old', startedAt: 1000 }));
      assert.deepEqual(
        store.all().map((r) => r.id),
        ['new', 'mid', 'old'],
      );
      const shuffled = [
        record({ id: 'old', startedAt: 1000 }),
        record({ id: 'new', startedAt: 3000 }),
        record({ id: 'mid', startedAt: 2000 }),
      ];
      fs.writeFileSync(file, JSON.stringify({ version: 1, records: shuffled }));
      assert.deepEqual(
        new SessionStore(file).load().map((r) => r.id),
        ['new', 'mid', 'old'],
      );
    });

    it('maxRecords keeps the newest in the main file and moves the oldest to one archive, which readAll includes', async () => {
      const store = new SessionStore(file, { maxRecords: 3 });
      for (let i = 1; i <= 5; i++) assert.equal(store.add(record({ id: `r${i}`, startedAt: i * 1000 })).archived, i > 3 ? 1 : 0);
      assert.deepEqual(
        store.all().map((r) => r.id),
        ['r5', 'r4', 'r3'],
      );
      assert.deepEqual(
        new SessionStore(file).load().map((r) => r.id),
        ['r5', 'r4', 'r3'],
      );
      // A late-arriving older record is itself the oldest, so it is the one archived.
      store.add(record({ id: 'ancient', startedAt: 1 }));
      assert.deepEqual(
        store.all().map((r) => r.id),
        ['r5', 'r4', 'r3'],
      );
      assert.equal(store.archives().length, 1, 'small archives are appended to, not one file per record');
      assert.match(path.basename(store.archives()[0]), /^sessions\.archive-\d{8}T\d{9}Z-\d+-\d+\.json$/);
      const all = await store.readAll();
      assert.deepEqual(
        all.records.map((r) => r.id),
        ['r5', 'r4', 'r3', 'r2', 'r1', 'ancient'],
      );
      assert.deepEqual(all.problems, []);
      assert.deepEqual(idsOnDisk().sort(), ['ancient', 'r1', 'r2', 'r3', 'r4', 'r5']);
      store.clear();
      assert.deepEqual(store.archives(), [], 'clearing the history clears its archives too');
      assert.deepEqual((await store.readAll()).records, []);
    });

    it('a history over maxRecords loses nothing at the next save: the older records are archived and the user told (was: silently cut)', () => {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const n = writeLargeHistory(file, 200_000);
      assert.ok(n > 300, `${n} records`);
      const store = new SessionStore(file, { maxRecords: 100 });
      store.load();
      store.add(record({ id: 'next', startedAt: Date.UTC(2027, 0, 1) }));
      assert.equal(new Set(idsOnDisk()).size, n + 1, 'every record is still in a file');
      assert.match(
        store.lastLoadProblem ?? '',
        new RegExp(`the 100 newest stay in the Energy Sessions view, the ${n - 100} older ones were moved to .*sessions\\.archive-`),
      );
      assert.deepEqual(
        store
          .all()
          .slice(0, 3)
          .map((r) => r.id),
        ['next', 'h0', 'h1'],
      );
    });

    it('a lowered maxRecords trims an existing file on load', () => {
      const store = new SessionStore(file);
      for (let i = 1; i <= 5; i++) store.add(record({ id: `r${i}`, startedAt: i * 1000 }));
      assert.deepEqual(
        new SessionStore(file, { maxRecords: 2 }).load().map((r) => r.id),
        ['r5', 'r4'],
      );
    });

    it('rejects a maxRecords that is not a positive integer', () => {
      assert.throws(() => new SessionStore(file, { maxRecords: 0 }), RangeError);
      assert.throws(() => new SessionStore(file, { maxRecords: 1.5 }), RangeError);
    });
  });

  describe('atomic write', () => {
    it('leaves no temp file behind after a write', () => {
      const store = new SessionStore(file);
      store.add(record());
      store.add(record({ id: 'r2' }));
      assert.deepEqual(listing(), ['sessions.json']);
    });

    it('a partial temp from a crash mid-write is ignored and removed by load()', () => {
      new SessionStore(file).add(record({ id: 'good' }));
      // A pid above Linux's largest pid_max: certainly no live writer.
      const partial = `${file}.tmp-${2 ** 22 + 1}-1`;
      fs.writeFileSync(partial, '{"version":1,"records":[{"id":"half');
      const store = new SessionStore(file);
      assert.deepEqual(
        store.load().map((r) => r.id),
        ['good'],
      );
      assert.equal(store.lastLoadProblem, undefined);
      assert.deepEqual(listing(), ['sessions.json']);
    });

    it('dying after the temp is written but before the rename leaves the previous file intact', () => {
      const store = new SessionStore(file);
      store.add(record({ id: 'before' }));
      const previous = fs.readFileSync(file, 'utf8');
      const tmp = store.writeTemp([record({ id: 'after' })]);
      assert.equal(path.dirname(tmp), path.dirname(file), 'the temp must be in the same folder for rename to be atomic');
      assert.match(path.basename(tmp), new RegExp(`^sessions\\.json\\.tmp-${process.pid}-\\d+$`));
      assert.deepEqual(
        JSON.parse(fs.readFileSync(tmp, 'utf8')).records.map((r: SessionRecord) => r.id),
        ['after'],
      );
      assert.equal(fs.readFileSync(file, 'utf8'), previous);
      // The "restarted" extension sees the old state and tidies up.
      assert.deepEqual(
        new SessionStore(file).load().map((r) => r.id),
        ['before'],
      );
      assert.deepEqual(listing(), ['sessions.json']);
    });

    it('a failed write changes neither memory nor the folder, and throws', () => {
      const store = new SessionStore(file);
      store.add(record({ id: 'kept' }));
      // A folder where the target file should be makes the rename fail after the temp was written.
      fs.rmSync(file);
      fs.mkdirSync(file);
      assert.throws(() => store.add(record({ id: 'lost', startedAt: record().startedAt + 1 })));
      assert.deepEqual(
        store.all().map((r) => r.id),
        ['kept'],
      );
      assert.deepEqual(listing(), ['sessions.json'], 'the temp must be removed on failure');
    });
  });

  describe('corrupt files', () => {
    it('invalid JSON is moved aside, reported, and survives the next add()', () => {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, '{"version":1,"records":[{"id":');
      const store = new SessionStore(file);
      assert.deepEqual(store.load(), []);
      const moved = listing().filter((n) => n.startsWith('sessions.json.corrupt-'));
      assert.equal(moved.length, 1);
      assert.match(moved[0], /^sessions\.json\.corrupt-\d+$/);
      assert.ok(store.lastLoadProblem?.includes('invalid JSON'), store.lastLoadProblem);
      assert.ok(store.lastLoadProblem?.includes(moved[0]), store.lastLoadProblem);
      store.add(record({ id: 'fresh' }));
      assert.equal(fs.readFileSync(path.join(path.dirname(file), moved[0]), 'utf8'), '{"version":1,"records":[{"id":');
      assert.deepEqual(
        new SessionStore(file).load().map((r) => r.id),
        ['fresh'],
      );
    });

    it('valid JSON of the wrong shape or version is moved aside too', () => {
      for (const [content, reason] of [
        ['[1,2]', 'not a JSON object'],
        ['{"version":2,"records":[]}', 'unsupported version 2'],
        ['{"version":1}', 'no records array'],
      ]) {
        fs.rmSync(path.dirname(file), { recursive: true, force: true });
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, content);
        const store = new SessionStore(file);
        assert.deepEqual(store.load(), [], content);
        assert.ok(store.lastLoadProblem?.includes(reason), `${content}: ${store.lastLoadProblem}`);
        assert.equal(fs.existsSync(file), false, content);
        assert.equal(listing().filter((n) => n.includes('.corrupt-')).length, 1, content);
      }
    });

    it('a second corrupt file in the same millisecond does not overwrite the first one set aside', () => {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const realNow = Date.now;
      Date.now = () => 1234;
      try {
        for (const text of ['first', 'second']) {
          fs.writeFileSync(file, text);
          new SessionStore(file).load();
        }
      } finally {
        Date.now = realNow;
      }
      const moved = listing().filter((n) => n.includes('.corrupt-'));
      const contents = moved.map((n) => fs.readFileSync(path.join(path.dirname(file), n), 'utf8')).sort();
      assert.deepEqual(contents, ['first', 'second']);
    });

    it('invalid records are dropped and counted; the original is kept and the file rewritten clean', () => {
      const good = [record({ id: 'g1', startedAt: 2 }), record({ id: 'g2', startedAt: 1 })];
      const bad = [{ ...record({ id: 'b1' }), kind: 'lunch' }, { ...record({ id: 'b2' }), pids: ['x'] }, 'text'];
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const original = JSON.stringify({ version: 1, records: [good[0], ...bad, good[1]] });
      fs.writeFileSync(file, original);
      const store = new SessionStore(file);
      assert.deepEqual(store.load(), good);
      assert.ok(store.lastLoadProblem?.includes('Dropped 3 invalid records of 5'), store.lastLoadProblem);
      const kept = listing().filter((n) => n.includes('.corrupt-'));
      assert.equal(kept.length, 1);
      assert.equal(fs.readFileSync(path.join(path.dirname(file), kept[0]), 'utf8'), original);
      const reloaded = new SessionStore(file);
      assert.deepEqual(reloaded.load(), good);
      assert.equal(reloaded.lastLoadProblem, undefined, 'the clean file must not be reported again');
    });
  });

  describe('isSessionRecord', () => {
    it('accepts a full record, with or without a note', () => {
      assert.ok(isSessionRecord(record()));
      assert.ok(isSessionRecord(record({ note: 'n' })));
    });
    it('rejects missing fields, wrong types and unknown enum values', () => {
      const r = record() as unknown as Record<string, unknown>;
      const cases: Record<string, unknown>[] = [
        { ...r, id: '' },
        { ...r, source: 'guess' },
        { ...r, estimated: 'no' },
        { ...r, energyJoules: -1 },
        { ...r, startedAt: '2025-01-01' },
        { ...r, pids: [1.5] },
        { ...r, note: 3 },
        Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'currency')),
      ];
      for (const c of cases) assert.equal(isSessionRecord(c), false, JSON.stringify(c));
      assert.equal(isSessionRecord(null), false);
      assert.equal(isSessionRecord([r]), false);
    });
  });

  describe('export', () => {
    it('JSON export parses back to the same records in the file format', () => {
      const rs = [record({ id: 'a', note: 'x' }), record({ id: 'b' })];
      assert.deepEqual(JSON.parse(toJson(rs)), { version: 1, records: rs });
    });

    it('the chosen format decides the content, and the notice warns only when archives could not be read', () => {
      const rs = [record({ id: 'a' })];
      assert.equal(exportContent('json', rs), toJson(rs));
      assert.equal(exportContent('csv', rs), toCsv(rs));
      assert.deepEqual(exportedNotice(3, '/w/s.csv', []), { text: 'OptiVolt: 3 sessions exported to /w/s.csv.', warning: false });
      assert.deepEqual(exportedNotice(3, '/w/s.csv', ['a.json: invalid JSON', 'b.json: 1 invalid record left out']), {
        text: 'OptiVolt: 3 sessions exported to /w/s.csv. Some archived sessions could not be read: a.json: invalid JSON; b.json: 1 invalid record left out.',
        warning: true,
      });
    });

    it('CSV has a header and one row per record, ISO times, plain decimals and space-joined pids', () => {
      const rows = parseCsv(toCsv([record(), record({ id: 'r2', cost: 1e-7, energyJoules: 1e21, pids: [] })]));
      assert.equal(rows.length, 3);
      const header = rows[0];
      assert.equal(header.length, 21);
      assert.deepEqual(header.slice(0, 5), ['id', 'kind', 'name', 'config', 'startedAt']);
      const col = (row: string[], name: string): string => row[header.indexOf(name)];
      assert.equal(col(rows[1], 'startedAt'), '2025-01-02T03:04:05.678Z');
      assert.equal(col(rows[1], 'pids'), '101 102');
      assert.equal(col(rows[1], 'cost'), '0.0000125');
      assert.equal(col(rows[1], 'energyJoules'), '150.25');
      assert.equal(col(rows[1], 'estimated'), 'false');
      assert.equal(col(rows[1], 'note'), '');
      assert.equal(col(rows[2], 'cost'), '0.0000001');
      assert.equal(col(rows[2], 'energyJoules'), '1000000000000000000000');
      assert.equal(col(rows[2], 'pids'), '');
      for (const row of rows) assert.equal(row.length, 21);
    });

    it('an empty export is just the header', () => {
      assert.equal(toCsv([]).split('\r\n').filter(Boolean).length, 1);
    });

    it('quotes fields with commas, quotes and line breaks, doubling quotes', () => {
      const name = 'say "hi", then\nleave';
      const csv = toCsv([record({ name, config: 'a\rb', note: 'plain' })]);
      assert.ok(csv.includes('"say ""hi"", then\nleave"'), csv);
      assert.ok(csv.includes(',"a\rb",'), csv);
      assert.ok(csv.includes(',plain\r\n'), 'fields without special characters stay unquoted');
      const row = parseCsv(csv)[1];
      assert.equal(row[2], name);
      assert.equal(row[3], 'a\rb');
    });

    it('guards text fields against formula injection but leaves numbers alone', () => {
      const risky = ['=HYPERLINK("http://x")', '+1+1', '-m pytest', '@SUM(A1)', '\tcmd', '\rcmd'];
      const rows = parseCsv(toCsv(risky.map((name, i) => record({ id: `r${i}`, name, config: 'ok', hostEnergyAboveBaselineJoules: -5 }))));
      const header = rows[0];
      rows.slice(1).forEach((row, i) => {
        assert.equal(row[header.indexOf('name')], `'${risky[i]}`);
        assert.equal(row[header.indexOf('config')], 'ok');
        assert.equal(row[header.indexOf('hostEnergyAboveBaselineJoules')], '-5');
      });
    });

    it('plainDecimal never uses exponent notation and keeps the shortest digits', () => {
      assert.equal(plainDecimal(0), '0');
      assert.equal(plainDecimal(-0), '0');
      assert.equal(plainDecimal(12.5), '12.5');
      assert.equal(plainDecimal(1.234e-7), '0.0000001234');
      assert.equal(plainDecimal(-2.5e-8), '-0.000000025');
      assert.equal(plainDecimal(1.5e22), '15000000000000000000000');
      assert.equal(plainDecimal(Number.NaN), '');
    });
  });
});

// ProfileStore against real files in temp folders: round trip and reload (a new store on the same folder), the size
// cap (oldest removed first, one too large refused), atomic writes (no temp left, a crashed writer's temp cleaned),
// corrupt files set aside, and parseEnergyProfile's messages.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseEnergyProfile, ProfileStore, ProfileTooLargeError } from '../../src/core/profile/profileStore';
import { buildProfile } from '../fixtures/energyProfile';

const profile = (joules = 3) =>
  buildProfile([
    { path: ['main@/src/app.js:1', 'hot@/src/app.js:10'], joules: [joules] },
    { path: ['main@/src/app.js:1', 'warm@/src/app.js:20'], joules: [1] },
  ]);

describe('ProfileStore', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-profiles-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('stores a profile and lists and reads it again from a new store (a window reload)', () => {
    const p = profile();
    const { stored, evicted } = new ProfileStore(dir).add(p, { from: '/work/run.optivolt-profile.json' });
    assert.deepEqual(evicted, []);
    assert.equal(stored.name, 'node app.js');
    assert.equal(stored.from, '/work/run.optivolt-profile.json');
    const again = new ProfileStore(dir);
    const list = again.list();
    assert.deepEqual(
      list.map((s) => s.id),
      [stored.id],
    );
    assert.equal(list[0].totalJoules, 4);
    assert.deepEqual(again.get(stored.id), p);
    assert.equal(again.lastLoadProblem, undefined);
    assert.deepEqual(fs.readdirSync(dir).sort(), [`${stored.id}.json`, `${stored.id}.meta.json`], 'no temp files left');
  });

  it('lists newest first and removes a profile with its meta file', () => {
    const store = new ProfileStore(dir);
    const a = store.add(profile(1)).stored;
    const b = store.add(profile(2)).stored;
    assert.deepEqual(
      store.list().map((s) => s.id),
      [b.id, a.id],
    );
    store.remove(a.id);
    assert.deepEqual(
      store.list().map((s) => s.id),
      [b.id],
    );
    assert.throws(() => store.get(a.id), /no longer stored/);
  });

  it('keeps the total under the cap by removing the oldest profiles first', () => {
    const size = Buffer.byteLength(JSON.stringify(profile()));
    const store = new ProfileStore(dir, () => size * 2.5); // room for two
    const first = store.add(profile()).stored;
    const second = store.add(profile()).stored;
    const third = store.add(profile());
    assert.deepEqual(
      third.evicted.map((e) => e.id),
      [first.id],
    );
    const left = store.list().map((s) => s.id);
    assert.deepEqual(left.sort(), [second.id, third.stored.id].sort());
    const used = store.list().reduce((s, p) => s + p.bytes, 0);
    assert.ok(used <= size * 2.5, `${used} bytes stored over a cap of ${size * 2.5}`);
  });

  it('refuses a single profile larger than the whole cap, writing nothing', () => {
    const store = new ProfileStore(dir, () => 100);
    assert.throws(
      () => store.add(profile()),
      (err: unknown) => err instanceof ProfileTooLargeError && /more than the 0\.0 MB kept for profiles/.test(err.message),
    );
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('sets a corrupt profile aside, rebuilds a lost meta file and drops a meta file without its profile', () => {
    const store = new ProfileStore(dir);
    const good = store.add(profile()).stored;
    const lostMeta = store.add(profile(5)).stored;
    fs.rmSync(path.join(dir, `${lostMeta.id}.meta.json`));
    fs.writeFileSync(path.join(dir, 'broken-1.json'), '{"version": 1, "frames": [');
    fs.writeFileSync(path.join(dir, 'orphan-1.meta.json'), JSON.stringify({ ...good, id: 'orphan-1' }));
    const list = new ProfileStore(dir).list();
    assert.deepEqual(list.map((s) => s.id).sort(), [good.id, lostMeta.id].sort());
    assert.equal(list.find((s) => s.id === lostMeta.id)!.totalJoules, 6);
    const files = fs.readdirSync(dir);
    assert.ok(
      files.some((f) => /^broken-1\.json\.corrupt-\d+$/.test(f)),
      `corrupt file kept aside: ${files.join(', ')}`,
    );
    assert.ok(!files.includes('orphan-1.meta.json'));
    assert.ok(files.includes(`${lostMeta.id}.meta.json`));
    const again = new ProfileStore(dir);
    fs.writeFileSync(path.join(dir, 'broken-2.json'), '[]');
    again.list();
    assert.match(again.lastLoadProblem ?? '', /broken-2\.json\.corrupt-\d+: .* not a JSON object/);
  });

  it('removes the temp file a crashed writer left beside a profile, and never leaves its own', () => {
    const store = new ProfileStore(dir);
    const { stored } = store.add(profile());
    // A writer that died mid-write (pid 2^22 + 1 is above Linux's pid_max default, so never alive).
    const orphan = path.join(dir, `${stored.id}.json.tmp-4194305-1`);
    fs.writeFileSync(orphan, '{"partial":');
    store.exportTo(stored.id, path.join(dir, `${stored.id}.json`));
    assert.ok(!fs.existsSync(orphan));
    assert.deepEqual(store.get(stored.id), JSON.parse(fs.readFileSync(path.join(dir, `${stored.id}.json`), 'utf8')));
  });

  it('exports the stored EnergyProfile JSON atomically to a chosen file', () => {
    const store = new ProfileStore(dir);
    const p = profile();
    const { stored } = store.add(p);
    const out = path.join(dir, 'export', 'run.optivolt-profile.json');
    store.exportTo(stored.id, out);
    assert.deepEqual(parseEnergyProfile(fs.readFileSync(out, 'utf8'), out), p);
    assert.deepEqual(fs.readdirSync(path.dirname(out)), ['run.optivolt-profile.json']);
  });
});

describe('parseEnergyProfile', () => {
  const good = JSON.stringify(profile());
  const broken = (change: (p: Record<string, unknown>) => void): string => {
    const p = JSON.parse(good) as Record<string, unknown>;
    change(p);
    return JSON.stringify(p);
  };

  it('reads a valid profile', () => {
    assert.equal(parseEnergyProfile(good, 'x.json').totalJoules, 4);
  });

  it('names the file and what is wrong', () => {
    assert.throws(() => parseEnergyProfile('{', 'a.json'), /^Error: a\.json is not JSON/);
    assert.throws(
      () =>
        parseEnergyProfile(
          broken((p) => (p.version = 2)),
          'b.json',
        ),
      /b\.json .* version 2 \(this OptiVolt reads 1\)/,
    );
    assert.throws(
      () =>
        parseEnergyProfile(
          broken((p) => delete p.totalJoules),
          'c.json',
        ),
      /"totalJoules" is not a number/,
    );
    assert.throws(
      () =>
        parseEnergyProfile(
          broken((p) => ((p.nodes as { frame: number }[])[0].frame = 42)),
          'd.json',
        ),
      /nodes\[0\]\.frame is not an index into frames/,
    );
    assert.throws(
      () =>
        parseEnergyProfile(
          broken((p) => ((p.nodes as { parent: number }[])[1].parent = 1)),
          'e.json',
        ),
      /nodes\[1\]\.parent/,
    );
    assert.throws(
      () =>
        parseEnergyProfile(
          broken((p) => (p.functions = [{ name: 'f' }])),
          'f.json',
        ),
      /functions\[0\]/,
    );
  });
});

// profileTree() and compareProfiles(): the flame graph's tree of one profile, and what moved between two, with the
// noise rule (both sides >= 3 runs and |ΔJ| above the sum of their standard deviations) on numbers checked by hand.
import { strict as assert } from 'node:assert';
import { compareProfiles, functionDelta, MIN_RUNS, NOISE_RULE, profileTree } from '../../src/core/profile/compareProfiles';
import { buildProfile } from '../fixtures/energyProfile';

const close = (actual: number | undefined, expected: number, eps = 1e-9): void =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= eps, `expected ${expected}, got ${actual}`);

const MAIN = 'main@/src/app.js:1';
const HOT = 'hot@/src/app.js:10';
const WARM = 'warm@/src/app.js:20';

describe('profileTree', () => {
  it('gives each node its self and total energy as a mean per run, parents first, hottest child first', () => {
    const p = buildProfile([
      { path: [MAIN, WARM], joules: [2, 4] },
      { path: [MAIN, HOT], joules: [6, 8] },
      { path: [MAIN], joules: [1, 1] },
      { path: ['(idle)'], joules: [0.5, 0.5] },
    ]);
    const t = profileTree(p);
    close(t.totalJoules, 11.5); // (2+6+1+0.5 + 4+8+1+0.5) / 2
    assert.deepEqual(
      t.nodes.map((n) => n.name),
      ['main', 'hot', 'warm', '(idle)'],
    );
    const [main, hot, warm, idle] = t.nodes;
    close(main.totalJoules, 11); // (9 + 13) / 2
    close(main.selfJoules, 1);
    close(hot.totalJoules, 7);
    close(warm.selfJoules, 3);
    assert.equal(hot.parent, 0);
    assert.equal(warm.parent, 0);
    assert.equal(idle.parent, -1);
    assert.equal(idle.synthetic, true);
    assert.equal(hot.file, '/src/app.js');
    assert.equal(hot.line, 10);
    t.nodes.forEach((n, i) => assert.ok(n.parent < i, 'parents come before children'));
  });

  it('survives a node whose parent index points outside the tree (treated as a root)', () => {
    const p = buildProfile([{ path: [MAIN, HOT], joules: [3] }]);
    const broken = { ...p, nodes: [p.nodes[0], { ...p.nodes[1], parent: 99 }] };
    const t = profileTree(broken);
    assert.equal(t.nodes.length, 2);
    assert.ok(t.nodes.every((n) => n.parent === -1));
  });
});

describe('compareProfiles', () => {
  // Before: hot [10, 11, 9] (mean 10, sd 1), warm [3, 4, 2] (mean 3, sd 1), gone [1, 1, 1].
  // After:  hot [5, 5.5, 4.5] (mean 5, sd 0.5), warm [3.5, 2.5, 4.5] (mean 3.5, sd 1), fresh [2, 2.2, 1.8] (mean 2, sd 0.2).
  const before = buildProfile([
    { path: [MAIN, HOT], joules: [10, 11, 9] },
    { path: [MAIN, WARM], joules: [3, 4, 2] },
    { path: [MAIN, 'gone@/src/app.js:30'], joules: [1, 1, 1] },
  ]);
  const after = buildProfile([
    { path: [MAIN, HOT], joules: [5, 5.5, 4.5] },
    { path: [MAIN, WARM], joules: [3.5, 2.5, 4.5] },
    { path: [MAIN, 'fresh@/src/app.js:40'], joules: [2, 2.2, 1.8] },
  ]);
  const c = compareProfiles(before, after);
  const fn = (name: string) => {
    const f = c.functions.find((x) => x.name === name);
    assert.ok(f, `no delta for ${name}: ${c.functions.map((x) => x.name).join(', ')}`);
    return f;
  };

  it('states the noise rule and the totals', () => {
    assert.equal(c.rule, NOISE_RULE);
    assert.match(c.rule, /at least 3 runs/);
    close(c.before.totalJoules, 14);
    close(c.after.totalJoules, 10.5);
    close(c.deltaJoules, -3.5);
  });

  it('calls a drop larger than both spreads real (hot: -5 J, spread 1 + 0.5)', () => {
    const hot = fn('hot');
    assert.equal(hot.status, 'changed');
    close(hot.deltaJoules, -5);
    close(hot.spreadJoules, 1.5);
    assert.equal(hot.verdict, 'real');
    assert.equal(c.functions[0].name, 'hot', 'largest |ΔJ| first');
  });

  it('calls a move inside the spread noise (warm: +0.5 J, spread 1 + 1)', () => {
    const warm = fn('warm');
    close(warm.deltaJoules, 0.5);
    close(warm.spreadJoules, 2);
    assert.equal(warm.verdict, 'noise');
  });

  it('lists added and removed functions against 0 J on the other side', () => {
    const fresh = fn('fresh');
    assert.equal(fresh.status, 'added');
    close(fresh.beforeJoules, 0);
    close(fresh.deltaJoules, 2);
    close(fresh.spreadJoules, 0.2);
    assert.equal(fresh.verdict, 'real');
    const gone = fn('gone');
    assert.equal(gone.status, 'removed');
    close(gone.afterJoules, 0);
    close(gone.deltaJoules, -1);
    assert.equal(gone.verdict, 'real', 'constant 1 J in every run, then none: more than a spread of 0');
  });

  it('leaves out functions that did not move', () => {
    // main has no self energy on either side.
    assert.equal(
      c.functions.find((f) => f.name === 'main'),
      undefined,
    );
  });

  it('never calls a change real with fewer than 3 runs on a side, however large', () => {
    const one = buildProfile([{ path: [MAIN, HOT], joules: [10, 10] }]);
    const two = buildProfile([{ path: [MAIN, HOT], joules: [1, 1, 1] }]);
    const hot = compareProfiles(one, two).functions.find((f) => f.name === 'hot')!;
    close(hot.deltaJoules, -9);
    assert.equal(hot.verdict, 'too-few-runs');
    assert.equal(hot.spreadJoules, undefined);
    assert.equal(MIN_RUNS, 3);
  });

  it('counts a function absent from a 3-run profile as present in all 3 runs (0 J), and a single run as one', () => {
    const added = functionDelta(
      undefined,
      { name: 'f', selfJoules: 1, totalJoules: 1, share: 0.1, samples: 3, runs: [1, 1, 1], stdSelfJoules: 0 },
      3,
      3,
    );
    assert.equal(added.verdict, 'real');
    const single = functionDelta(undefined, { name: 'f', selfJoules: 1, totalJoules: 1, share: 0.1, samples: 3 }, 3, 1);
    assert.equal(single.verdict, 'too-few-runs');
  });

  it('builds a differential tree by call path: both sides on every node, a removed path kept at its old width', () => {
    const t = c.tree;
    const node = (name: string) => t.nodes.find((n) => n.name === name)!;
    close(node('main').beforeJoules, 14);
    close(node('main').afterJoules, 10.5);
    close(node('main').totalJoules, 14);
    close(node('hot').beforeJoules, 10);
    close(node('hot').afterJoules, 5);
    close(node('gone').afterJoules, 0);
    close(node('gone').totalJoules, 1);
    close(node('fresh').beforeJoules, 0);
    close(node('fresh').afterJoules, 2);
    assert.equal(node('hot').parent, t.nodes.indexOf(node('main')));
    assert.equal(t.nodes.filter((n) => n.name === 'main').length, 1, 'the shared root is merged');
    t.nodes.forEach((n, i) => assert.ok(n.parent < i));
  });
});

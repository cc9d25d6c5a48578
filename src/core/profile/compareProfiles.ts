// Energy profiles as trees the flame graph draws, and the comparison of two profiles (before/after): which functions'
// energy moved, whether that move is more than noise, and a differential tree coloured by ΔJ. Pure: no I/O.
import type { EnergyProfile, FunctionEnergy } from '../../shared/energyProfile';
import type { FlameNode, FlameTree, FunctionDelta, ProfileComparison } from '../../shared/webviews/flameGraphProtocol';

/** Runs each side needs before a change can be called real. */
export const MIN_RUNS = 3;

/** The noise rule in words, shown in the compare view beside the table. */
export const NOISE_RULE =
  `A change is called real only when both profiles have at least ${MIN_RUNS} runs and the difference of the means ` +
  'exceeds the spread: the sum of the two sides\u2019 standard deviations (run to run). Otherwise it is marked noise, ' +
  `or "not enough runs" (profile again with --repeat ${MIN_RUNS}).`;

/** A function's identity across profiles: name, file and line (as FunctionEnergy aggregates them). */
export function functionKey(f: { readonly name: string; readonly file?: string; readonly line?: number }): string {
  return `${f.name}\u0000${f.file ?? ''}\u0000${f.line ?? ''}`;
}

/**
 * The profile's call tree with each node's energy as a mean per run (ProfileNode sums over runs; FunctionEnergy and
 * totalJoules are means), parents before children, children by total energy descending.
 */
export function profileTree(profile: EnergyProfile): FlameTree {
  const runs = Math.max(1, profile.runs);
  const n = profile.nodes.length;
  const total = new Float64Array(n);
  const children: number[][] = Array.from({ length: n }, () => []);
  const roots: number[] = [];
  profile.nodes.forEach((node, i) => {
    if (node.parent >= 0 && node.parent < n && node.parent !== i) children[node.parent].push(i);
    else roots.push(i);
  });
  // Totals bottom-up without recursion (deep stacks): visit in an order where each child precedes its parent.
  const order = preorder(roots, children);
  for (let k = order.length - 1; k >= 0; k--) {
    const i = order[k];
    total[i] += profile.nodes[i].selfJoules;
    const p = profile.nodes[i].parent;
    if (p >= 0 && p < n && p !== i) total[p] += total[i];
  }
  const byTotal = (a: number, b: number): number => total[b] - total[a];
  roots.sort(byTotal);
  for (const c of children) c.sort(byTotal);
  const out: FlameNode[] = [];
  const index = new Map<number, number>();
  for (const i of preorder(roots, children)) {
    const node = profile.nodes[i];
    const frame = profile.frames[node.frame] ?? { name: '(unknown frame)' };
    index.set(i, out.length);
    out.push({
      name: frame.name,
      ...(frame.file !== undefined ? { file: frame.file } : {}),
      ...(frame.line !== undefined ? { line: frame.line } : {}),
      ...(frame.synthetic ? { synthetic: true } : {}),
      parent: node.parent >= 0 ? (index.get(node.parent) ?? -1) : -1,
      selfJoules: node.selfJoules / runs,
      totalJoules: total[i] / runs,
    });
  }
  return { nodes: out, totalJoules: profile.totalJoules };
}

/** Depth-first order from `roots` (iterative, children in their array order). */
function preorder(roots: readonly number[], children: readonly (readonly number[])[]): number[] {
  const out: number[] = [];
  const seen = new Uint8Array(children.length);
  const stack = [...roots].reverse();
  while (stack.length) {
    const i = stack.pop()!;
    if (seen[i]) continue; // a malformed cycle: each node once
    seen[i] = 1;
    out.push(i);
    for (let c = children[i].length - 1; c >= 0; c--) stack.push(children[i][c]);
  }
  return out;
}

/** Compares `after` with `before`: moved functions (largest |ΔJ| first) and the differential tree. */
export function compareProfiles(before: EnergyProfile, after: EnergyProfile): ProfileComparison {
  const a = new Map(before.functions.map((f) => [functionKey(f), f]));
  const b = new Map(after.functions.map((f) => [functionKey(f), f]));
  const keys = new Set([...a.keys(), ...b.keys()]);
  const functions: FunctionDelta[] = [];
  for (const key of keys) {
    const delta = functionDelta(a.get(key), b.get(key), before.runs, after.runs);
    if (delta.deltaJoules !== 0 || delta.status !== 'changed') functions.push(delta);
  }
  functions.sort((x, y) => Math.abs(y.deltaJoules) - Math.abs(x.deltaJoules) || x.name.localeCompare(y.name));
  return {
    before: summary(before),
    after: summary(after),
    deltaJoules: after.totalJoules - before.totalJoules,
    rule: NOISE_RULE,
    functions,
    tree: diffTree(profileTree(before), profileTree(after)),
  };
}

function summary(p: EnergyProfile): ProfileComparison['before'] {
  return { command: p.command, startedAt: p.startedAt, totalJoules: p.totalJoules, runs: p.runs, durationSeconds: p.durationSeconds };
}

/** One function's move, with the noise rule applied. A side without the function counts as 0 J in every run. */
export function functionDelta(
  before: FunctionEnergy | undefined,
  after: FunctionEnergy | undefined,
  beforeRuns: number,
  afterRuns: number,
): FunctionDelta {
  const f = (after ?? before)!;
  const beforeJoules = before?.selfJoules ?? 0;
  const afterJoules = after?.selfJoules ?? 0;
  const deltaJoules = afterJoules - beforeJoules;
  const status: FunctionDelta['status'] = !before ? 'added' : !after ? 'removed' : 'changed';
  const sideRuns = (fe: FunctionEnergy | undefined, profileRuns: number): number => (fe ? (fe.runs?.length ?? 1) : profileRuns);
  const enough = sideRuns(before, beforeRuns) >= MIN_RUNS && sideRuns(after, afterRuns) >= MIN_RUNS;
  const spreadJoules = (before?.stdSelfJoules ?? 0) + (after?.stdSelfJoules ?? 0);
  const verdict: FunctionDelta['verdict'] = !enough ? 'too-few-runs' : Math.abs(deltaJoules) > spreadJoules ? 'real' : 'noise';
  return {
    name: f.name,
    ...(f.file !== undefined ? { file: f.file } : {}),
    ...(f.line !== undefined ? { line: f.line } : {}),
    ...(f.synthetic ? { synthetic: true } : {}),
    status,
    beforeJoules,
    afterJoules,
    deltaJoules,
    ...(enough ? { spreadJoules } : {}),
    verdict,
  };
}

/** Merges two trees by call path (frame identities from the root); each node carries both sides and after's values. */
export function diffTree(before: FlameTree, after: FlameTree): FlameTree {
  interface Merged {
    node: FlameNode;
    before: number;
    after: number;
    beforeSelf: number;
    afterSelf: number;
    children: Map<string, Merged>;
  }
  const top = new Map<string, Merged>();
  const add = (tree: FlameTree, side: 'before' | 'after'): void => {
    const placed: Merged[] = [];
    tree.nodes.forEach((node, i) => {
      const siblings = node.parent >= 0 ? placed[node.parent]?.children : top;
      if (!siblings) return;
      const key = functionKey(node);
      let m = siblings.get(key);
      if (!m) {
        m = { node, before: 0, after: 0, beforeSelf: 0, afterSelf: 0, children: new Map() };
        siblings.set(key, m);
      }
      m[side] += node.totalJoules;
      m[side === 'before' ? 'beforeSelf' : 'afterSelf'] += node.selfJoules;
      placed[i] = m;
    });
  };
  add(before, 'before');
  add(after, 'after');
  const nodes: FlameNode[] = [];
  // Widths are the larger side, so a removed path stays visible (and its shrink readable) in the differential graph.
  const width = (m: Merged): number => Math.max(m.before, m.after);
  const stack: { m: Merged; parent: number }[] = [...top.values()]
    .sort((x, y) => width(y) - width(x))
    .reverse()
    .map((m) => ({ m, parent: -1 }));
  while (stack.length) {
    const { m, parent } = stack.pop()!;
    const { name, file, line, synthetic } = m.node;
    const at = nodes.length;
    nodes.push({
      name,
      ...(file !== undefined ? { file } : {}),
      ...(line !== undefined ? { line } : {}),
      ...(synthetic ? { synthetic: true } : {}),
      parent,
      selfJoules: Math.max(m.beforeSelf, m.afterSelf),
      totalJoules: width(m),
      beforeJoules: m.before,
      afterJoules: m.after,
    });
    const kids = [...m.children.values()].sort((x, y) => width(x) - width(y));
    for (const c of kids) stack.push({ m: c, parent: at });
  }
  return { nodes, totalJoules: Math.max(before.totalJoules, after.totalJoules) };
}

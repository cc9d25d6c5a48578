// The import graph of src/ and media/ has no cycles. A cycle hides which module an idea belongs to, and at run time
// one side of it sees the other half-initialised; lint cannot see it, so this test keeps the graph acyclic.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const root = path.resolve(__dirname, '../../..');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** The file a relative specifier names (./x, ./x.ts, ./x/index.ts); undefined for packages and Node built-ins. */
function resolveLocal(from: string, spec: string, files: ReadonlySet<string>): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), spec);
  return [`${base}.ts`, base, path.join(base, 'index.ts')].find((f) => files.has(f));
}

/** Every module's local imports, type-only and dynamic ones included: a type cycle is a design cycle too. */
function importGraph(dirs: readonly string[]): Map<string, string[]> {
  const files = dirs.flatMap((d) => sourceFiles(d));
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const info = ts.preProcessFile(fs.readFileSync(f, 'utf8'), true, true);
    const deps = info.importedFiles.map((i) => resolveLocal(f, i.fileName, known)).filter((d): d is string => d !== undefined);
    graph.set(f, [...new Set(deps)]);
  }
  return graph;
}

/** The first cycle found by depth-first search, as the list of files around it (first file repeated at the end). */
function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    state.set(n, 'open');
    stack.push(n);
    for (const d of graph.get(n) ?? []) {
      if (state.get(d) === 'open') return [...stack.slice(stack.indexOf(d)), d];
      if (!state.has(d)) {
        const c = visit(d);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of graph.keys()) {
    if (state.has(n)) continue;
    const c = visit(n);
    if (c) return c;
  }
  return undefined;
}

describe('import graph', () => {
  it('finds a cycle when there is one (the check itself works)', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    assert.deepEqual(findCycle(graph), ['a', 'b', 'c', 'a']);
    assert.equal(
      findCycle(
        new Map([
          ['a', ['b']],
          ['b', []],
        ]),
      ),
      undefined,
    );
  });

  it('reads the real imports of src/', () => {
    const graph = importGraph([path.join(root, 'src')]);
    const rel = (f: string): string => path.relative(root, f);
    assert.ok(graph.size > 50, `only ${graph.size} modules found under src/`);
    assert.ok(
      (graph.get(path.join(root, 'src/core/power/monitor.ts')) ?? []).map(rel).includes(path.join('src', 'core', 'power', 'source.ts')),
      'monitor.ts imports source.ts',
    );
  });

  it('has no import cycle in src/ or media/', () => {
    const cycle = findCycle(importGraph([path.join(root, 'src'), path.join(root, 'media')]));
    assert.equal(cycle, undefined, `import cycle: ${(cycle ?? []).map((f) => path.relative(root, f)).join(' -> ')}`);
  });
});

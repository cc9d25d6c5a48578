import type { EnergyProfile } from '../../shared/energyProfile';

/**
 * Exports of an EnergyProfile for other tools. speedscope: its file format (https://www.speedscope.app/file-format-schema.json,
 * speedscope's src/lib/file-format-spec.ts): shared frames, one "sampled" profile per process whose samples are the
 * distinct stacks and weights their Joules (unit "none": the schema has no energy unit; the profile's name says Joules).
 * Folded stacks (Brendan Gregg's stackcollapse output, read by flamegraph.pl and inferno): `a;b;c N` per line, N in µJ.
 */

export interface SpeedscopeFile {
  readonly $schema: 'https://www.speedscope.app/file-format-schema.json';
  readonly shared: { readonly frames: { name: string; file?: string; line?: number; col?: number }[] };
  readonly profiles: {
    type: 'sampled';
    name: string;
    unit: 'none';
    startValue: number;
    endValue: number;
    samples: number[][];
    weights: number[];
  }[];
  readonly name: string;
  readonly activeProfileIndex: number;
  readonly exporter: string;
}

/** Each leaf node with energy, as its path of node indices from its root (mean over runs). */
function leafPaths(p: EnergyProfile): { root: number; path: number[]; joules: number }[] {
  const runs = Math.max(1, p.runs);
  const out: { root: number; path: number[]; joules: number }[] = [];
  p.nodes.forEach((n, i) => {
    if (!(n.selfJoules > 0)) return;
    const path: number[] = [];
    for (let at = i, depth = 0; at >= 0 && depth < 100000; at = p.nodes[at].parent, depth++) path.push(at);
    path.reverse();
    out.push({ root: path[0], path, joules: n.selfJoules / runs });
  });
  return out;
}

export function toSpeedscope(p: EnergyProfile): SpeedscopeFile {
  const frames = p.frames.map((f) => ({
    name: f.name,
    ...(f.file !== undefined ? { file: f.file } : {}),
    ...(f.line !== undefined ? { line: f.line } : {}),
    ...(f.column !== undefined ? { col: f.column } : {}),
  }));
  const byRoot = new Map<number, { samples: number[][]; weights: number[] }>();
  for (const l of leafPaths(p)) {
    let e = byRoot.get(l.root);
    if (!e) byRoot.set(l.root, (e = { samples: [], weights: [] }));
    // The process is the profile; its frame is left out of the stacks.
    e.samples.push(l.path.slice(1).map((n) => p.nodes[n].frame));
    e.weights.push(l.joules);
  }
  const profiles = [...byRoot].map(([root, e]) => {
    const total = e.weights.reduce((a, b) => a + b, 0);
    return {
      type: 'sampled' as const,
      name: `${p.frames[p.nodes[root].frame].name}: energy (Joules)`,
      unit: 'none' as const,
      startValue: 0,
      endValue: total,
      samples: e.samples,
      weights: e.weights,
    };
  });
  profiles.sort((a, b) => b.endValue - a.endValue);
  return {
    $schema: 'https://www.speedscope.app/file-format-schema.json',
    shared: { frames },
    profiles,
    name: `Energy (Joules): ${p.command.join(' ')}`,
    activeProfileIndex: 0,
    exporter: 'optivolt profile',
  };
}

/** A frame as one folded-stack element: no ';' (the separator) and no line breaks. */
function foldedName(f: EnergyProfile['frames'][number]): string {
  const where = f.file !== undefined ? ` (${f.file}${f.line !== undefined ? `:${f.line}` : ''})` : '';
  return `${f.name}${where}`.replace(/;/g, ',').replace(/[\r\n]+/g, ' ');
}

/** Folded stacks, one line per stack with energy, the count in µJ (integers: flamegraph tools want whole counts). */
export function toFolded(p: EnergyProfile): string {
  const lines: string[] = [];
  for (const l of leafPaths(p)) {
    const uj = Math.round(l.joules * 1e6);
    if (uj <= 0) continue;
    lines.push(`${l.path.map((n) => foldedName(p.frames[p.nodes[n].frame])).join(';')} ${uj}`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

// The flame graph itself: a FlameTree laid out as rows of boxes (DOM elements, so their names and figures are text a
// screen reader and the host tests can read), icicle (callers on top) or flame (callers at the bottom), zoomable to
// any box, with search highlighting. Colours come from VS Code's chart colours: by self share (one profile) or by
// ΔJ (a comparison: red more energy, green less).
import type { FlameNode, FlameTree } from '../../src/shared/webviews/flameGraphProtocol';
import { joulesText, locationText, percentText } from '../../src/shared/profileFormat';

const ROW_PX = 20;
/** Boxes narrower than this share of the zoomed width are not drawn (counted in the note instead). */
const MIN_WIDTH = 0.002;
/** A virtual root above the tree's roots: the whole run. */
const ALL = -1;

export interface ChartOptions {
  readonly orientation: 'icicle' | 'flame';
  readonly search: string;
  /** A comparison: colour by after - before. */
  readonly differential: boolean;
}

export interface ChartEvents {
  /** A box was chosen (clicked, Enter): the chart zooms to it; the page shows its details. */
  select(node: FlameNode | undefined): void;
}

export class FlameChart {
  private tree: FlameTree = { nodes: [], totalJoules: 0 };
  private children: number[][] = [];
  private rootTotal = 0;
  private zoom = ALL;
  private selected: number | undefined;
  private opts: ChartOptions = { orientation: 'icicle', search: '', differential: false };

  constructor(
    private readonly el: HTMLElement,
    private readonly note: HTMLElement,
    private readonly events: ChartEvents,
  ) {
    el.setAttribute('role', 'group');
    el.setAttribute('aria-label', 'Energy flame graph');
    el.addEventListener('click', (e) => this.chosen(e));
    el.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        this.chosen(e);
      }
    });
  }

  setTree(tree: FlameTree): void {
    this.tree = tree;
    this.children = tree.nodes.map(() => []);
    let roots = 0;
    tree.nodes.forEach((n, i) => {
      if (n.parent >= 0) this.children[n.parent].push(i);
      else roots += n.totalJoules;
    });
    // 100% is the measured energy; the roots can add up to a little less (rounding) or more (a differential tree).
    this.rootTotal = Math.max(tree.totalJoules, roots);
    this.zoom = ALL;
    this.selected = undefined;
  }

  setOptions(opts: ChartOptions): void {
    this.opts = opts;
  }

  /** Zooms to the hottest node of a function (by name, and file and line when given); false when none matches. */
  focus(f: { name: string; file?: string; line?: number }): boolean {
    let best = -1;
    this.tree.nodes.forEach((n, i) => {
      if (n.name !== f.name || (f.file !== undefined && n.file !== f.file) || (f.line !== undefined && n.line !== f.line)) return;
      if (best < 0 || n.totalJoules > this.tree.nodes[best].totalJoules) best = i;
    });
    if (best < 0) return false;
    this.zoomTo(best);
    return true;
  }

  resetZoom(): void {
    this.zoom = ALL;
    this.selected = undefined;
    this.events.select(undefined);
    this.render();
  }

  private zoomTo(i: number): void {
    this.zoom = i;
    this.selected = i;
    this.events.select(this.tree.nodes[i]);
    this.render();
  }

  private chosen(e: Event): void {
    const box = (e.target as HTMLElement).closest<HTMLElement>('.frame');
    if (!box) return;
    const i = Number(box.dataset.index);
    if (i === ALL || i === this.zoom) this.resetZoom();
    else if (this.tree.nodes[i]) this.zoomTo(i);
  }

  private total(i: number): number {
    return i === ALL ? this.rootTotal : this.tree.nodes[i].totalJoules;
  }

  render(): void {
    const boxes: { i: number; depth: number; x: number; w: number }[] = [];
    // The zoomed box's ancestors, full width above it (click one to zoom out to it).
    const chain: number[] = [];
    for (let i = this.zoom; i !== ALL; i = this.tree.nodes[i].parent) chain.unshift(i);
    chain.unshift(ALL);
    chain.forEach((i, depth) => boxes.push({ i, depth, x: 0, w: 1 }));
    const zoomTotal = this.total(this.zoom) || 1;
    let hidden = 0;
    const kids = (i: number): number[] => (i === ALL ? this.tree.nodes.flatMap((n, k) => (n.parent < 0 ? [k] : [])) : this.children[i]);
    const stack = [{ i: this.zoom, depth: chain.length - 1, x: 0 }];
    while (stack.length) {
      const { i, depth, x } = stack.pop()!;
      let cx = x;
      for (const c of kids(i)) {
        const w = this.tree.nodes[c].totalJoules / zoomTotal;
        if (w >= MIN_WIDTH) {
          boxes.push({ i: c, depth: depth + 1, x: cx, w });
          stack.push({ i: c, depth: depth + 1, x: cx });
        } else hidden++;
        cx += w;
      }
    }
    const maxDepth = boxes.reduce((m, b) => Math.max(m, b.depth), 0);
    const query = this.opts.search.trim().toLowerCase();
    const maxDelta = this.opts.differential ? this.maxAbsDelta() : 0;
    const frag = document.createDocumentFragment();
    for (const b of boxes) {
      const div = document.createElement('div');
      const node = b.i === ALL ? undefined : this.tree.nodes[b.i];
      const name = node?.name ?? 'all';
      const total = this.total(b.i);
      div.className = 'frame';
      div.dataset.index = String(b.i);
      div.tabIndex = 0;
      div.setAttribute('role', 'button');
      const row = this.opts.orientation === 'icicle' ? b.depth : maxDepth - b.depth;
      div.style.cssText = `left:${(b.x * 100).toFixed(4)}%;width:${(b.w * 100).toFixed(4)}%;top:${row * ROW_PX}px`;
      const label =
        node?.beforeJoules !== undefined && node.afterJoules !== undefined
          ? `${name} · ${joulesText(node.beforeJoules)} → ${joulesText(node.afterJoules)}`
          : `${name} · ${joulesText(total)} · ${percentText(total / (this.rootTotal || 1))}`;
      const aria = node ? this.describe(node) : `all: ${joulesText(total)}, 100% of the run`;
      div.setAttribute('aria-label', aria);
      div.title = aria;
      div.textContent = label;
      if (node?.synthetic) div.classList.add('synthetic');
      if (b.depth < chain.length - 1) div.classList.add('ancestor');
      if (b.i === this.selected) div.classList.add('selected');
      if (query) div.classList.add(name.toLowerCase().includes(query) ? 'match' : 'dim');
      if (node && !node.synthetic) div.style.background = this.opts.differential ? deltaColour(node, maxDelta) : heatColour(node);
      frag.append(div);
    }
    this.el.replaceChildren(frag);
    this.el.style.height = `${(maxDepth + 1) * ROW_PX}px`;
    this.note.textContent = this.noteText(query, hidden);
  }

  /** The words a box stands for (its tooltip and accessible name). */
  private describe(n: FlameNode): string {
    const of = this.rootTotal || 1;
    const where = locationText(n) ? ` at ${locationText(n)}` : '';
    const base = `${n.name}${where}: total ${joulesText(n.totalJoules)} (${percentText(n.totalJoules / of)}), self ${joulesText(n.selfJoules)} (${percentText(n.selfJoules / of)})`;
    if (n.beforeJoules === undefined || n.afterJoules === undefined) return base;
    const d = n.afterJoules - n.beforeJoules;
    return `${n.name}${where}: before ${joulesText(n.beforeJoules)}, after ${joulesText(n.afterJoules)}, Δ ${d >= 0 ? '+' : ''}${joulesText(d)}`;
  }

  private maxAbsDelta(): number {
    return this.tree.nodes.reduce((m, n) => Math.max(m, Math.abs((n.afterJoules ?? 0) - (n.beforeJoules ?? 0))), 0);
  }

  private noteText(query: string, hidden: number): string {
    const parts: string[] = [];
    if (query) {
      // Energy of the matches, each call path counted once (a match inside a match is already in its total).
      let joules = 0;
      let count = 0;
      this.tree.nodes.forEach((n) => {
        if (!n.name.toLowerCase().includes(query)) return;
        count++;
        for (let p = n.parent; p >= 0; p = this.tree.nodes[p].parent) if (this.tree.nodes[p].name.toLowerCase().includes(query)) return;
        joules += n.totalJoules;
      });
      parts.push(
        `${count} matching ${count === 1 ? 'frame' : 'frames'}: ${joulesText(joules)}, ${percentText(joules / (this.rootTotal || 1))} of the run`,
      );
    }
    if (hidden) parts.push(`${hidden} ${hidden === 1 ? 'call path' : 'call paths'} under 0.2% of the view not drawn (zoom in to see them)`);
    return parts.join(' · ');
  }
}

/** More of the box spent in the function itself: redder; spent in its callees: yellower. */
function heatColour(n: FlameNode): string {
  const own = n.totalJoules > 0 ? Math.min(1, n.selfJoules / n.totalJoules) : 0;
  return `color-mix(in srgb, var(--vscode-charts-red) ${Math.round(25 + own * 75)}%, var(--vscode-charts-yellow))`;
}

/** Red for more energy after, green for less, stronger with |ΔJ|; unchanged is the neutral chart colour. */
function deltaColour(n: FlameNode, maxDelta: number): string {
  const d = (n.afterJoules ?? 0) - (n.beforeJoules ?? 0);
  const strength = maxDelta > 0 ? Math.round((Math.abs(d) / maxDelta) * 85) : 0;
  const towards = d > 0 ? 'var(--vscode-charts-red)' : 'var(--vscode-charts-green)';
  return `color-mix(in srgb, ${towards} ${strength}%, var(--vscode-charts-lines, var(--vscode-descriptionForeground)))`;
}

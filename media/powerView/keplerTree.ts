// The power view's Kepler panel: nodes -> namespaces -> pods -> containers -> processes as an ARIA treegrid, Watts and
// share of the node per row, Kepler's model and the one zone named above it. Rebuilt on each tree (a few hundred rows
// at most: Kepler's processes are capped per container); which rows are open survives, and so does keyboard focus.
import type { KeplerPower, KeplerTreeRow } from '../../src/shared/attribution';
import { shareCell, wattsCell, type Unit } from '../common/format';

const LEVEL_LABEL: Readonly<Record<KeplerTreeRow['level'], string>> = {
  node: 'node',
  namespace: 'namespace',
  pod: 'pod',
  container: 'container',
  process: 'process',
  outside: 'outside pods',
  idle: 'idle power',
};

export class KeplerTreePanel {
  /** Paths ("node/ns/pod ...") of open rows; the chosen node starts open. */
  private readonly open = new Set<string>();
  private openedChosen = '';
  private last: KeplerPower | undefined;
  private unit: Unit = 'W';

  constructor(
    private readonly section: HTMLElement,
    private readonly about: HTMLElement,
    private readonly table: HTMLTableElement,
    private readonly onChoose: (node: string) => void,
  ) {
    table.addEventListener('click', (e) => {
      const button = (e.target as HTMLElement).closest('button');
      if (!button) return;
      const path = button.dataset.path ?? '';
      if (button.dataset.choose !== undefined) this.onChoose(path);
      else if (this.open.has(path)) this.open.delete(path);
      else this.open.add(path);
      if (button.dataset.choose === undefined) this.render(this.last, this.unit);
    });
  }

  render(kepler: KeplerPower | undefined, unit: Unit): void {
    this.last = kepler;
    this.unit = unit;
    this.section.hidden = kepler === undefined;
    if (!kepler) return;
    if (kepler.chosenNode && kepler.chosenNode !== this.openedChosen) {
      this.openedChosen = kepler.chosenNode;
      this.open.add(kepler.chosenNode);
    }
    const others = kepler.zones.filter((z) => z !== kepler.zone);
    const chosen = kepler.chosenNode
      ? `Node ${kepler.chosenNode} is the status bar's (optivolt.kepler.node).`
      : `No node chosen (optivolt.kepler.node): ${kepler.nodes.length} node${kepler.nodes.length === 1 ? '' : 's'} below, "Show" picks one.`;
    this.about.textContent = `Zone ${kepler.zone}${others.length ? ` (also: ${others.join(', ')})` : ''}. ${kepler.model} ${chosen}`;

    const focused = (document.activeElement as HTMLElement | null)?.closest?.('button')?.dataset;
    const focusKey = focused ? `${focused.choose !== undefined ? 'c' : 't'}|${focused.path ?? ''}` : undefined;
    const head = document.createElement('thead');
    head.innerHTML = `<tr><th scope="col">Name</th><th scope="col" class="num">${unit}</th><th scope="col" class="num">Share %</th><th scope="col">Status bar</th></tr>`;
    const body = document.createElement('tbody');
    const add = (r: KeplerTreeRow, level: number, parent: string, pos: number, size: number): void => {
      const path = parent ? `${parent}/${r.key}` : r.key;
      const expanded = this.open.has(path);
      const tr = body.insertRow();
      tr.className = `kepler-${r.level}`;
      tr.dataset.level = r.level;
      tr.setAttribute('aria-level', String(level));
      tr.setAttribute('aria-posinset', String(pos));
      tr.setAttribute('aria-setsize', String(size));
      const name = tr.insertCell();
      name.className = 'kepler-name';
      name.style.paddingInlineStart = `${(level - 1) * 1.2 + 0.3}em`;
      if (r.children.length) {
        tr.setAttribute('aria-expanded', String(expanded));
        const toggle = document.createElement('button');
        toggle.className = 'kepler-toggle';
        toggle.dataset.path = path;
        toggle.textContent = expanded ? '▾' : '▸';
        toggle.setAttribute('aria-label', `${expanded ? 'Collapse' : 'Expand'} ${LEVEL_LABEL[r.level]} ${r.name}`);
        name.append(toggle, ' ');
      }
      const label = document.createElement('span');
      label.textContent = r.name;
      const kind = document.createElement('span');
      kind.className = 'kepler-kind';
      kind.textContent = ` ${LEVEL_LABEL[r.level]}`;
      // Idle and outside-pods rows say what they are in their name already.
      if (r.level === 'outside' || r.level === 'idle') name.append(label);
      else name.append(label, kind);
      const w = tr.insertCell();
      w.className = 'num';
      w.textContent = wattsCell(r.watts, unit);
      const s = tr.insertCell();
      s.className = 'num';
      s.textContent = shareCell(r.share);
      const act = tr.insertCell();
      if (r.level === 'node' && r.key !== kepler.chosenNode) {
        const choose = document.createElement('button');
        choose.dataset.path = r.key;
        choose.dataset.choose = '';
        choose.textContent = 'Show';
        choose.title = `Show node ${r.name}'s power in the status bar (sets optivolt.kepler.node)`;
        act.append(choose);
      } else if (r.level === 'node') act.textContent = 'shown';
      if (expanded) r.children.forEach((c, i) => add(c, level + 1, path, i + 1, r.children.length));
    };
    kepler.nodes.forEach((n, i) => add(n, 1, '', i + 1, kepler.nodes.length));
    this.table.replaceChildren(head, body);
    if (focusKey) {
      for (const b of this.table.querySelectorAll('button')) {
        if (`${b.dataset.choose !== undefined ? 'c' : 't'}|${b.dataset.path ?? ''}` === focusKey) b.focus();
      }
    }
  }
}

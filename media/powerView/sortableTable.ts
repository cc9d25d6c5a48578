// A sortable <table> whose rows are kept by key and patched in place: an update only touches the text nodes
// whose string changed and moves the <tr> elements whose position changed, and nothing jumps (the caller's CSS
// fixes column widths and row height). A virtual table keeps only the rows near the viewport in the DOM (the
// page scrolls; margins stand in for the others), so an update with 1,000 rows stays well inside a frame.

/** Rows rendered above and below the visible ones, so a scroll seldom shows an empty band before the next frame. */
const OVERSCAN = 12;

export type SortDir = 'ascending' | 'descending';

export interface SortState {
  readonly column: string;
  readonly dir: SortDir;
}

export interface Column<R> {
  readonly id: string;
  readonly label: string;
  /** CSS width of the <col>, e.g. "9ch"; omit for the one column that takes the rest. */
  readonly width?: string;
  /** Right-aligned, tabular figures; the first click sorts descending. */
  readonly numeric?: boolean;
  readonly text: (row: R) => string;
  readonly sortValue: (row: R) => number | string;
  /** Tooltip of the cell (set as the title attribute). */
  readonly title?: (row: R) => string;
}

interface RowView {
  readonly tr: HTMLTableRowElement;
  /** aria-rowindex: the row's place in the whole sorted list, for screen readers (1 is the header row). */
  index: number;
  readonly texts: Text[];
  /** What each text node holds, to skip unchanged writes without reading the DOM. */
  readonly shown: string[];
  readonly titles: string[];
}

interface Keyed<R> {
  readonly row: R;
  readonly key: string;
  readonly value: number | string;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function compareValues(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return collator.compare(String(a), String(b));
}

export class SortableTable<R> {
  private readonly tbody: HTMLTableSectionElement;
  private readonly ths: HTMLTableCellElement[] = [];
  private readonly labels: HTMLElement[] = [];
  private readonly rows = new Map<string, RowView>();
  private sortState: SortState;
  private items: Keyed<R>[] = [];
  /** Measured from a rendered row; the CSS gives every row the same height. */
  private rowHeight = 24;
  /** The table's top and bottom margins standing in for the rows outside the window (virtual only). */
  private margins: [number, number] = [0, 0];

  constructor(
    readonly table: HTMLTableElement,
    private readonly columns: readonly Column<R>[],
    private readonly keyOf: (row: R) => string,
    sort: SortState,
    private readonly onSort: (sort: SortState) => void,
    /** Keep only the rows near the viewport in the DOM: Chromium lays a table out whole, and 1,000 rows take a
     *  frame or more to lay out on every change of a single cell. */
    private readonly virtual = false,
  ) {
    this.sortState = columns.some((c) => c.id === sort.column) ? sort : { column: columns[0].id, dir: 'descending' };
    const colgroup = table.appendChild(document.createElement('colgroup'));
    const headRow = table.createTHead().insertRow();
    for (const column of columns) {
      const col = colgroup.appendChild(document.createElement('col'));
      if (column.width) col.style.width = column.width;
      const th = document.createElement('th');
      th.scope = 'col';
      th.dataset.column = column.id;
      if (column.numeric) th.className = 'num';
      // A real button: Enter and Space sort, and it takes the focus outline.
      const button = th.appendChild(document.createElement('button'));
      button.type = 'button';
      button.className = 'sort';
      const label = button.appendChild(document.createElement('span'));
      label.textContent = column.label;
      button.addEventListener('click', () => this.toggleSort(column));
      headRow.appendChild(th);
      this.ths.push(th);
      this.labels.push(label);
    }
    this.tbody = table.createTBody();
    this.showSort();
  }

  get sort(): SortState {
    return this.sortState;
  }

  setLabel(columnId: string, label: string): void {
    const i = this.columns.findIndex((c) => c.id === columnId);
    if (i >= 0 && this.labels[i].textContent !== label) this.labels[i].textContent = label;
  }

  /** Sorts `rows` and shows them (the part of them near the viewport, when virtual). */
  render(rows: readonly R[]): void {
    this.items = this.sorted(rows);
    this.paint();
  }

  /** After a scroll or resize: shows the rows now near the viewport, without sorting again. */
  reveal(): void {
    if (this.virtual) this.paint();
  }

  /** Rows in the DOM: all of them, or (virtual) the viewport's plus OVERSCAN on each side. */
  private range(): [number, number] {
    const n = this.items.length;
    if (!this.virtual) return [0, n];
    // Read geometry before any write of this update, while layout is still clean (no forced reflow).
    const first = this.tbody.rows[0];
    const measured = first ? first.getBoundingClientRect().height : 0;
    if (measured > 0) this.rowHeight = measured;
    const origin = this.table.getBoundingClientRect().top - this.margins[0] + (this.table.tHead?.getBoundingClientRect().height ?? 0);
    const start = Math.min(n, Math.max(0, Math.floor(-origin / this.rowHeight) - OVERSCAN));
    const end = Math.min(n, Math.max(start, Math.ceil((window.innerHeight - origin) / this.rowHeight) + OVERSCAN));
    return [start, end];
  }

  private paint(): void {
    const [start, end] = this.range();
    const shown = this.items.slice(start, end);
    const keep = new Set<string>();
    for (const item of shown) keep.add(item.key);
    for (const [key, view] of this.rows) {
      if (!keep.has(key)) {
        view.tr.remove();
        this.rows.delete(key);
      }
    }
    // Walk the body once: rows already in place are skipped, others are moved (or inserted) before the cursor.
    let cursor = this.tbody.firstElementChild;
    shown.forEach((item, i) => {
      let view = this.rows.get(item.key);
      if (!view) {
        view = this.createRow();
        this.rows.set(item.key, view);
      }
      this.fill(view, item.row);
      // Row 1 is the header row.
      const index = start + i + 2;
      if (this.virtual && view.index !== index) {
        view.tr.setAttribute('aria-rowindex', String(index));
        view.index = index;
      }
      if (view.tr === cursor) cursor = cursor.nextElementSibling;
      else this.tbody.insertBefore(view.tr, cursor);
    });
    if (this.virtual) {
      // The rows left out keep their room as margins, so the page's scroll height is that of the whole list.
      const top = start * this.rowHeight;
      const bottom = (this.items.length - end) * this.rowHeight;
      if (top !== this.margins[0] || bottom !== this.margins[1]) {
        this.table.style.marginTop = `${top}px`;
        this.table.style.marginBottom = `${bottom}px`;
        this.margins = [top, bottom];
      }
      const count = String(this.items.length + 1);
      if (this.table.getAttribute('aria-rowcount') !== count) this.table.setAttribute('aria-rowcount', count);
    }
  }

  private sorted(rows: readonly R[]): Keyed<R>[] {
    const column = this.columns.find((c) => c.id === this.sortState.column) ?? this.columns[0];
    const sign = this.sortState.dir === 'ascending' ? 1 : -1;
    const seen = new Set<string>();
    const items: Keyed<R>[] = rows.map((row) => {
      let key = this.keyOf(row);
      // Keys must be unique for the row cache; a duplicate (which the host should not send) gets a suffix.
      for (let n = 2; seen.has(key); n++) key = `${this.keyOf(row)}#${n}`;
      seen.add(key);
      return { row, key, value: column.sortValue(row) };
    });
    // Ties fall back to the key so equal rows do not swap places from one update to the next.
    items.sort((a, b) => compareValues(a.value, b.value) * sign || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return items;
  }

  private createRow(): RowView {
    const tr = document.createElement('tr');
    const texts: Text[] = [];
    for (const column of this.columns) {
      const td = tr.insertCell();
      if (column.numeric) td.className = 'num';
      texts.push(td.appendChild(document.createTextNode('')));
    }
    return { tr, index: 0, texts, shown: this.columns.map(() => ''), titles: this.columns.map(() => '') };
  }

  private fill(view: RowView, row: R): void {
    for (let i = 0; i < this.columns.length; i++) {
      const column = this.columns[i];
      const text = column.text(row);
      if (view.shown[i] !== text) {
        view.texts[i].data = text;
        view.shown[i] = text;
      }
      if (column.title) {
        const title = column.title(row);
        if (view.titles[i] !== title) {
          view.tr.cells[i].title = title;
          view.titles[i] = title;
        }
      }
    }
  }

  private toggleSort(column: Column<R>): void {
    const same = this.sortState.column === column.id;
    const dir: SortDir = same
      ? this.sortState.dir === 'ascending'
        ? 'descending'
        : 'ascending'
      : column.numeric
        ? 'descending'
        : 'ascending';
    this.sortState = { column: column.id, dir };
    this.showSort();
    this.onSort(this.sortState);
  }

  private showSort(): void {
    this.ths.forEach((th, i) => {
      if (this.columns[i].id === this.sortState.column) th.setAttribute('aria-sort', this.sortState.dir);
      else th.removeAttribute('aria-sort');
    });
  }
}

// The tables beside the flame graph: the top functions of one profile (self and total energy, shares, location),
// and for a comparison the functions whose energy moved with the noise rule's verdict. A function with a file is a
// link: activating it asks the host to open the source at its line.
import type { FunctionEnergy } from '../../src/shared/energyProfile';
import type { FunctionDelta } from '../../src/shared/webviews/flameGraphProtocol';
import { isDiskPath, joulesText, locationText, percentText } from '../../src/shared/profileFormat';

/** Rows shown at most; the search narrows them. */
const MAX_ROWS = 100;

export type OpenSource = (file: string, line: number | undefined) => void;

const VERDICT_TEXT: Readonly<Record<FunctionDelta['verdict'], string>> = {
  real: 'real',
  noise: 'noise',
  'too-few-runs': 'not enough runs',
};

function cell(tr: HTMLTableRowElement, text: string, cls?: string): HTMLTableCellElement {
  const td = tr.insertCell();
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

/** The function's name as a link to its source when it has a file, plain text otherwise. */
function nameCell(tr: HTMLTableRowElement, f: { name: string; file?: string; line?: number; synthetic?: boolean }, open: OpenSource): void {
  const td = tr.insertCell();
  td.className = 'name';
  if (isDiskPath(f.file) && !f.synthetic) {
    const a = document.createElement('a');
    a.href = '#';
    a.className = 'source-link';
    a.textContent = f.name;
    const file = f.file;
    a.title = `Open ${file}${f.line ? `:${f.line}` : ''}`;
    a.addEventListener('click', (e) => {
      e.preventDefault();
      open(file, f.line);
    });
    td.append(a);
  } else {
    td.textContent = f.name;
    if (f.synthetic) td.classList.add('synthetic');
  }
  // The location under the name keeps the table narrow enough to sit beside the graph.
  const where = locationText(f);
  if (where) {
    const small = document.createElement('span');
    small.className = 'where';
    small.textContent = where;
    small.title = f.file ?? '';
    td.append(small);
  }
}

function header(table: HTMLTableElement, columns: readonly [string, string?][]): HTMLTableSectionElement {
  table.replaceChildren();
  const tr = table.createTHead().insertRow();
  for (const [text, cls] of columns) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = text;
    if (cls) th.className = cls;
    tr.append(th);
  }
  return table.createTBody();
}

/** Top functions by self or total energy; shares are of the run's measured energy. */
export function renderFunctions(
  table: HTMLTableElement,
  functions: readonly FunctionEnergy[],
  runJoules: number,
  by: 'self' | 'total',
  search: string,
  open: OpenSource,
): void {
  const body = header(table, [['Function'], ['Self', 'num'], ['Self %', 'num'], ['Total', 'num']]);
  const q = search.trim().toLowerCase();
  const rows = functions
    .filter((f) => !q || f.name.toLowerCase().includes(q))
    .slice()
    .sort((a, b) => (by === 'self' ? b.selfJoules - a.selfJoules : b.totalJoules - a.totalJoules))
    .slice(0, MAX_ROWS);
  const of = runJoules || 1;
  for (const f of rows) {
    const tr = body.insertRow();
    tr.dataset.function = f.name;
    nameCell(tr, f, open);
    cell(tr, joulesText(f.selfJoules), 'num self-j');
    cell(tr, percentText(f.selfJoules / of), 'num self-pct');
    cell(tr, `${joulesText(f.totalJoules)} · ${percentText(f.totalJoules / of)}`, 'num total-j');
  }
  table.createCaption().textContent = `Top functions by ${by} energy${q ? ` matching "${search.trim()}"` : ''} (${rows.length} of ${functions.length})`;
}

/** Functions whose self energy moved, largest |ΔJ| first, with the verdict of the noise rule. */
export function renderMoved(table: HTMLTableElement, deltas: readonly FunctionDelta[], search: string, open: OpenSource): void {
  const body = header(table, [['Function'], ['Before', 'num'], ['After', 'num'], ['ΔJ', 'num'], ['Spread', 'num'], ['Verdict']]);
  const q = search.trim().toLowerCase();
  const rows = deltas.filter((d) => !q || d.name.toLowerCase().includes(q)).slice(0, MAX_ROWS);
  for (const d of rows) {
    const tr = body.insertRow();
    tr.dataset.function = d.name;
    tr.classList.add(`verdict-${d.verdict}`, d.deltaJoules > 0 ? 'more' : 'less');
    nameCell(tr, d, open);
    cell(tr, d.status === 'added' ? 'new' : joulesText(d.beforeJoules), 'num');
    cell(tr, d.status === 'removed' ? 'gone' : joulesText(d.afterJoules), 'num');
    cell(tr, `${d.deltaJoules > 0 ? '+' : ''}${joulesText(d.deltaJoules)}`, 'num delta');
    cell(tr, d.spreadJoules === undefined ? '–' : `±${joulesText(d.spreadJoules)}`, 'num');
    cell(tr, VERDICT_TEXT[d.verdict], 'verdict');
  }
  table.createCaption().textContent = `Functions whose energy moved (${rows.length} of ${deltas.length})`;
}

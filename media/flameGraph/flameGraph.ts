// Entry of the energy flame graph webview: one profile (flame graph + top functions) or a comparison of two
// (differential flame graph + moved functions + the noise rule). Talks to the host over
// src/shared/webviews/flameGraphProtocol.ts; keeps which profile it shows and its prefs in the webview state, which
// the host's serializer reads after a window reload.
import '../common/controls.css';
import './flameGraph.css';
import { isObj } from '../../src/shared/guards';
import {
  DEFAULT_FLAME_PREFS,
  parsePrefs,
  parseRef,
  type FlameNode,
  type FlamePrefs,
  type FlameRef,
  type FromWebview,
  type ToWebview,
} from '../../src/shared/webviews/flameGraphProtocol';
import { vsCodeApi } from '../common/vscodeApi';
import { FlameChart } from './flameChart';
import { isDiskPath, joulesText, locationText, percentText } from '../../src/shared/profileFormat';
import { renderFunctions, renderMoved } from './functionTables';

interface SavedState {
  readonly ref?: FlameRef;
  readonly prefs: FlamePrefs;
  readonly search: string;
}

type Shown = Extract<ToWebview, { type: 'state/profile' | 'state/compare' }>;

/** Minimal checks on a host message: its type and the shape of what the renderers index into. */
function parseToWebview(msg: unknown): ToWebview | undefined {
  if (!isObj(msg)) return undefined;
  const tree = (t: unknown): boolean => isObj(t) && Array.isArray(t.nodes) && typeof t.totalJoules === 'number';
  switch (msg.type) {
    case 'state/profile':
      return isObj(msg.profile) && Array.isArray(msg.profile.functions) && tree(msg.tree) && parseRef(msg.ref)
        ? (msg as unknown as ToWebview)
        : undefined;
    case 'state/compare':
      return isObj(msg.comparison) && Array.isArray(msg.comparison.functions) && tree(msg.comparison.tree) && parseRef(msg.ref)
        ? (msg as unknown as ToWebview)
        : undefined;
    case 'view/focus':
      return isObj(msg.focus) && typeof msg.focus.name === 'string' ? (msg as unknown as ToWebview) : undefined;
    default:
      return undefined;
  }
}

const vscode = vsCodeApi<FromWebview>();
const saved: unknown = vscode.getState();
let prefs: FlamePrefs = { ...DEFAULT_FLAME_PREFS, ...(isObj(saved) ? parsePrefs(saved.prefs) : {}) };
let search = isObj(saved) && typeof saved.search === 'string' ? saved.search : '';
let shown: Shown | undefined;

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
};

const app = document.getElementById('app') ?? document.body.appendChild(document.createElement('div'));
const title = el('h1', { id: 'title' }, 'Energy profile');
const summary = el('p', { id: 'summary', class: 'summary' });
const model = el('details', { id: 'model' });
const controls = el('div', { class: 'controls', role: 'toolbar', 'aria-label': 'Flame graph controls' });
const orientation = el('button', { id: 'orientation', class: 'secondary', type: 'button' });
const tableBy = el('select', { id: 'table-by', 'aria-label': 'Sort the function table by' });
tableBy.append(el('option', { value: 'self' }, 'Sort by self energy'), el('option', { value: 'total' }, 'Sort by total energy'));
const searchBox = el('input', { id: 'search', type: 'search', placeholder: 'Search functions', 'aria-label': 'Search functions' });
const reset = el('button', { id: 'reset-zoom', class: 'secondary', type: 'button' }, 'Reset zoom');
controls.append(orientation, searchBox, reset, tableBy);
const details = el('div', { id: 'details', class: 'details', 'aria-live': 'polite' });
const rule = el('p', { id: 'rule', class: 'rule' });
const layout = el('div', { class: 'layout' });
const chartBox = el('section', { class: 'chart-box', 'aria-label': 'Flame graph' });
const flame = el('div', { id: 'flame', class: 'flame' });
const chartNote = el('p', { id: 'chart-note', class: 'note' });
chartBox.append(flame, chartNote);
const tableBox = el('section', { class: 'table-box', 'aria-label': 'Functions' });
const functions = el('table', { id: 'functions' });
tableBox.append(functions);
layout.append(chartBox, tableBox);
app.append(title, summary, model, controls, rule, details, layout);
searchBox.value = search;

const openSource = (file: string, line: number | undefined): void =>
  vscode.postMessage({ type: 'source/open', file, ...(line !== undefined ? { line } : {}) });

const chart = new FlameChart(flame, chartNote, { select: showDetails });

function showDetails(node: FlameNode | undefined): void {
  details.replaceChildren();
  if (!node) return;
  const of = shown?.type === 'state/profile' ? shown.profile.totalJoules : (shown?.comparison.tree.totalJoules ?? 1);
  const figures =
    node.beforeJoules !== undefined && node.afterJoules !== undefined
      ? `before ${joulesText(node.beforeJoules)} · after ${joulesText(node.afterJoules)} · Δ ${joulesText(node.afterJoules - node.beforeJoules)}`
      : `total ${joulesText(node.totalJoules)} (${percentText(node.totalJoules / (of || 1))}) · self ${joulesText(node.selfJoules)} (${percentText(node.selfJoules / (of || 1))})`;
  details.append(el('strong', {}, node.name), el('span', {}, ` ${figures} `));
  if (isDiskPath(node.file) && !node.synthetic) {
    const file = node.file;
    const go = el('button', { id: 'go-to-source', type: 'button' }, `Go to ${locationText(node)}`);
    go.addEventListener('click', () => openSource(file, node.line));
    details.append(go);
  }
}

function save(): void {
  const state: SavedState = { ...(shown ? { ref: shown.ref } : {}), prefs, search };
  vscode.setState(state);
}

function render(): void {
  orientation.textContent = prefs.orientation === 'icicle' ? 'View: icicle (top-down)' : 'View: flame (bottom-up)';
  orientation.title = 'Switch between icicle (callers on top) and flame (callers at the bottom)';
  tableBy.value = prefs.tableBy;
  if (!shown) return;
  chart.setOptions({ orientation: prefs.orientation, search, differential: shown.type === 'state/compare' });
  chart.render();
  if (shown.type === 'state/profile')
    renderFunctions(functions, shown.profile.functions, shown.profile.totalJoules, prefs.tableBy, search, openSource);
  else renderMoved(functions, shown.comparison.functions, search, openSource);
  tableBy.hidden = shown.type === 'state/compare';
}

function show(msg: Shown): void {
  shown = msg;
  title.textContent = msg.title;
  model.replaceChildren();
  model.hidden = msg.type === 'state/compare';
  rule.textContent = '';
  if (msg.type === 'state/profile') {
    const p = msg.profile;
    summary.textContent = [
      `${p.estimated ? '≈ ' : ''}${joulesText(p.totalJoules)} in ${p.durationSeconds.toFixed(1)} s`,
      `${p.runs} ${p.runs === 1 ? 'run' : 'runs'}`,
      `source: ${p.source}${p.estimated ? ' (estimated)' : ''}`,
      `${p.processes.length} ${p.processes.length === 1 ? 'process' : 'processes'}`,
    ].join(' · ');
    model.append(el('summary', {}, 'How these Joules were attributed'), el('p', {}, p.model));
    if (p.limits.length) {
      const ul = el('ul');
      for (const l of p.limits) ul.append(el('li', {}, l));
      model.append(ul);
    }
    chart.setTree(msg.tree);
    if (msg.focus) chart.focus(msg.focus);
  } else {
    const c = msg.comparison;
    summary.textContent = `before ${joulesText(c.before.totalJoules)} (${c.before.runs} runs) → after ${joulesText(c.after.totalJoules)} (${c.after.runs} runs): Δ ${c.deltaJoules > 0 ? '+' : ''}${joulesText(c.deltaJoules)} (${percentText(c.before.totalJoules ? c.deltaJoules / c.before.totalJoules : NaN)})`;
    rule.textContent = `Noise rule: ${c.rule} Colours: red = more energy after, green = less.`;
    chart.setTree(c.tree);
  }
  details.replaceChildren();
  save();
  render();
}

function setPrefs(change: Partial<FlamePrefs>): void {
  prefs = { ...prefs, ...change };
  save();
  render();
  vscode.postMessage({ type: 'view/setPrefs', prefs: change });
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const msg = parseToWebview(event.data);
  if (!msg) return;
  switch (msg.type) {
    case 'state/profile':
    case 'state/compare':
      prefs = { ...prefs, ...msg.prefs };
      show(msg);
      break;
    case 'view/focus':
      if (!chart.focus(msg.focus)) details.textContent = `${msg.focus.name} is not in this profile's call tree.`;
      break;
    default: {
      const never: never = msg;
      void never;
    }
  }
});

orientation.addEventListener('click', () => setPrefs({ orientation: prefs.orientation === 'icicle' ? 'flame' : 'icicle' }));
tableBy.addEventListener('change', () => setPrefs({ tableBy: tableBy.value === 'total' ? 'total' : 'self' }));
reset.addEventListener('click', () => chart.resetZoom());
searchBox.addEventListener('input', () => {
  search = searchBox.value;
  save();
  render();
});

render();
vscode.postMessage({ type: 'ready' });

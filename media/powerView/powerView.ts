// Entry of the power view webview: keeps the view's model (prefs, history, latest snapshot), talks to the host
// over the protocol of src/shared/webviews/powerViewProtocol.ts, and renders what changed in one animation frame
// per batch of messages.
import 'uplot/dist/uPlot.min.css';
import '../common/controls.css';
import './powerView.css';
import type { AttributionSnapshot, HostPoint, KeplerPower, LastHour } from '../../src/shared/attribution';
import {
  DEFAULT_PREFS,
  parseFromWebview,
  type FromWebview,
  type ToWebview,
  type ViewPrefs,
} from '../../src/shared/webviews/powerViewProtocol';
import { isObj } from '../../src/shared/guards';
import { PowerChart } from './powerChart';
import { currencyFormatter } from '../common/format';
import { buildLayout } from './layout';
import { renderControls, renderEfficiency, renderStatus } from './panels';
import type { SortState } from './sortableTable';
import { ContainerTable, DEFAULT_SORT, ProcessTable } from './attributionTables';
import { vsCodeApi } from '../common/vscodeApi';
import { KeplerTreePanel } from './keplerTree';

/** What survives a webview reload (VS Code keeps it with setState). */
interface SavedState {
  readonly prefs: ViewPrefs;
  readonly filter: string;
  readonly processSort: SortState;
  readonly containerSort: SortState;
}

/** The longest chart window: older points are dropped. */
const HISTORY_MS = 60 * 60_000;

type Part = 'status' | 'controls' | 'chart' | 'processes' | 'containers' | 'efficiency' | 'kepler' | 'viewport';
const ALL_PARTS: readonly Part[] = ['status', 'controls', 'chart', 'processes', 'containers', 'efficiency', 'kepler'];

/** Prefs from an untrusted place (saved state, a message): the protocol's own validation, over the defaults. */
function sanitizePrefs(value: unknown, base: ViewPrefs): ViewPrefs {
  const parsed = parseFromWebview({ type: 'view/setPrefs', prefs: value });
  return parsed?.type === 'view/setPrefs' ? { ...base, ...parsed.prefs } : base;
}

function sanitizeSort(value: unknown): SortState {
  if (isObj(value) && typeof value.column === 'string' && (value.dir === 'ascending' || value.dir === 'descending')) {
    return { column: value.column, dir: value.dir };
  }
  return DEFAULT_SORT;
}

function restore(value: unknown): SavedState {
  const s = isObj(value) ? value : {};
  return {
    prefs: sanitizePrefs(s.prefs, DEFAULT_PREFS),
    filter: typeof s.filter === 'string' ? s.filter : '',
    processSort: sanitizeSort(s.processSort),
    containerSort: sanitizeSort(s.containerSort),
  };
}

const isSnapshot = (v: unknown): v is AttributionSnapshot =>
  isObj(v) && typeof v.hostWatts === 'number' && Array.isArray(v.processes) && Array.isArray(v.containers);
const isPoint = (v: unknown): v is HostPoint => isObj(v) && typeof v.t === 'number' && typeof v.watts === 'number' && isObj(v.zones);
const isKeplerRow = (v: unknown): boolean =>
  isObj(v) &&
  typeof v.name === 'string' &&
  typeof v.key === 'string' &&
  typeof v.watts === 'number' &&
  Array.isArray(v.children) &&
  v.children.every(isKeplerRow);
const isKepler = (v: unknown): v is KeplerPower =>
  isObj(v) &&
  typeof v.zone === 'string' &&
  Array.isArray(v.zones) &&
  typeof v.model === 'string' &&
  typeof v.chosenNode === 'string' &&
  Array.isArray(v.nodes) &&
  v.nodes.every(isKeplerRow);
const isLastHour = (v: unknown): v is LastHour => isObj(v) && typeof v.joules === 'number';

/** Minimal checks on a host message: its type and the shape of what the renderers index into. */
function parseToWebview(msg: unknown): ToWebview | undefined {
  if (!isObj(msg)) return undefined;
  switch (msg.type) {
    case 'state/full':
      return Array.isArray(msg.history) &&
        msg.history.every(isPoint) &&
        isObj(msg.prefs) &&
        isLastHour(msg.lastHour) &&
        (msg.snapshot === undefined || isSnapshot(msg.snapshot)) &&
        (msg.kepler === undefined || isKepler(msg.kepler))
        ? (msg as unknown as ToWebview)
        : undefined;
    case 'power/sample':
      return isPoint(msg.point) && isSnapshot(msg.snapshot) && isLastHour(msg.lastHour) ? (msg as unknown as ToWebview) : undefined;
    case 'view/prefs':
      return isObj(msg.prefs) ? (msg as unknown as ToWebview) : undefined;
    case 'kepler/tree':
      return msg.kepler === undefined || isKepler(msg.kepler) ? (msg as unknown as ToWebview) : undefined;
    default:
      return undefined;
  }
}

const vscode = vsCodeApi<FromWebview>();
const saved = restore(vscode.getState());
let prefs = saved.prefs;
let filter = saved.filter;
let history: HostPoint[] = [];
let snapshot: AttributionSnapshot | undefined;
let lastHour: LastHour | undefined;
let kepler: KeplerPower | undefined;
/** Samples that came in while paused: the screen stays frozen (even on a sort or unit change) until Resume. */
let held: { points: HostPoint[]; snapshot?: AttributionSnapshot; lastHour?: LastHour } = { points: [] };
let formatCost = currencyFormatter('EUR');

const ui = buildLayout(document.getElementById('app') ?? document.body.appendChild(document.createElement('div')));
ui.filter.value = filter;
const chart = new PowerChart(ui.chart);
const processTable = new ProcessTable(ui.processes, ui.processSummary, ui.unattributed, saved.processSort, () => {
  save();
  invalidate('processes');
});
const containerTable = new ContainerTable(ui.containers, saved.containerSort, () => {
  save();
  invalidate('containers');
});

const keplerPanel = new KeplerTreePanel(ui.keplerPanel, ui.keplerAbout, ui.kepler, (node) =>
  vscode.postMessage({ type: 'kepler/chooseNode', node }),
);

function save(): void {
  const state: SavedState = { prefs, filter, processSort: processTable.sort, containerSort: containerTable.sort };
  vscode.setState(state);
}

const dirty = new Set<Part>();
let frame = 0;

function invalidate(...parts: readonly Part[]): void {
  for (const part of parts) dirty.add(part);
  if (!frame) frame = requestAnimationFrame(flush);
}

/** One frame's work. Timed as the user-timing measure "optivolt:render" (visible in DevTools, and to tests). */
function flush(): void {
  frame = 0;
  const start = performance.now();
  // The process table first: it reads the viewport's geometry, free only before this frame's first write.
  if (dirty.has('processes')) processTable.render(snapshot, filter, prefs.unit);
  else if (dirty.has('viewport')) processTable.reveal();
  if (dirty.has('containers')) containerTable.render(snapshot, prefs.unit);
  if (dirty.has('status')) renderStatus(ui, snapshot, prefs);
  if (dirty.has('controls')) renderControls(ui, prefs);
  if (dirty.has('efficiency')) renderEfficiency(ui, lastHour, formatCost);
  if (dirty.has('kepler')) keplerPanel.render(kepler, prefs.unit);
  if (dirty.has('chart')) chart.update(history, prefs.windowMinutes, prefs.unit);
  dirty.clear();
  performance.measure('optivolt:render', { start, end: performance.now() });
  performance.clearMeasures('optivolt:render');
}

/** Appends in time order and drops what is older than the longest window. */
function appendPoint(points: HostPoint[], point: HostPoint): void {
  const last = points[points.length - 1];
  if (last && point.t < last.t) return; // out of order: the next state/full brings it back in place
  if (last && point.t === last.t) points[points.length - 1] = point;
  else points.push(point);
  let stale = 0;
  while (stale < points.length && points[stale].t < point.t - HISTORY_MS) stale++;
  if (stale) points.splice(0, stale);
}

function applySample(point: HostPoint, next: AttributionSnapshot | undefined, nextHour: LastHour | undefined): void {
  appendPoint(history, point);
  snapshot = next ?? snapshot;
  lastHour = nextHour ?? lastHour;
}

/** Every prefs change goes through here: saved, rendered, and on Resume the held samples are shown. */
function setPrefs(next: ViewPrefs): void {
  const resumed = prefs.paused && !next.paused;
  prefs = next;
  if (resumed) {
    for (const point of held.points) applySample(point, undefined, undefined);
    snapshot = held.snapshot ?? snapshot;
    lastHour = held.lastHour ?? lastHour;
    held = { points: [] };
  }
  save();
  invalidate(...ALL_PARTS);
}

/** A change made in this view: kept, and sent to the host (which validates it and may answer view/prefs). */
function changePrefs(change: Partial<ViewPrefs>): void {
  setPrefs({ ...prefs, ...change });
  vscode.postMessage({ type: 'view/setPrefs', prefs: change });
}

function onMessage(msg: ToWebview): void {
  switch (msg.type) {
    case 'state/full':
      // Everything anew, shown even while paused (it is what the host has after a reload).
      history = msg.history.slice().sort((a, b) => a.t - b.t);
      snapshot = msg.snapshot;
      lastHour = msg.lastHour;
      kepler = msg.kepler;
      held = { points: [] };
      formatCost = currencyFormatter(msg.currency);
      setPrefs(sanitizePrefs(msg.prefs, prefs));
      break;
    case 'power/sample':
      if (prefs.paused) {
        // Held, not shown: Resume then shows the present at once.
        appendPoint(held.points, msg.point);
        held.snapshot = msg.snapshot;
        held.lastHour = msg.lastHour;
      } else {
        applySample(msg.point, msg.snapshot, msg.lastHour);
        invalidate('status', 'chart', 'processes', 'containers', 'efficiency');
      }
      break;
    case 'view/prefs':
      setPrefs(sanitizePrefs(msg.prefs, prefs));
      break;
    case 'kepler/tree':
      kepler = msg.kepler;
      invalidate('kepler');
      break;
    default: {
      const unknownType: never = msg;
      void unknownType;
    }
  }
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const msg = parseToWebview(event.data);
  if (msg) onMessage(msg);
});

for (const [minutes, button] of ui.windowButtons) {
  button.addEventListener('click', () => {
    if (prefs.windowMinutes !== minutes) changePrefs({ windowMinutes: minutes });
  });
}
ui.pause.addEventListener('click', () => changePrefs({ paused: !prefs.paused }));
ui.unit.addEventListener('click', () => changePrefs({ unit: prefs.unit === 'W' ? 'mW' : 'W' }));
ui.groupByName.addEventListener('change', () => changePrefs({ groupByName: ui.groupByName.checked }));
ui.topN.addEventListener('change', () => {
  const n = Number(ui.topN.value);
  if (Number.isInteger(n) && n >= 0) changePrefs({ topN: n });
});
window.addEventListener('scroll', () => invalidate('viewport'), { passive: true });
window.addEventListener('resize', () => invalidate('viewport'));
ui.filter.addEventListener('input', () => {
  filter = ui.filter.value;
  save();
  invalidate('processes');
});

invalidate(...ALL_PARTS);
vscode.postMessage({ type: 'ready' });

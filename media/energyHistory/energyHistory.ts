// Entry of the "Energy History" webview: the team's pushed history of this repository (the host reads it from the
// engine, src/client/webviews/energyHistory/energyHistory.ts), one uPlot chart per session and per test across commits,
// each with its table of commits and the verdict between the last two.
import 'uplot/dist/uPlot.min.css';
import '../common/controls.css';
import './energyHistory.css';
import uPlot from 'uplot';
import { parseToWebview, type FromWebview, type HistoryChartView, type ToWebview } from '../../src/shared/webviews/energyHistoryProtocol';
import { readPalette } from '../common/chartPalette';
import { vsCodeApi } from '../common/vscodeApi';

const HEIGHT = 180;
const vscode = vsCodeApi<FromWebview>();

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

const bar = document.body.appendChild(el('div', { class: 'bar' }));
const title = bar.appendChild(el('div', { id: 'repository', class: 'title' }, 'Energy History'));
const status = bar.appendChild(el('span', { id: 'status' }));
const refresh = bar.appendChild(el('button', { type: 'button', id: 'refresh', class: 'secondary' }, 'Refresh'));
const message = document.body.appendChild(el('div', { id: 'message', class: 'message' }));
const charts = document.body.appendChild(el('div', { id: 'charts' }));
let plots: uPlot[] = [];

const short = (commit: string): string => commit.slice(0, 12);
const chartTitle = (c: HistoryChartView): string =>
  c.test !== undefined ? `${c.test} (test of "${c.session}")` : `${c.session} (${c.kind})`;

function plot(container: HTMLElement, c: HistoryChartView): uPlot {
  const p = readPalette();
  const axis: uPlot.Axis = { stroke: p.foreground, font: p.font, grid: { stroke: p.grid, width: 1 }, ticks: { stroke: p.grid, width: 1 } };
  const xs = c.points.map((_, i) => i);
  const runsAt = (pick: (r: readonly number[]) => number): number[] => c.points.map((pt) => pick(pt.runs));
  const opts: uPlot.Options = {
    width: Math.max(240, Math.floor(container.clientWidth || 600)),
    height: HEIGHT,
    scales: { x: { time: false, range: () => [-0.5, Math.max(0.5, c.points.length - 0.5)] } },
    series: [
      { label: 'commit', value: (_u, i) => (i == null ? '' : short(c.points[Math.round(i)]?.commit ?? '')) },
      {
        label: 'mean J',
        stroke: p.series[0],
        width: 2,
        points: { show: true, size: 7 },
        value: (_u, v) => (v == null ? '' : v.toFixed(3)),
      },
      {
        label: 'lowest run',
        stroke: p.series[1],
        // Runs as dots only: a line between one commit's lowest and the next's would read as a trend.
        paths: () => null,
        points: { show: true, size: 6, width: 1.5, fill: p.series[1] },
        value: (_u, v) => (v == null ? '' : v.toFixed(3)),
      },
      {
        label: 'highest run',
        stroke: p.series[2],
        // Runs as dots only: a line between one commit's lowest and the next's would read as a trend.
        paths: () => null,
        points: { show: true, size: 6, width: 1.5, fill: p.series[2] },
        value: (_u, v) => (v == null ? '' : v.toFixed(3)),
      },
    ],
    axes: [
      { ...axis, splits: () => xs, values: (_u, splits) => splits.map((i) => short(c.points[i]?.commit ?? '').slice(0, 8)) },
      { ...axis, size: 60, values: (_u, splits) => splits.map((v) => `${v} J`) },
    ],
    legend: { live: true },
  };
  return new uPlot(
    opts,
    [xs, c.points.map((pt) => pt.meanJoules), runsAt((r) => Math.min(...r)), runsAt((r) => Math.max(...r))],
    container,
  );
}

function renderChart(c: HistoryChartView): HTMLElement {
  const section = el('section', {
    class: 'chart',
    'data-kind': c.kind,
    'data-session': c.session,
    ...(c.test !== undefined ? { 'data-test': c.test } : {}),
  });
  section.appendChild(el('h3', {}, chartTitle(c)));
  const box = section.appendChild(el('div', { class: 'plot' }));
  const table = section.appendChild(el('table', { class: 'points' }));
  const head = table.appendChild(el('thead')).appendChild(el('tr'));
  for (const h of ['commit', 'branch', 'runs', 'mean J', 'runs (J)']) head.appendChild(el('th', {}, h));
  const body = table.appendChild(el('tbody'));
  for (const pt of c.points) {
    const tr = body.appendChild(el('tr', { 'data-commit': pt.commit }));
    tr.appendChild(el('td', { class: 'commit', title: pt.commit }, short(pt.commit)));
    tr.appendChild(el('td', {}, pt.branch));
    tr.appendChild(el('td', { class: 'num runs' }, String(pt.runs.length)));
    tr.appendChild(el('td', { class: 'num mean' }, pt.meanJoules.toFixed(3)));
    tr.appendChild(el('td', { class: 'values' }, pt.runs.map((r) => r.toFixed(3)).join(', ')));
  }
  section.appendChild(el('p', { class: `verdict verdict-${c.verdict.replace(/ /g, '-')}` }, c.verdictText));
  // Drawn once the section is in the page, so uPlot reads its width.
  queueMicrotask(() => plots.push(plot(box, c)));
  return section;
}

function clear(): void {
  for (const p of plots) p.destroy();
  plots = [];
  charts.replaceChildren();
  message.replaceChildren();
  message.className = 'message';
}

function onMessage(msg: ToWebview): void {
  title.textContent = msg.repository ? `Energy History of repository="${msg.repository}"` : 'Energy History';
  switch (msg.type) {
    case 'history/loading':
      status.textContent = `Reading ${msg.url}…`;
      return;
    case 'history/error':
      clear();
      status.textContent = 'Failed';
      message.className = 'message error';
      message.appendChild(el('h2', {}, `Cannot read the history from ${msg.url}`));
      message.appendChild(el('pre', { id: 'error-text' }, msg.message));
      return;
    case 'history/result':
      clear();
      status.textContent = `${msg.charts.length} chart${msg.charts.length === 1 ? '' : 's'}, last ${msg.days} days, from ${msg.url}`;
      if (msg.charts.length === 0) {
        message.className = 'message empty';
        message.appendChild(
          el(
            'p',
            { id: 'empty-text' },
            `No OptiVolt series for repository="${msg.repository}" in the last ${msg.days} days on ${msg.url}. ` +
              'Push results from CI with optivolt measure|profile|test --push or --push-remote-write (see the README).',
          ),
        );
        return;
      }
      for (const c of msg.charts) charts.appendChild(renderChart(c));
      return;
    default: {
      const never: never = msg;
      void never;
    }
  }
}

const onWindowMessage = (event: MessageEvent<unknown>): void => {
  const msg = parseToWebview(event.data);
  if (msg) onMessage(msg);
};
const onRefresh = (): void => vscode.postMessage({ type: 'history/refresh' });
window.addEventListener('message', onWindowMessage);
refresh.addEventListener('click', onRefresh);
window.addEventListener(
  'pagehide',
  () => {
    window.removeEventListener('message', onWindowMessage);
    refresh.removeEventListener('click', onRefresh);
    clear();
  },
  { once: true },
);
status.textContent = 'Waiting…';
vscode.postMessage({ type: 'ready' });

// Entry of the "PromQL Result" webview: shows the latest run the host sends over
// src/shared/webviews/promqlResultProtocol.ts, as a table of series (instant query) and a uPlot chart of the last
// 15 minutes (range query).
import 'uplot/dist/uPlot.min.css';
import '../common/controls.css';
import './promqlResult.css';
import uPlot from 'uplot';
import { seriesName, type QueryErrorInfo, type QueryOutcome, type RangeResult } from '../../src/shared/queryResult';
import { parseToWebview, type FromWebview, type ToWebview } from '../../src/shared/webviews/promqlResultProtocol';
import { readPalette, samePalette } from '../common/chartPalette';
import { DASH } from '../common/format';
import { vsCodeApi } from '../common/vscodeApi';

const HEIGHT = 240;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Lines of several series over one time axis; re-created when the series or the theme change. */
class SeriesChart {
  private plot: uPlot | undefined;
  private palette = readPalette();
  private range: RangeResult | undefined;
  private readonly resizeObserver: ResizeObserver;
  private readonly themeObserver: MutationObserver;

  constructor(private readonly container: HTMLElement) {
    this.resizeObserver = new ResizeObserver((entries) => {
      const width = Math.floor(entries[entries.length - 1].contentRect.width);
      if (this.plot && width > 0 && width !== this.plot.width) this.plot.setSize({ width, height: HEIGHT });
    });
    this.resizeObserver.observe(container);
    this.themeObserver = new MutationObserver(() => {
      const palette = readPalette();
      if (samePalette(palette, this.palette)) return;
      this.palette = palette;
      if (this.range) this.show(this.range);
    });
    this.themeObserver.observe(document.body, { attributes: true, attributeFilter: ['class'] });
    this.themeObserver.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
  }

  show(range: RangeResult): void {
    this.range = range;
    this.plot?.destroy();
    const p = this.palette;
    const axis: uPlot.Axis = {
      stroke: p.foreground,
      font: p.font,
      labelFont: p.font,
      grid: { stroke: p.grid, width: 1 },
      ticks: { stroke: p.grid, width: 1 },
    };
    const opts: uPlot.Options = {
      width: Math.max(200, Math.floor(this.container.clientWidth)),
      height: HEIGHT,
      scales: { x: { time: true, range: () => [range.start, range.end] } },
      series: [
        { label: 'time' },
        ...range.series.map((s, i): uPlot.Series => ({
          label: seriesName(s.labels),
          stroke: p.series[i % p.series.length],
          width: range.series.length > 10 ? 1 : 2,
          spanGaps: false,
          // A series of a few samples (a fresh Prometheus, a short-lived process) would be invisible as a line.
          points: { show: s.values.filter((v) => v !== null).length <= 30, size: 5 },
          value: (_u, v) => (v == null ? DASH : formatValue(v)),
        })),
      ],
      axes: [
        { ...axis, space: 90 },
        { ...axis, size: 70, values: (_u, splits) => splits.map(formatValue) },
      ],
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
    };
    const data: uPlot.AlignedData = [range.times.slice(), ...range.series.map((s) => s.values.slice())];
    this.plot = new uPlot(opts, data, this.container);
  }

  clear(): void {
    this.range = undefined;
    this.plot?.destroy();
    this.plot = undefined;
  }

  dispose(): void {
    this.resizeObserver.disconnect();
    this.themeObserver.disconnect();
    this.clear();
  }
}

/** Compact numbers for the axis and legend: 1234.5 -> 1235, 0.000123 -> 1.23e-4. */
function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toExponential(2);
  return Number(v.toPrecision(4)).toString();
}

// The page: a header (query, status, Run again), an error box, the chart, the table.
const app = document.getElementById('app') ?? document.body.appendChild(el('div'));
const header = app.appendChild(el('header', { class: 'bar' }));
const queryText = header.appendChild(el('pre', { id: 'query', class: 'query' }));
const status = header.appendChild(el('span', { id: 'status', role: 'status', 'aria-live': 'polite' }));
const rerun = header.appendChild(el('button', { id: 'rerun', type: 'button', title: 'Run the query again' }, 'Run again'));
const errorBox = app.appendChild(el('section', { id: 'error', class: 'error', hidden: '' }));
const chartSection = app.appendChild(el('section', { id: 'chart-section', hidden: '' }));
chartSection.appendChild(el('h2', {}, 'Last 15 minutes'));
const chartBox = chartSection.appendChild(el('div', { id: 'chart' }));
const chartNote = chartSection.appendChild(el('p', { id: 'chart-note', class: 'note' }));
const tableSection = app.appendChild(el('section', { id: 'table-section', hidden: '' }));
const tableTitle = tableSection.appendChild(el('h2', {}));
const table = tableSection.appendChild(el('table', { id: 'result' }));
const tableNote = tableSection.appendChild(el('p', { id: 'table-note', class: 'note' }));

const vscode = vsCodeApi<FromWebview>();
const chart = new SeriesChart(chartBox);
let shownRequest = 0;

function setStatus(text: string, busy = false): void {
  status.textContent = text;
  status.classList.toggle('busy', busy);
}

function renderTable(o: QueryOutcome): void {
  const i = o.instant;
  tableTitle.textContent = `${i.resultType === 'vector' ? 'Instant vector' : i.resultType === 'matrix' ? 'Range vector' : i.resultType === 'scalar' ? 'Scalar' : 'String'} at ${new Date(i.time).toLocaleTimeString()}`;
  table.replaceChildren();
  const head = table.createTHead().insertRow();
  const withSamples = i.resultType === 'matrix';
  for (const h of ['Series', withSamples ? 'Last value' : 'Value', ...(withSamples ? ['Samples'] : [])])
    head.appendChild(el('th', { scope: 'col' }, h));
  const body = table.createTBody();
  for (const row of i.rows) {
    const tr = body.insertRow();
    const name = tr.insertCell();
    name.className = 'series';
    const { __name__: metric, ...labels } = row.labels;
    if (metric) name.appendChild(el('span', { class: 'metric' }, metric));
    for (const k of Object.keys(labels).sort()) {
      const chip = name.appendChild(el('span', { class: 'label' }));
      chip.append(el('span', { class: 'label-name' }, k), '=', el('span', { class: 'label-value' }, JSON.stringify(labels[k])));
    }
    if (!metric && !Object.keys(labels).length)
      name.appendChild(el('span', { class: 'dim' }, i.resultType === 'vector' ? '{}' : i.resultType));
    tr.appendChild(el('td', { class: 'num' }, row.value));
    if (withSamples) tr.appendChild(el('td', { class: 'num' }, String(row.samples ?? 0)));
  }
  if (!i.rows.length) body.insertRow().appendChild(el('td', { colspan: '2', class: 'dim' }, 'Empty result: no series match.'));
  tableNote.textContent = i.truncated ? `Truncated: showing the first ${i.rows.length} of ${i.total} series.` : `${i.total} series.`;
}

function renderResult(o: QueryOutcome): void {
  errorBox.hidden = true;
  queryText.textContent = o.query;
  tableSection.hidden = false;
  renderTable(o);
  if (o.range) {
    chartSection.hidden = false;
    chart.show(o.range);
    const r = o.range;
    chartNote.textContent = `Step ${r.step} s, ${r.times.length} points.${r.truncated ? ` Truncated: ${r.series.length} of ${r.total} series drawn.` : ''}${r.series.length ? '' : ' No data in the window.'}`;
  } else {
    chart.clear();
    chartSection.hidden = false;
    chartNote.textContent = o.rangeNote ?? 'No chart.';
  }
  setStatus(`Done in ${o.tookMs} ms`);
}

function renderError(query: string, e: QueryErrorInfo): void {
  queryText.textContent = query;
  chart.clear();
  chartSection.hidden = true;
  tableSection.hidden = true;
  errorBox.hidden = false;
  errorBox.replaceChildren(
    el(
      'h2',
      {},
      e.kind === 'bad_data'
        ? 'Prometheus rejected the query'
        : e.kind === 'unreachable'
          ? 'Prometheus is not reachable'
          : 'The query failed',
    ),
  );
  errorBox.appendChild(el('pre', { class: 'prom-error' }, e.prometheusText ?? e.message));
  if (e.position) {
    // The query again, with a caret under the error's column.
    const lines = query.split('\n');
    const caret = `${lines.slice(0, e.position.line).join('\n')}\n${' '.repeat(Math.max(0, e.position.column - 1))}^`;
    errorBox.appendChild(el('pre', { class: 'caret' }, caret));
    const go = errorBox.appendChild(
      el('button', { type: 'button', id: 'reveal-error' }, `Go to line ${e.position.line}, column ${e.position.column}`),
    );
    go.addEventListener('click', () => vscode.postMessage({ type: 'query/revealError' }));
  }
  if (e.kind === 'unreachable') {
    errorBox.appendChild(
      el('p', {}, `Set optivolt.prometheus.url (now ${e.url}) to your Prometheus, or start OptiVolt's monitoring stack.`),
    );
    const start = errorBox.appendChild(el('button', { type: 'button', id: 'start-monitoring' }, 'Start Monitoring'));
    start.addEventListener('click', () => vscode.postMessage({ type: 'stack/start' }));
  }
  setStatus('Failed');
}

function onMessage(msg: ToWebview): void {
  if (msg.requestId < shownRequest) return; // an older run's late answer
  shownRequest = msg.requestId;
  switch (msg.type) {
    case 'query/running':
      queryText.textContent = msg.query;
      setStatus(`Running on ${msg.url}…`, true);
      vscode.setState({ query: msg.query });
      break;
    case 'query/result':
      renderResult(msg.outcome);
      vscode.setState({ query: msg.outcome.query });
      break;
    case 'query/error':
      renderError(msg.query, msg.error);
      break;
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
const onRerun = (): void => vscode.postMessage({ type: 'query/rerun' });
window.addEventListener('message', onWindowMessage);
rerun.addEventListener('click', onRerun);
// Closing the panel unloads the page: drop the observers and listeners with it.
window.addEventListener(
  'pagehide',
  () => {
    window.removeEventListener('message', onWindowMessage);
    rerun.removeEventListener('click', onRerun);
    chart.dispose();
  },
  { once: true },
);

setStatus('Waiting for a query…');
vscode.postMessage({ type: 'ready' });

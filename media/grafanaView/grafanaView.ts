// Entry of the Grafana panel's webview: a toolbar (time range, refresh interval, refresh now, open in browser), the
// embedded Grafana frame, and a "not running" state with a Start Monitoring button. The host composes every URL
// (theme, range, refresh, proxy); this side only shows it and saves the view for the serializer.
import '../common/controls.css';
import './grafanaView.css';
import { GrafanaStatus, REFRESH_INTERVALS, RefreshInterval, TIME_RANGES, TimeRange } from '../../src/shared/grafana';
import { GrafanaFromWebview, GrafanaViewState, parseGrafanaToWebview } from '../../src/shared/webviews/grafanaViewProtocol';
import { vsCodeApi } from '../common/vscodeApi';

const vscode = vsCodeApi<GrafanaFromWebview>();

const RANGE_LABELS: Record<TimeRange, string> = {
  '5m': 'Last 5 minutes',
  '15m': 'Last 15 minutes',
  '1h': 'Last hour',
  '6h': 'Last 6 hours',
  '24h': 'Last 24 hours',
};

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

function select<T extends string>(id: string, label: string, values: readonly T[], text: (v: T) => string): HTMLSelectElement {
  const s = el('select', { id, title: label });
  s.setAttribute('aria-label', label);
  for (const v of values) s.append(el('option', { value: v, textContent: text(v) }));
  return s;
}

const range = select<TimeRange>('range', 'Time range', TIME_RANGES, (v) => RANGE_LABELS[v]);
const refresh = select<RefreshInterval>('refresh', 'Auto refresh', REFRESH_INTERVALS, (v) =>
  v === 'off' ? 'Auto refresh off' : `Every ${v}`,
);
const refreshNow = el('button', {
  id: 'refresh-now',
  type: 'button',
  className: 'secondary',
  textContent: 'Refresh',
  title: 'Reload the dashboard now',
});
const openExternal = el('button', {
  id: 'open-external',
  type: 'button',
  className: 'secondary',
  textContent: 'Open in Browser',
  title: 'Open this view in your browser',
});
const title = el('span', { id: 'title', className: 'title' });
const toolbar = el('div', { className: 'toolbar', role: 'toolbar' }, title, range, refresh, refreshNow, openExternal);
toolbar.setAttribute('aria-label', 'Grafana');

const statusText = el('p', { id: 'status-text', className: 'status-text' });
const startButton = el('button', { id: 'start-monitoring', type: 'button', textContent: 'Start Monitoring' });
const retryButton = el('button', { id: 'retry', type: 'button', className: 'secondary', textContent: 'Retry now' });
const down = el(
  'div',
  { id: 'down', className: 'down', role: 'status', hidden: true },
  el('h2', { textContent: 'Grafana is not running' }),
  statusText,
  el('p', {
    className: 'hint',
    textContent:
      'Start the monitoring stack, or set optivolt.grafana.url to your Grafana. This panel reconnects by itself when Grafana answers.',
  }),
  el('div', { className: 'actions' }, startButton, retryButton),
);
const checking = el('div', { id: 'checking', className: 'checking', role: 'status', textContent: 'Connecting to Grafana…' });
const frameBox = el('div', { id: 'frame-box', className: 'frame-box' });
document.getElementById('app')?.append(toolbar, checking, down, frameBox);

let view: GrafanaViewState | undefined;
let src = '';
let status: GrafanaStatus = 'checking';
let frame: HTMLIFrameElement | undefined;

/** A new frame rather than a new src: Grafana is cross-origin, so this is the one sure way to reload it. */
function mountFrame(): void {
  frame?.remove();
  frame = el('iframe', { id: 'grafana-frame', src, title: view?.title ?? 'Grafana' });
  // Grafana needs scripts, its own origin (session, local storage), forms (the time picker) and popups (links).
  frame.setAttribute('sandbox', 'allow-scripts allow-same-origin allow-forms allow-popups allow-popups-to-escape-sandbox allow-downloads');
  frame.setAttribute('referrerpolicy', 'no-referrer');
  frameBox.append(frame);
}

function unmountFrame(): void {
  frame?.remove();
  frame = undefined;
}

function render(message?: string): void {
  document.body.dataset.status = status;
  checking.hidden = status !== 'checking';
  down.hidden = status !== 'down';
  frameBox.hidden = status !== 'up';
  statusText.textContent = message ?? '';
  refreshNow.textContent = status === 'down' ? 'Retry' : 'Refresh';
  if (view) {
    title.textContent = view.title ?? view.uid;
    range.value = view.range;
    refresh.value = view.refresh;
  }
}

function setStatus(next: GrafanaStatus, message?: string): void {
  const cameBack = next === 'up' && status !== 'up';
  status = next;
  if (next !== 'up') unmountFrame();
  else if (cameBack || !frame) mountFrame();
  render(message);
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  // Only the host speaks this protocol: ignore whatever the embedded Grafana page posts to its parent.
  if (frame && event.source === frame.contentWindow) return;
  const msg = parseGrafanaToWebview(event.data);
  if (!msg) return;
  switch (msg.type) {
    case 'grafana/show': {
      const changed = msg.src !== src;
      view = msg.view;
      src = msg.src;
      document.body.dataset.theme = msg.theme;
      vscode.setState({ view });
      if (changed && msg.status === 'up' && status === 'up') mountFrame();
      setStatus(msg.status, msg.message);
      return;
    }
    case 'grafana/status':
      setStatus(msg.status, msg.message);
      return;
    default: {
      const never: never = msg;
      void never;
    }
  }
});

range.addEventListener('change', () => vscode.postMessage({ type: 'grafana/setView', range: range.value as TimeRange }));
refresh.addEventListener('change', () => vscode.postMessage({ type: 'grafana/setView', refresh: refresh.value as RefreshInterval }));
refreshNow.addEventListener('click', () => (status === 'up' ? mountFrame() : vscode.postMessage({ type: 'grafana/checkNow' })));
openExternal.addEventListener('click', () => vscode.postMessage({ type: 'grafana/openExternal' }));
startButton.addEventListener('click', () => vscode.postMessage({ type: 'grafana/startMonitoring' }));
retryButton.addEventListener('click', () => vscode.postMessage({ type: 'grafana/checkNow' }));

render();
vscode.postMessage({ type: 'ready' });

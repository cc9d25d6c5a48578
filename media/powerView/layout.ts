// Builds the power view's static DOM once and hands back the elements the renderers and handlers need.
// Everything dynamic is filled later with textContent (process names and command lines are untrusted).
import { WINDOW_MINUTES, type WindowMinutes } from '../../src/shared/webviews/powerViewProtocol';

/** The top-N choices of the issue; another value sent by the host gets its own option. */
export const TOP_N_CHOICES: readonly number[] = [10, 25, 100, 0];

export interface Layout {
  readonly status: HTMLElement;
  readonly power: HTMLElement;
  readonly estimateBadge: HTMLElement;
  readonly pausedBadge: HTMLElement;
  readonly source: HTMLElement;
  readonly model: HTMLElement;
  readonly hostCpu: HTMLElement;
  readonly notice: HTMLElement;
  readonly windowButtons: ReadonlyMap<WindowMinutes, HTMLButtonElement>;
  readonly pause: HTMLButtonElement;
  readonly unit: HTMLButtonElement;
  readonly chart: HTMLElement;
  readonly wattsPerCpu: HTMLElement;
  readonly energy: HTMLElement;
  readonly cost: HTMLElement;
  readonly co2: HTMLElement;
  readonly filter: HTMLInputElement;
  readonly groupByName: HTMLInputElement;
  readonly topN: HTMLSelectElement;
  readonly processes: HTMLTableElement;
  readonly processSummary: HTMLElement;
  readonly unattributed: HTMLElement;
  readonly containers: HTMLTableElement;
  readonly keplerPanel: HTMLElement;
  readonly keplerAbout: HTMLElement;
  readonly kepler: HTMLTableElement;
}

type Child = Node | string;

/** Writes text only when it differs: no needless mutations (and no needless aria-live announcements). */
export function setText(element: HTMLElement, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

function section(title: string, id: string, ...children: Child[]): HTMLElement {
  const heading = h('h2', { id: `${id}-heading` }, title);
  const s = h('section', { className: 'panel' }, heading, ...children);
  s.setAttribute('aria-labelledby', heading.id);
  return s;
}

function figure(label: string, id: string): [HTMLElement, HTMLElement] {
  const dd = h('dd', { id }, '–');
  const div = h('div', { className: 'figure' }, h('dt', {}, label), dd);
  return [div, dd];
}

export function buildLayout(root: HTMLElement): Layout {
  const power = h('span', { id: 'power', className: 'power' }, '– W');
  const estimateBadge = h('span', { id: 'estimate-badge', className: 'badge', hidden: true }, 'estimate');
  const pausedBadge = h('span', { id: 'paused-badge', className: 'badge', hidden: true }, 'Paused');
  const notice = h('p', { id: 'notice', className: 'notice', hidden: true });
  // Only what matters to a listener is live: the headline, its badges and the notice. Each is written only when
  // its text changes.
  const status = h('div', { id: 'status', className: 'status' }, power, estimateBadge, pausedBadge, notice);
  status.setAttribute('aria-live', 'polite');
  const source = h('span', { id: 'source' });
  const model = h('span', { id: 'model' });
  const hostCpu = h('span', { id: 'host-cpu' });
  const header = h('header', { className: 'header' }, status, h('div', { className: 'meta' }, source, model, hostCpu));

  const windowButtons = new Map<WindowMinutes, HTMLButtonElement>();
  const windows = h('div', { className: 'segmented' });
  windows.setAttribute('role', 'group');
  windows.setAttribute('aria-label', 'Chart window');
  for (const minutes of WINDOW_MINUTES) {
    const b = h('button', { type: 'button', id: `window-${minutes}`, className: 'secondary' }, `${minutes} min`);
    b.dataset.minutes = String(minutes);
    windows.append(b);
    windowButtons.set(minutes, b);
  }
  const pause = h('button', { type: 'button', id: 'pause' }, 'Pause');
  const unit = h('button', { type: 'button', id: 'unit', className: 'secondary', title: 'Switch between W and mW' }, 'Unit: W');
  const toolbar = h('div', { className: 'toolbar' }, windows, unit, pause);

  const chart = h('div', { id: 'chart', className: 'chart' });

  const [wpcDiv, wattsPerCpu] = figure('W per % CPU', 'watts-per-cpu');
  const [energyDiv, energy] = figure('Energy', 'energy-hour');
  const [costDiv, cost] = figure('Cost', 'cost-hour');
  const [co2Div, co2] = figure('CO₂', 'co2-hour');
  const efficiency = section(
    'Efficiency and cost, last hour',
    'efficiency',
    h('dl', { className: 'figures' }, wpcDiv, energyDiv, costDiv, co2Div),
  );
  efficiency.id = 'efficiency';

  const filter = h('input', { type: 'search', id: 'filter', placeholder: 'Filter by name, command line or PID', spellcheck: false });
  filter.setAttribute('aria-label', 'Filter processes');
  const groupByName = h('input', { type: 'checkbox', id: 'group-by-name' });
  const topN = h('select', { id: 'top-n', title: 'How many processes the host sends, by Watts' });
  topN.setAttribute('aria-label', 'Top processes to show');
  for (const n of TOP_N_CHOICES) topN.append(h('option', { value: String(n) }, n === 0 ? 'All' : String(n)));
  const controls = h(
    'div',
    { className: 'table-controls' },
    filter,
    h('label', { className: 'check' }, groupByName, 'Group by name'),
    h('label', {}, 'Top ', topN),
  );
  const processes = h('table', { id: 'processes', className: 'rows' });
  processes.setAttribute('aria-labelledby', 'processes-heading');
  const processSummary = h('p', { id: 'process-summary', className: 'summary' });
  const unattributed = h('p', { id: 'unattributed', className: 'summary', hidden: true });
  const processPanel = section(
    'Processes',
    'processes',
    controls,
    h('div', { className: 'table-wrap' }, processes),
    processSummary,
    unattributed,
  );

  const containers = h('table', { id: 'containers', className: 'rows' });
  containers.setAttribute('aria-labelledby', 'containers-heading');
  const containerPanel = section('Containers', 'containers', h('div', { className: 'table-wrap' }, containers));

  const kepler = h('table', { id: 'kepler', className: 'rows kepler-tree' });
  kepler.setAttribute('role', 'treegrid');
  kepler.setAttribute('aria-labelledby', 'kepler-heading');
  const keplerAbout = h('p', { id: 'kepler-about', className: 'summary' });
  kepler.setAttribute('aria-describedby', keplerAbout.id);
  const keplerPanel = section('Kubernetes power (Kepler)', 'kepler', keplerAbout, h('div', { className: 'table-wrap' }, kepler));
  keplerPanel.hidden = true;

  root.replaceChildren(header, toolbar, section('Host power', 'chart', chart), efficiency, keplerPanel, processPanel, containerPanel);
  return {
    status,
    power,
    estimateBadge,
    pausedBadge,
    source,
    model,
    hostCpu,
    notice,
    windowButtons,
    pause,
    unit,
    chart,
    wattsPerCpu,
    energy,
    cost,
    co2,
    filter,
    groupByName,
    topN,
    processes,
    processSummary,
    unattributed,
    containers,
    keplerPanel,
    keplerAbout,
    kepler,
  };
}

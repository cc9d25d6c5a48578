// Renders the small panels of the power view: the header (headline Watts, source, model, CPU, notice), the
// efficiency and cost figures of the last hour, and the state of the toolbar controls. Every write goes through
// setText or a compare, so an update that changes nothing mutates nothing.
import type { AttributionSnapshot, LastHour } from '../../src/shared/attribution';
import type { ViewPrefs } from '../../src/shared/webviews/powerViewProtocol';
import { DASH, energyText, headlineWatts, modelText, sourceText } from '../common/format';
import { setText, type Layout } from './layout';

function show(element: HTMLElement, visible: boolean): void {
  if (element.hidden === visible) element.hidden = !visible;
}

function setAttr(element: HTMLElement, name: string, value: string): void {
  if (element.getAttribute(name) !== value) element.setAttribute(name, value);
}

export function renderStatus(ui: Layout, snapshot: AttributionSnapshot | undefined, prefs: ViewPrefs): void {
  if (snapshot) {
    // ≈ and the badge: an estimate must never read like a measurement.
    setText(ui.power, `${snapshot.estimated ? '≈ ' : ''}${headlineWatts(snapshot.hostWatts, prefs.unit)}`);
    setText(ui.source, sourceText(snapshot));
    // media/common/format.ts modelText knows only the two settings' values; rows from Scaphandre are its own model.
    setText(
      ui.model,
      snapshot.model === 'capacity'
        ? "model: Scaphandre's (host power × each process's CPU capacity share; idle / unattributed kept apart)"
        : modelText(snapshot.model),
    );
    setText(ui.hostCpu, `host CPU ${Number.isFinite(snapshot.hostCpu) ? (snapshot.hostCpu * 100).toFixed(0) : DASH} %`);
    setText(ui.notice, snapshot.notice ?? '');
  } else {
    setText(ui.power, `${DASH} ${prefs.unit}`);
    setText(ui.source, 'waiting for the first sample…');
  }
  show(ui.estimateBadge, snapshot?.estimated === true);
  show(ui.notice, Boolean(snapshot?.notice));
  show(ui.pausedBadge, prefs.paused);
  ui.status.classList.toggle('paused', prefs.paused);
}

export function renderEfficiency(ui: Layout, lastHour: LastHour | undefined, formatCost: (amount: number) => string): void {
  const wpc = lastHour?.wattsPerCpuPercent;
  setText(ui.wattsPerCpu, wpc !== undefined && Number.isFinite(wpc) ? `${wpc.toFixed(3)} W/%` : DASH);
  setText(ui.energy, lastHour ? energyText(lastHour.joules) : DASH);
  setText(ui.cost, lastHour ? formatCost(lastHour.cost) : DASH);
  setText(ui.co2, lastHour && Number.isFinite(lastHour.co2Grams) ? `${lastHour.co2Grams.toFixed(lastHour.co2Grams < 10 ? 3 : 1)} g` : DASH);
}

export function renderControls(ui: Layout, prefs: ViewPrefs): void {
  for (const [minutes, button] of ui.windowButtons) {
    const on = minutes === prefs.windowMinutes;
    setAttr(button, 'aria-pressed', String(on));
    button.classList.toggle('secondary', !on);
  }
  setText(ui.pause, prefs.paused ? 'Resume' : 'Pause');
  setAttr(ui.pause, 'aria-pressed', String(prefs.paused));
  setText(ui.unit, `Unit: ${prefs.unit}`);
  if (ui.groupByName.checked !== prefs.groupByName) ui.groupByName.checked = prefs.groupByName;
  const value = String(prefs.topN);
  if (![...ui.topN.options].some((o) => o.value === value)) {
    const option = document.createElement('option');
    option.value = value;
    option.textContent = value;
    ui.topN.append(option);
  }
  if (ui.topN.value !== value) ui.topN.value = value;
}

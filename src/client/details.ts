import * as vscode from 'vscode';
import type { PowerStatus } from '../shared/power';
import { energyFigures, formatCo2, formatCost, formatEnergy, formatWatts } from '../core/energy/cost';
import { PowerMonitor, SOURCE_LABEL } from '../core/power/monitor';
import type { MonitorDemand } from '../core/power/monitorDemand';
import type { CostSettings } from '../core/power/statusView';
import type { SettingsSource } from './config';

type Item = vscode.QuickPickItem & { run?: () => unknown };

function items(s: PowerStatus, cost: CostSettings): Item[] {
  const sep = (label: string): Item => ({ label, kind: vscode.QuickPickItemKind.Separator });
  const out: Item[] = [sep('Host power')];
  const last = s.last;
  out.push({
    label: `$(zap) ${last ? `${last.estimated ? '≈' : ''}${formatWatts(last.watts)}` : '– W'}`,
    description: `${s.source ? SOURCE_LABEL[s.source] : 'no source'} · ${s.state}${last?.estimated ? ' · not a measurement' : ''}`,
    detail: s.reason,
  });
  if (last) {
    for (const [zone, w] of Object.entries(last.zones)) out.push({ label: `$(circuit-board) ${zone}`, description: formatWatts(w) });
    out.push({ label: '$(info) How', description: last.detail });
  }
  const e = energyFigures(s.energyJoules, cost.costPerKWh, cost.carbonIntensity);
  out.push(
    sep(`Since ${new Date(s.since).toLocaleTimeString()}`),
    { label: '$(symbol-event) Energy', description: formatEnergy(e.joules) },
    { label: '$(credit-card) Cost', description: `${formatCost(e.cost, cost.currency)} at ${cost.costPerKWh} ${cost.currency}/kWh` },
    { label: '$(globe) CO2', description: `${formatCo2(e.co2Grams)} at ${cost.carbonIntensity} g/kWh` },
    sep('Actions'),
    { label: '$(settings) Select Power Source…', run: () => vscode.commands.executeCommand('optivolt.selectPowerSource') },
    { label: '$(gear) Open OptiVolt Settings', run: () => vscode.commands.executeCommand('workbench.action.openSettings', 'optivolt') },
    { label: '$(output) Show Log', run: () => vscode.commands.executeCommand('optivolt.showLog') },
  );
  return out;
}

/**
 * "OptiVolt: Show Power Details": the breakdown as a quick pick that updates live while open.
 * Resolves when it closes.
 */
export function showPowerDetails(
  current: () => PowerStatus,
  onStatus: (fn: (s: PowerStatus) => void) => vscode.Disposable,
  cost: () => CostSettings,
): Promise<void> {
  const qp = vscode.window.createQuickPick<Item>();
  qp.title = 'OptiVolt: Power Details';
  qp.placeholder = 'Live host power breakdown — pick an action, or Escape to close';
  qp.matchOnDescription = true;
  qp.items = items(current(), cost());
  const subs: vscode.Disposable[] = [
    onStatus((s) => {
      const active = qp.activeItems[0]?.label;
      qp.items = items(s, cost());
      const again = qp.items.find((i) => i.label === active);
      if (again) qp.activeItems = [again];
    }),
    qp.onDidAccept(() => {
      const run = qp.selectedItems[0]?.run;
      qp.hide();
      if (run) void run();
    }),
  ];
  return new Promise((resolve) => {
    subs.push(
      qp.onDidHide(() => {
        for (const d of subs) d.dispose();
        qp.dispose();
        resolve();
      }),
    );
    qp.show();
  });
}

/** "OptiVolt: Select Power Source": writes optivolt.power.source where it is currently set. */
export async function selectPowerSource(currentMode: string): Promise<void> {
  const picks: Array<vscode.QuickPickItem & { mode: string }> = [
    {
      mode: 'auto',
      label: 'auto',
      detail: 'Prometheus with Scaphandre data, else RAPL, else the estimate; follows sources as they come and go',
    },
    { mode: 'prometheus', label: 'prometheus', detail: 'Only the Prometheus server of optivolt.prometheus.url' },
    { mode: 'rapl', label: 'rapl', detail: 'Only the RAPL counters of the Linux powercap tree' },
    { mode: 'estimate', label: 'estimate', detail: 'Only the CPU-load estimate (always labelled ≈)' },
  ].map((p) => ({ ...p, description: p.mode === currentMode ? '(current)' : undefined }));
  const pick = await vscode.window.showQuickPick(picks, { title: 'OptiVolt: Select Power Source', placeHolder: `Current: ${currentMode}` });
  if (!pick || pick.mode === currentMode) return;
  const cfg = vscode.workspace.getConfiguration('optivolt');
  const inspect = cfg.inspect('power.source');
  const target =
    inspect?.workspaceFolderValue !== undefined
      ? vscode.ConfigurationTarget.WorkspaceFolder
      : inspect?.workspaceValue !== undefined
        ? vscode.ConfigurationTarget.Workspace
        : vscode.ConfigurationTarget.Global;
  await cfg.update('power.source', pick.mode, target);
}

/** "Show Power Details" (the monitor runs while it is open, whatever the status bar setting) and "Select Power Source". */
export function registerPowerDetails(monitor: PowerMonitor, demand: MonitorDemand, config: SettingsSource): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('optivolt.showPowerDetails', async () => {
      const holding = demand.acquire('details');
      try {
        await showPowerDetails(
          () => monitor.snapshot,
          (fn) => monitor.onStatus(fn),
          () => config.settings,
        );
      } finally {
        holding.dispose();
      }
    }),
    vscode.commands.registerCommand('optivolt.selectPowerSource', () => selectPowerSource(config.settings['power.source'])),
  ];
}

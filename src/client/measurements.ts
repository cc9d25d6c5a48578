import * as vscode from 'vscode';
import type { HostHistory } from '../core/attribution/history';
import { energyFigures, formatEnergy, formatWatts } from '../core/energy/cost';
import type { SessionRecord } from '../core/energy/sessionRecord';
import { TreeMeasurement, TreeSampler } from '../core/energy/treeMeasurement';
import type { PowerMonitor } from '../core/power/monitor';
import type { DemandHandle, MonitorDemand } from '../core/power/monitorDemand';
import type { OptiVoltSettings } from '../core/settings';

/** Seconds of host power before a measurement that form its baseline (kept by the running sampler: no wait). */
const BASELINE_SECONDS = 10;
/** Sampling interval while measuring: a program's last moments before it ends are lost, so keep them short. */
const MEASURE_INTERVAL_MS = 500;
/** A debug adapter may spawn the program up to this long before the session's start event reaches us. */
const ADAPTER_HEAD_START_SECONDS = 1;
const ADOPTED_NOTE =
  'The debug adapter did not report the program\'s process id (no DAP "process" event): OptiVolt measured the ' +
  'processes the adapter started during the session (new children of the extension host).';

export interface MeasurementsHost {
  readonly monitor: PowerMonitor;
  readonly history: HostHistory;
  settings(): OptiVoltSettings;
  log: vscode.LogOutputChannel;
  /** Keeps the monitor running while a measurement is active, whatever the status bar setting. */
  readonly demand: MonitorDemand;
  /** A finished measurement (`key` as given to start()), to be stored and announced. */
  onFinished(record: SessionRecord, key: string): void;
  /** A measurement began (a debug session being profiled records its per-process timeline from it). */
  onStarted?(key: string, tree: TreeMeasurement): void;
}

interface Active {
  readonly tree: TreeMeasurement;
  readonly kind: SessionRecord['kind'];
  readonly name: string;
  readonly config: string;
  readonly startedAt: number;
}

/**
 * The VS Code side of measuring debug sessions and tasks: the measurement itself is the core's (TreeSampler, the
 * same as `optivolt measure`), fed by the power monitor while at least one measurement is active; this class keys
 * measurements by session, turns results into records, and shows the running total in a status bar item.
 */
export class Measurements implements vscode.Disposable {
  private readonly active = new Map<string, Active>();
  private trees: TreeSampler | undefined;
  private holding: DemandHandle | undefined;
  private readonly item: vscode.StatusBarItem;

  constructor(private readonly host: MeasurementsHost) {
    this.item = vscode.window.createStatusBarItem('optivolt.session', vscode.StatusBarAlignment.Right, 99);
    this.item.name = 'OptiVolt Session Energy';
    this.item.command = 'optivolt.energySessions.focus';
  }

  /**
   * Starts measuring under `key` (a debug session id, a task execution); roots may come later. With
   * `adoptChildrenOf`, new children of that process are adopted until a root is named (see trackDebugSessions).
   */
  start(key: string, kind: SessionRecord['kind'], name: string, config: string, opts: { adoptChildrenOf?: number } = {}): void {
    if (this.active.has(key)) return;
    const baseline = this.baselineWatts();
    if (!this.trees) {
      this.holding = this.host.demand.acquire('measurements');
      this.host.monitor.setFastInterval(MEASURE_INTERVAL_MS);
      this.trees = new TreeSampler(this.host.monitor, {
        onError: (msg) => this.host.log.error(msg),
        onInterval: (adopted) => this.onInterval(adopted),
      });
    }
    const debug = opts.adoptChildrenOf !== undefined;
    const tree = this.trees.begin({
      baselineWatts: baseline,
      ...(debug
        ? { earlierSeconds: ADAPTER_HEAD_START_SECONDS, adopt: { parent: opts.adoptChildrenOf as number, note: ADOPTED_NOTE } }
        : {}),
    });
    this.active.set(key, { tree, kind, name, config, startedAt: Date.now() });
    this.host.onStarted?.(key, tree);
    this.host.log.info(`Measuring ${kind} "${name}" (baseline ${formatWatts(baseline)}).`);
    this.render();
  }

  has(key: string): boolean {
    return this.active.has(key);
  }

  addRoot(key: string, pid: number): void {
    const a = this.active.get(key);
    if (!a || a.tree.rootPids.includes(pid)) return;
    a.tree.addRoot(pid);
    this.host.log.info(`"${a.name}": following process ${pid} and its children.`);
  }

  setPaused(key: string, paused: boolean): void {
    this.active.get(key)?.tree.setPaused(paused);
  }

  /** Ends a measurement and hands its record over. */
  finish(key: string): SessionRecord | undefined {
    const a = this.active.get(key);
    if (!a || !this.trees) return undefined;
    this.active.delete(key);
    const { result: r, note } = this.trees.end(a.tree, true);
    const s = this.host.settings();
    const money = energyFigures(r.energyJoules, s.costPerKWh, s.carbonIntensity);
    const record: SessionRecord = {
      id: `${a.startedAt.toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
      kind: a.kind,
      name: a.name,
      config: a.config,
      startedAt: a.startedAt,
      ...r,
      pids: [...r.pids],
      costPerKWh: s.costPerKWh,
      currency: s.currency,
      cost: money.cost,
      co2Grams: money.co2Grams,
      ...(note ? { note } : {}),
    };
    if (this.active.size === 0) this.stopSampling();
    this.render();
    this.host.onFinished(record, key);
    return record;
  }

  private baselineWatts(): number {
    const cutoff = Date.now() - BASELINE_SECONDS * 1000;
    const points = this.host.history.all().filter((p) => p.t >= cutoff);
    return points.length ? points.reduce((s, p) => s + p.watts, 0) / points.length : (this.host.monitor.snapshot.last?.watts ?? 0);
  }

  private onInterval(adopted: ReadonlyMap<TreeMeasurement, number[]>): void {
    for (const a of this.active.values()) {
      for (const pid of adopted.get(a.tree) ?? []) this.host.log.info(`"${a.name}": following process ${pid} and its children.`);
    }
    this.render();
  }

  private render(): void {
    const first = [...this.active.values()][0];
    if (!first) {
      this.item.hide();
      return;
    }
    const more = this.active.size > 1 ? ` (+${this.active.size - 1})` : '';
    this.item.text = `$(debug) ${formatEnergy(first.tree.meter.energyJoules)} · ${formatWatts(first.tree.lastWatts)}${more}`;
    this.item.tooltip = `OptiVolt is measuring "${first.name}": energy of its processes so far, and their power over the last interval.`;
    this.item.show();
  }

  private stopSampling(): void {
    this.trees?.dispose();
    this.trees = undefined;
    this.host.monitor.setFastInterval(undefined);
    this.holding?.dispose();
    this.holding = undefined;
  }

  dispose(): void {
    for (const key of [...this.active.keys()]) this.finish(key);
    this.stopSampling();
    this.item.dispose();
  }
}

/** Wires debug sessions to measurements: start/stop, the debuggee's pid from DAP, paused time. */
export function trackDebugSessions(m: Measurements, settings: () => OptiVoltSettings): vscode.Disposable[] {
  // Child sessions (js-debug starts one per process) belong to their top-level session's measurement.
  const rootOf = (s: vscode.DebugSession): vscode.DebugSession => {
    let r = s;
    while (r.parentSession) r = r.parentSession;
    return r;
  };
  const RESUME = new Set(['continue', 'next', 'stepIn', 'stepOut', 'stepBack', 'reverseContinue', 'goto']);
  return [
    vscode.debug.onDidStartDebugSession(async (s) => {
      if (s.parentSession) return;
      const mode = settings()['debug.measure'];
      if (mode === 'never') return;
      if (mode === 'ask') {
        const pick = await vscode.window.showInformationMessage(`Measure the energy of "${s.name}"?`, 'Measure', 'Not now');
        if (pick !== 'Measure') return;
      }
      // Adapters running inside the extension host (js-debug) spawn the program as a child of this process.
      m.start(s.id, 'debug', s.name, s.configuration.name ?? s.name, { adoptChildrenOf: process.pid });
    }),
    vscode.debug.onDidTerminateDebugSession((s) => {
      if (!s.parentSession) m.finish(s.id);
    }),
    vscode.debug.registerDebugAdapterTrackerFactory('*', {
      createDebugAdapterTracker: (session) => {
        const key = rootOf(session).id;
        return {
          onDidSendMessage: (msg: { type?: string; event?: string; body?: { systemProcessId?: number; allThreadsStopped?: boolean } }) => {
            if (msg.type !== 'event') return;
            if (msg.event === 'process' && typeof msg.body?.systemProcessId === 'number') m.addRoot(key, msg.body.systemProcessId);
            else if (msg.event === 'stopped') m.setPaused(key, true);
            else if (msg.event === 'continued') m.setPaused(key, false);
          },
          onWillReceiveMessage: (msg: { type?: string; command?: string }) => {
            // Many adapters send no `continued` event after a continue request: resuming starts here.
            if (msg.type === 'request' && msg.command && RESUME.has(msg.command)) m.setPaused(key, false);
          },
        };
      },
    }),
  ];
}

/**
 * "OptiVolt: Measure Task Energy": runs a task and measures its process tree. The task is picked from a list,
 * or named by the command's argument (for keybindings and tests).
 */
export async function measureTask(m: Measurements, taskName?: string): Promise<void> {
  const tasks = await vscode.tasks.fetchTasks();
  if (tasks.length === 0) {
    void vscode.window.showInformationMessage('OptiVolt: this workspace has no tasks to measure.');
    return;
  }
  let task: vscode.Task | undefined;
  if (typeof taskName === 'string') {
    task = tasks.find((t) => t.name === taskName);
    if (!task) {
      void vscode.window.showErrorMessage(`OptiVolt: no task named "${taskName}".`);
      return;
    }
  } else {
    const pick = await vscode.window.showQuickPick(
      tasks.map((t) => ({ label: t.name, description: t.source, task: t })),
      { title: 'OptiVolt: Measure Task Energy', placeHolder: 'Pick a task to run and measure' },
    );
    task = pick?.task;
  }
  if (!task) return;
  const pick = { task };
  const key = `task:${Date.now()}`;
  const subs: vscode.Disposable[] = [];
  const done = new Promise<void>((resolve) => {
    subs.push(
      vscode.tasks.onDidStartTaskProcess((e) => {
        if (e.execution.task === pick.task || e.execution.task.name === pick.task.name) m.addRoot(key, e.processId);
      }),
      vscode.tasks.onDidEndTaskProcess((e) => {
        if (e.execution.task === pick.task || e.execution.task.name === pick.task.name) resolve();
      }),
      vscode.tasks.onDidEndTask((e) => {
        if (e.execution.task === pick.task || e.execution.task.name === pick.task.name) resolve();
      }),
    );
  });
  m.start(key, 'task', pick.task.name, pick.task.name);
  try {
    await vscode.tasks.executeTask(pick.task);
    await done;
  } finally {
    for (const d of subs) d.dispose();
    m.finish(key);
  }
}

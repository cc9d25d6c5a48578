import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { PowerStatus } from '../shared/power';
import { USER_HZ } from '../core/attribution/attribute';
import { IntervalSampler } from '../core/attribution/intervalSampler';
import type { HostHistory } from '../core/attribution/history';
import { energyFigures, formatEnergy, formatWatts } from '../core/energy/cost';
import { ProcessTreeMeter } from '../core/energy/meter';
import type { SessionRecord } from '../core/energy/sessionStore';
import type { PowerMonitor } from '../core/power/monitor';
import type { OptiVoltSettings } from '../core/settings';

/** Seconds of host power before a measurement that form its baseline (kept by the running sampler: no wait). */
const BASELINE_SECONDS = 10;
/** Sampling interval while measuring: a program's last moments before it ends are lost, so keep them short. */
const MEASURE_INTERVAL_MS = 500;

export interface MeasurementsHost {
  readonly monitor: PowerMonitor;
  readonly history: HostHistory;
  settings(): OptiVoltSettings;
  log: vscode.LogOutputChannel;
  demandMonitor(who: string, on: boolean): void;
  /** A finished measurement, to be stored and announced. */
  onFinished(record: SessionRecord): void;
}

interface Active {
  readonly meter: ProcessTreeMeter;
  readonly kind: SessionRecord['kind'];
  readonly name: string;
  readonly config: string;
  readonly startedAt: number;
  note?: string;
  lastWatts: number;
  /**
   * Until the debug adapter names the debuggee (DAP `process` event), new children of this process (the
   * extension host, where adapters such as js-debug run and spawn the program) are adopted as roots.
   */
  adopt?: { readonly parent: number; readonly sinceTicks: number };
}

/**
 * Measures debug sessions and tasks: one /proc sampler runs while at least one measurement is active, fed by
 * the power monitor's samples; each measurement follows its own process tree. A status bar item shows the
 * running total.
 */
export class Measurements implements vscode.Disposable {
  private readonly active = new Map<string, Active>();
  private sampler: IntervalSampler | undefined;
  private statusSub: { dispose(): void } | undefined;
  private lastSampleTime = 0;
  private readonly item: vscode.StatusBarItem;

  constructor(private readonly host: MeasurementsHost) {
    this.item = vscode.window.createStatusBarItem('optivolt.session', vscode.StatusBarAlignment.Right, 99);
    this.item.name = 'OptiVolt Session Energy';
    this.item.command = 'optivolt.energySessions.focus';
  }

  /** Starts measuring under `key` (a debug session id, a task execution); roots may come later. */
  start(key: string, kind: SessionRecord['kind'], name: string, config: string, opts: { adoptChildrenOf?: number } = {}): void {
    if (this.active.has(key)) return;
    const baseline = this.baselineWatts();
    const a: Active = { meter: new ProcessTreeMeter([], baseline), kind, name, config, startedAt: Date.now(), lastWatts: 0 };
    this.active.set(key, a);
    this.host.log.info(`Measuring ${kind} "${name}" (baseline ${formatWatts(baseline)}).`);
    if (!this.sampler) {
      this.sampler = new IntervalSampler();
      this.host.demandMonitor('measurements', true);
      this.host.monitor.setFastInterval(MEASURE_INTERVAL_MS);
      this.statusSub = this.host.monitor.onStatus((s) => this.onStatus(s));
      const last = this.host.monitor.snapshot.last;
      if (last) this.sampler.next(last, 'share-all'); // a baseline scan now, so the first interval starts here
    }
    if (opts.adoptChildrenOf !== undefined) {
      try {
        // Process start times are in ticks since boot: a child started from 1 s before the session on is new
        // (the adapter may spawn the program before the start event reaches extensions).
        const uptime = Number(fs.readFileSync('/proc/uptime', 'latin1').split(' ')[0]);
        if (Number.isFinite(uptime)) a.adopt = { parent: opts.adoptChildrenOf, sinceTicks: (uptime - 1) * USER_HZ };
      } catch {
        /* no /proc: roots only from the adapter */
      }
    }
    this.render();
  }

  has(key: string): boolean {
    return this.active.has(key);
  }

  addRoot(key: string, pid: number, fromAdapter = true): void {
    const a = this.active.get(key);
    if (!a) return;
    if (fromAdapter && a.adopt) {
      a.adopt = undefined; // the adapter told us: no more guessing
      a.note = undefined;
    }
    if (a.meter.rootPids.includes(pid)) return;
    a.meter.addRoot(pid);
    this.host.log.info(`"${a.name}": following process ${pid} and its children.`);
  }

  setPaused(key: string, paused: boolean): void {
    this.active.get(key)?.meter.setPaused(paused);
  }

  setNote(key: string, note: string): void {
    const a = this.active.get(key);
    if (a) a.note = note;
  }

  /** Ends a measurement and hands its record over. */
  finish(key: string): SessionRecord | undefined {
    const a = this.active.get(key);
    if (!a) return undefined;
    this.active.delete(key);
    const r = a.meter.finish();
    const s = this.host.settings();
    const money = energyFigures(r.energyJoules, s.costPerKWh, s.carbonIntensity);
    const note = a.note ?? (a.meter.rootPids.length === 0 ? 'The program\'s process was never identified: only host energy was measured.' : undefined);
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
    this.host.onFinished(record);
    return record;
  }

  private baselineWatts(): number {
    const cutoff = Date.now() - BASELINE_SECONDS * 1000;
    const points = this.host.history.all().filter((p) => p.t >= cutoff);
    return points.length ? points.reduce((s, p) => s + p.watts, 0) / points.length : (this.host.monitor.snapshot.last?.watts ?? 0);
  }

  private onStatus(s: PowerStatus): void {
    const last = s.last;
    if (!this.sampler || s.state !== 'live' || !last || last.time === this.lastSampleTime) return;
    this.lastSampleTime = last.time;
    let interval;
    try {
      interval = this.sampler.next(last, 'share-all');
    } catch (err) {
      this.host.log.error(`Measurement sampling failed: ${(err as Error).message}`);
      return;
    }
    if (!interval) return;
    for (const [key, a] of this.active) {
      if (a.adopt) {
        for (const p of interval.scan.procs.values()) {
          if (p.ppid !== a.adopt.parent || p.start < a.adopt.sinceTicks || a.meter.rootPids.includes(p.pid)) continue;
          this.addRoot(key, p.pid, false);
          a.note =
            'The debug adapter did not report the program\'s process id (no DAP "process" event): OptiVolt measured the ' +
            'processes the adapter started during the session (new children of the extension host).';
        }
      }
      a.lastWatts = a.meter.update(interval);
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
    this.item.text = `$(debug) ${formatEnergy(first.meter.energyJoules)} · ${formatWatts(first.lastWatts)}${more}`;
    this.item.tooltip = `OptiVolt is measuring "${first.name}": energy of its processes so far, and their power over the last interval.`;
    this.item.show();
  }

  private stopSampling(): void {
    this.statusSub?.dispose();
    this.statusSub = undefined;
    this.sampler?.dispose();
    this.sampler = undefined;
    this.host.monitor.setFastInterval(undefined);
    this.host.demandMonitor('measurements', false);
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

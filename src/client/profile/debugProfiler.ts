// Profiling debug sessions (setting optivolt.debug.profile): a node or python launch gets the core's profiling
// environment (src/core/profile/profilingEnv.ts: a Node preload through NODE_OPTIONS, a Python sitecustomize through
// PYTHONPATH) before the adapter starts it; the session's energy measurement (Measurements, ../measurements.ts)
// records the per-process timeline; when it ends, buildEnergyProfile prices the samples and the profile is stored
// and shown like one from Profile Energy. The temp folder is removed in every case.
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import type { SessionRecord } from '../../core/energy/sessionRecord';
import type { EnergyProfile } from '../../shared/energyProfile';
import type { TreeMeasurement } from '../../core/energy/treeMeasurement';
import { buildEnergyProfile } from '../../core/profile/buildProfile';
import { DEFAULT_INTERVAL_US, profilingEnv, type ProfilingEnv } from '../../core/profile/profilingEnv';
import { recordTimeline, type TimelineRecorder } from '../../core/profile/timeline';
import type { SettingsSource } from '../config';

/** The launch configuration field that carries our folder from resolve to the started session. */
const MARK = '__optivoltProfileDir';
const PROFILED_TYPES = /^(pwa-)?node$|^python$|^debugpy$/;

export interface DebugProfilerHost {
  readonly config: SettingsSource;
  readonly log: vscode.LogOutputChannel;
  /** A finished debug session's profile: store it and show it. */
  onProfile(profile: EnergyProfile, name: string): void;
}

interface Profiling {
  readonly penv: ProfilingEnv;
  readonly startedAt: string;
  readonly command: string[];
  readonly cwd: string;
  recorder?: TimelineRecorder;
}

export class DebugProfiler implements vscode.Disposable {
  /** By folder until the session starts, then by the root session's id. */
  private readonly pending = new Map<string, Profiling>();
  private readonly bySession = new Map<string, Profiling>();
  private readonly subs: vscode.Disposable[];

  constructor(private readonly host: DebugProfilerHost) {
    this.subs = [
      vscode.debug.registerDebugConfigurationProvider('*', {
        resolveDebugConfigurationWithSubstitutedVariables: (_folder, config) => this.inject(config),
      }),
      vscode.debug.onDidStartDebugSession((s) => {
        const dir: unknown = s.configuration[MARK];
        const p = typeof dir === 'string' ? this.pending.get(dir) : undefined;
        if (!p || s.parentSession) return;
        this.pending.delete(dir as string);
        this.bySession.set(s.id, p);
      }),
      // Sessions that never reached a measurement (debug.measure "never", declined): nothing to build, clean up.
      vscode.debug.onDidTerminateDebugSession((s) => {
        const p = this.bySession.get(s.id);
        // Injected configurations that never started a session of their own (an adapter that resolved a launch again,
        // a launch that failed) are done with once a profiled session ends.
        if (p) {
          for (const q of this.pending.values()) q.penv.dispose();
          this.pending.clear();
        }
        if (p && !p.recorder) {
          this.bySession.delete(s.id);
          p.penv.dispose();
          this.host.log.info(`"${s.name}" was profiled but not measured (optivolt.debug.measure): no energy to attribute.`);
        }
      }),
    ];
  }

  /** Adds the profiling environment to a node/python launch when debug.profile is on. */
  private inject(config: vscode.DebugConfiguration): vscode.DebugConfiguration {
    if (!this.host.config.settings['debug.profile'] || config.request !== 'launch' || !PROFILED_TYPES.test(String(config.type)))
      return config;
    // Already injected: an adapter resolving a launch again (js-debug turns `node` into `pwa-node` and starts its
    // child sessions from the parent's configuration, env included). The first injection stands.
    const given = config.env as Record<string, unknown> | undefined;
    if (typeof config[MARK] === 'string' || typeof given?.OPTIVOLT_PROFILE_DIR === 'string') return config;
    try {
      const base: Record<string, string> = { ...(config.env as Record<string, string> | undefined) };
      const penv = profilingEnv({ ...base, NODE_OPTIONS: base.NODE_OPTIONS ?? '', PYTHONPATH: base.PYTHONPATH ?? '' }, DEFAULT_INTERVAL_US);
      const env: Record<string, string> = { ...base };
      for (const k of ['NODE_OPTIONS', 'PYTHONPATH', 'OPTIVOLT_PROFILE_DIR', 'OPTIVOLT_PROFILE_INTERVAL_US'])
        if (penv.env[k]) env[k] = penv.env[k]!;
      const program =
        typeof config.program === 'string' ? config.program : typeof config.module === 'string' ? `-m ${config.module}` : config.name;
      this.pending.set(penv.dir, {
        penv,
        startedAt: new Date().toISOString(),
        command: [config.type.includes('node') ? 'node' : 'python3', String(program)],
        cwd: typeof config.cwd === 'string' ? config.cwd : process.cwd(),
      });
      this.host.log.info(`Debug session "${config.name}" will be profiled (energy per function; profiles in ${penv.dir}).`);
      return { ...config, env, [MARK]: penv.dir };
    } catch (err) {
      this.host.log.error(`Cannot profile "${config.name}": ${errorMessage(err)}`);
      return config;
    }
  }

  /** Measurements began for `key` (a debug session id): record the timeline when that session is profiled. */
  onStarted(key: string, tree: TreeMeasurement): void {
    const p = this.bySession.get(key);
    if (p) p.recorder = recordTimeline(tree);
  }

  /** The session's measurement ended: build, hand over, clean up. */
  onFinished(record: SessionRecord, key: string): void {
    const p = this.bySession.get(key);
    if (!p?.recorder) return;
    this.bySession.delete(key);
    try {
      const timeline = p.recorder.finish(record.energyJoules);
      const profile = buildEnergyProfile(timeline, p.penv.dir, {
        command: p.command,
        cwd: p.cwd,
        startedAt: p.startedAt,
        source: record.source,
        estimated: record.estimated,
        intervalUs: DEFAULT_INTERVAL_US,
        durationSeconds: record.durationSeconds,
        limits: ['Profiled in a debug session: time stopped at breakpoints runs no code, and the debugger adds its own overhead.'],
      });
      this.host.onProfile(profile, `Debug: ${record.name}`);
    } catch (err) {
      this.host.log.error(`The energy profile of "${record.name}" could not be built: ${errorMessage(err)}`);
    } finally {
      p.penv.dispose();
    }
  }

  dispose(): void {
    for (const d of this.subs) d.dispose();
    for (const p of [...this.pending.values(), ...this.bySession.values()]) p.penv.dispose();
    this.pending.clear();
    this.bySession.clear();
  }
}

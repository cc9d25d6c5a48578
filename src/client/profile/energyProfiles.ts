// Energy per function in VS Code, assembled: the stored profiles and their view, the flame graph panel, the editor's
// CodeLens and line heat, debug session profiling, and the commands. activate() creates it once and owns what it returns.
import * as vscode from 'vscode';
import type { Config } from '../config';
import { FlameGraphController, type FlameGraphState } from '../webviews/flameGraph/flameGraph';
import { DebugProfiler } from './debugProfiler';
import { registerProfileCommands, storeAndShow } from './profileCommands';
import { ProfileLens } from './profileLens';
import { ProfileLibrary } from './profileLibrary';
import type { StoredProfile } from '../../core/profile/profileStore';

export interface EnergyProfiles {
  readonly debugProfiler: DebugProfiler;
  /** In disposal order. */
  readonly disposables: vscode.Disposable[];
  /** For the host tests. */
  testState(): EnergyProfilesState;
}

export interface EnergyProfilesState {
  readonly dir: string;
  readonly stored: StoredProfile[];
  readonly activeId?: string;
  readonly flameGraph: FlameGraphState;
  /** Line heat ranges shown in the visible editor of `file` (0 when stale or not profiled). */
  heatCount(file: string): number;
}

export function openEnergyProfiles(o: {
  extensionUri: vscode.Uri;
  sessionsFile: string;
  config: Config;
  log: vscode.LogOutputChannel;
}): EnergyProfiles {
  const library = new ProfileLibrary(o.sessionsFile, o.config, o.log);
  const flameGraph = new FlameGraphController({ extensionUri: o.extensionUri, library, log: o.log });
  const lens = new ProfileLens(library);
  const output = vscode.window.createOutputChannel('OptiVolt Program Output');
  const host = { library, flameGraph, config: o.config, log: o.log, output };
  const debugProfiler = new DebugProfiler({
    config: o.config,
    log: o.log,
    onProfile: (profile, name) => void storeAndShow(host, profile, { name }).catch((err: unknown) => o.log.error(String(err))),
  });
  return {
    debugProfiler,
    disposables: [...registerProfileCommands(host), debugProfiler, lens, flameGraph, library, output],
    testState: () => ({
      dir: library.dir,
      stored: library.list(),
      ...(library.active ? { activeId: library.active.id } : {}),
      flameGraph: flameGraph.state(),
      heatCount: (file) => lens.heatCount(file),
    }),
  };
}

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NODE_PRELOAD_SOURCE } from './nodePreload';
import { PYTHON_SITECUSTOMIZE_SOURCE } from './pythonSampler';

/** V8's own default sampling interval (µs), which `--cpu-prof-interval` also defaults to. */
export const DEFAULT_INTERVAL_US = 1000;
export const MIN_INTERVAL_US = 100;
export const MAX_INTERVAL_US = 1_000_000;

export interface ProfilingEnv {
  /** The environment to start the program with: every Node and Python process of its tree writes a profile. */
  readonly env: NodeJS.ProcessEnv;
  /** Where the profiles land (node-<pid>.cpuprofile, python-<pid>.json), beside the injected start-up files. */
  readonly dir: string;
  /** Removes the folder and all in it (call it after buildEnergyProfile). */
  dispose(): void;
}

/** NODE_OPTIONS splits on spaces and honours double quotes (src/node_options.cc ParseNodeOptionsEnvVar). */
export function quoteNodeOption(p: string): string {
  return /[\s"\\]/.test(p) ? `"${p.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : p;
}

/**
 * A temp folder with the Node preload and the Python sitecustomize, and `baseEnv` with them injected: `--require`
 * appended to NODE_OPTIONS (after the user's own options), the sitecustomize folder put first on PYTHONPATH (the
 * user's entries after it). Nothing is written into the program's folders.
 */
export function profilingEnv(baseEnv: NodeJS.ProcessEnv, intervalUs = DEFAULT_INTERVAL_US): ProfilingEnv {
  if (!Number.isInteger(intervalUs) || intervalUs < MIN_INTERVAL_US || intervalUs > MAX_INTERVAL_US)
    throw new RangeError(`the sampling interval must be a whole number of µs, ${MIN_INTERVAL_US}-${MAX_INTERVAL_US} (got ${intervalUs})`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-profile-'));
  try {
    const preload = path.join(dir, 'node-preload.cjs');
    fs.writeFileSync(preload, NODE_PRELOAD_SOURCE);
    const py = path.join(dir, 'python');
    fs.mkdirSync(py);
    fs.writeFileSync(path.join(py, 'sitecustomize.py'), PYTHON_SITECUSTOMIZE_SOURCE);
    const nodeOptions = [baseEnv.NODE_OPTIONS?.trim(), `--require ${quoteNodeOption(preload)}`].filter(Boolean).join(' ');
    const pythonPath = [py, baseEnv.PYTHONPATH].filter(Boolean).join(path.delimiter);
    const env: NodeJS.ProcessEnv = {
      ...baseEnv,
      NODE_OPTIONS: nodeOptions,
      PYTHONPATH: pythonPath,
      OPTIVOLT_PROFILE_DIR: dir,
      OPTIVOLT_PROFILE_INTERVAL_US: String(intervalUs),
    };
    return { env, dir, dispose: () => fs.rmSync(dir, { recursive: true, force: true }) };
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

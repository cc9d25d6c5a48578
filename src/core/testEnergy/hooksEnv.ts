import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { quoteNodeOption } from '../profile/profilingEnv';
import { NODE_TEST_HOOKS_SOURCE } from './nodeHooks';
import { PYTEST_PLUGIN_MODULE, PYTEST_PLUGIN_SOURCE } from './pytestPlugin';
import { VITEST_SETUP_ENV, VITEST_SETUP_SOURCE } from './vitestSetup';

export interface TestHooksEnv {
  /** The environment to start the test command with: its Node and pytest processes record their tests. */
  readonly env: NodeJS.ProcessEnv;
  /** Where the hooks write tests-<pid>.jsonl, beside the injected files. */
  readonly dir: string;
  /** Removes the folder and all in it. */
  dispose(): void;
}

/**
 * A temp folder with the Node preload and the pytest plugin, and `baseEnv` with them injected: `--require` appended
 * to NODE_OPTIONS (after the user's options), the plugin's folder put first on PYTHONPATH and its module added to
 * PYTEST_PLUGINS; the vitest setup file's path in OPTIVOLT_VITEST_SETUP (vitestSetup.ts). Nothing is written into the project.
 */
export function testHooksEnv(baseEnv: NodeJS.ProcessEnv): TestHooksEnv {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-tests-'));
  try {
    const preload = path.join(dir, 'test-hooks.cjs');
    fs.writeFileSync(preload, NODE_TEST_HOOKS_SOURCE);
    const vitestSetup = path.join(dir, 'vitest-setup.mjs');
    fs.writeFileSync(vitestSetup, VITEST_SETUP_SOURCE);
    const py = path.join(dir, 'python');
    fs.mkdirSync(py);
    fs.writeFileSync(path.join(py, `${PYTEST_PLUGIN_MODULE}.py`), PYTEST_PLUGIN_SOURCE);
    const plugins = [baseEnv.PYTEST_PLUGINS?.trim(), PYTEST_PLUGIN_MODULE].filter(Boolean).join(',');
    const env: NodeJS.ProcessEnv = {
      ...baseEnv,
      NODE_OPTIONS: [baseEnv.NODE_OPTIONS?.trim(), `--require ${quoteNodeOption(preload)}`].filter(Boolean).join(' '),
      PYTHONPATH: [py, baseEnv.PYTHONPATH].filter(Boolean).join(path.delimiter),
      PYTEST_PLUGINS: plugins,
      OPTIVOLT_TEST_DIR: dir,
      [VITEST_SETUP_ENV]: vitestSetup,
    };
    return { env, dir, dispose: () => fs.rmSync(dir, { recursive: true, force: true }) };
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

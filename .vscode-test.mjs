// Desktop VS Code runs the same host tests through @vscode/test-cli (`npm run test:desktop`), for contributors
// with a normal connection: it downloads VS Code, which this project's CI machine cannot. CI runs the same
// files in code-server's extension host instead (test/harness/runHost.js). Build first: npm run build &&
// npm run compile-tests.
import { defineConfig } from '@vscode/test-cli';

export default defineConfig({
  label: 'host',
  files: 'out/test/host/**/*.test.js',
  version: '1.139.1',
  mocha: { ui: 'bdd', timeout: 60000 },
  launchArgs: ['--disable-extensions'],
});

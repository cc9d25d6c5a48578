// Bundles the extension, the CLI (and later the language server and webviews) with esbuild.
// Adding a bundle is one line in `entries`.
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** @type {Array<{ in: string, out: string, platform?: 'node' | 'browser', banner?: string }>} */
const entries = [
  { in: 'src/client/extension.ts', out: 'dist/extension.js' },
  { in: 'src/client/dockerodeBundle.ts', out: 'dist/dockerode.js' },
  { in: 'src/client/stack/stackActions.ts', out: 'dist/stack.js' },
  { in: 'src/cli/main.ts', out: 'dist/cli.js', banner: '#!/usr/bin/env node' },
  { in: 'src/client/promql/promqlClient.ts', out: 'dist/promqlClient.js' },
  { in: 'src/server/main.ts', out: 'dist/server.js' },
  { in: 'media/powerView/powerView.ts', out: 'dist/media/powerView.js', platform: 'browser' },
  { in: 'media/grafanaView/grafanaView.ts', out: 'dist/media/grafanaView.js', platform: 'browser' },
  { in: 'media/promqlResult/promqlResult.ts', out: 'dist/media/promqlResult.js', platform: 'browser' },
  { in: 'media/flameGraph/flameGraph.ts', out: 'dist/media/flameGraph.js', platform: 'browser' },
  { in: 'media/energyHistory/energyHistory.ts', out: 'dist/media/energyHistory.js', platform: 'browser' },
];

const options = entries.map((e) => ({
  entryPoints: [e.in],
  outfile: e.out,
  bundle: true,
  platform: e.platform ?? 'node',
  format: e.platform === 'browser' ? 'iife' : 'cjs',
  target: e.platform === 'browser' ? 'es2022' : 'node20',
  // ssh2 (under dockerode) loads optional native helpers inside try/catch: leave them out of the bundle.
  external: ['vscode', 'cpu-features', '*.node'],
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  ...(e.banner ? { banner: { js: e.banner } } : {}),
}));

if (watch) {
  for (const o of options) await (await esbuild.context(o)).watch();
  console.log('[build] watching', entries.map((e) => e.in).join(', '));
} else {
  await Promise.all(options.map((o) => esbuild.build(o)));
  console.log('[build] bundled', entries.map((e) => e.out).join(', '));
}

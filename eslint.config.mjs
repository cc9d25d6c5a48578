// Lint, including the layer rules of ARCHITECTURE.md: which folder may import which (only src/client imports
// `vscode`, core and cli stay below the editor and the language server, shared and media stay browser-safe), and
// type-aware rules for promises nobody awaits.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const VSCODE_MESSAGE = 'Only src/client (and test/host) may import vscode: keep core, server, cli and media testable in plain Node.';
const vscodeOnlyInClient = { name: 'vscode', message: VSCODE_MESSAGE };
const languageClient = {
  group: ['vscode-languageclient', 'vscode-languageclient/*'],
  message: 'The language client belongs in src/client.',
};
const serverLibs = {
  group: [
    'vscode-languageserver',
    'vscode-languageserver/*',
    'vscode-languageserver-*',
    'vscode-jsonrpc',
    'vscode-jsonrpc/*',
    '@prometheus-io/*',
    '@lezer/*',
  ],
  message: 'The language server and its PromQL parser belong in src/server.',
};
const browserSafe = {
  group: ['node:*', 'fs', 'fs/*', 'path', 'os', 'child_process', 'http', 'https', 'net', 'crypto', 'stream', 'util', 'vscode'],
  message: 'src/shared and media hold browser-safe code: no Node built-ins, no vscode.',
};

/** Who may import which layer of src/ (ARCHITECTURE.md, "Layers"); media imports src/shared only. */
const MAY_IMPORT = {
  shared: [],
  core: ['shared'],
  server: ['core', 'shared'],
  cli: ['core', 'shared'],
  client: ['core', 'shared'],
};
const LAYERS = Object.keys(MAY_IMPORT);
/** Folder depth below a layer that the per-depth globs cover (src/core/a/b/c/x.ts is depth 3). */
const MAX_DEPTH = 6;

/**
 * no-restricted-imports matches the import's text, not the file it resolves to, so each rule is written for one
 * folder depth: from src/<layer>/<k folders>/x.ts, exactly k+1 `../` reach src/ and k+2 the repository root. That
 * names a layer precisely (core/prometheus/client.ts is not src/client), at any depth a helper moves files to.
 */
function layerPatterns(layer, k) {
  const toSrc = '(\\.\\./)'.repeat(k + 1);
  const forbidden = LAYERS.filter((l) => l !== layer && !MAY_IMPORT[layer].includes(l));
  const out = [];
  if (forbidden.length) {
    out.push({
      regex: `^${toSrc}(${forbidden.join('|')})(/|$)`,
      message: `src/${layer} may import only ${[layer, ...MAY_IMPORT[layer]].map((l) => `src/${l}`).join(', ')} (ARCHITECTURE.md, "Layers").`,
    });
  }
  out.push({ regex: `^${toSrc}\\.\\./`, message: `src/${layer} does not import from outside src/ (media, test, scripts).` });
  return out;
}

function mediaPatterns(k) {
  return [
    {
      regex: `^${'(\\.\\./)'.repeat(k + 1)}(?!src/shared/)`,
      message: 'media imports only media and src/shared (ARCHITECTURE.md, "Layers").',
    },
  ];
}

const rule = (paths, patterns) => ({ 'no-restricted-imports': ['error', { paths, patterns }] });

/** Each folder's whole list: a later no-restricted-imports entry for the same file replaces an earlier one. */
function layerRules(layer, k) {
  switch (layer) {
    case 'shared':
      return rule(
        [],
        [
          {
            regex: '^(?![./])',
            message:
              'src/shared holds browser-safe types and protocols: it imports only src/shared (no Node built-ins, no vscode, no packages).',
          },
          ...layerPatterns(layer, k),
        ],
      );
    case 'client':
      return rule([], [serverLibs, ...layerPatterns(layer, k)]);
    case 'server':
      return rule([vscodeOnlyInClient], [languageClient, ...layerPatterns(layer, k)]);
    default:
      return rule([vscodeOnlyInClient], [languageClient, serverLibs, ...layerPatterns(layer, k)]);
  }
}

const depths = [...Array(MAX_DEPTH + 1).keys()];
const under = (root, k) => `${root}/${'*/'.repeat(k)}*.ts`;

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', '.vscode-test/**', '**/*.vsix'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        AbortSignal: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'smart'],
      'no-console': 'off',
    },
  },
  {
    // Type information for the promise rules: a floating or misused promise loses its error, or runs out of order.
    files: ['src/**/*.ts', 'media/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  { files: ['test/unit/**/*.ts', 'test/fixtures/**/*.ts', 'bench/**/*.ts'], rules: rule([vscodeOnlyInClient], [languageClient]) },
  ...LAYERS.flatMap((layer) => depths.map((k) => ({ files: [under(`src/${layer}`, k)], rules: layerRules(layer, k) }))),
  ...depths.map((k) => ({ files: [under('media', k)], rules: rule([], [browserSafe, ...mediaPatterns(k)]) })),
  { files: ['**/*.js', '**/*.mjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
);

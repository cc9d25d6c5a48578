// Lint, including the layer rule of ARCHITECTURE.md: only src/client (and host tests) may import `vscode`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noVscode = {
  'no-restricted-imports': [
    'error',
    {
      paths: [{ name: 'vscode', message: 'Only src/client (and test/host) may import vscode: keep core, server, cli and media testable in plain Node.' }],
      patterns: [{ group: ['vscode-languageclient', 'vscode-languageclient/*'], message: 'The language client belongs in src/client.' }],
    },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', '.vscode-test/**', '**/*.vsix'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', Buffer: 'readonly', URL: 'readonly', fetch: 'readonly', AbortSignal: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'smart'],
      'no-console': 'off',
    },
  },
  { files: ['src/**/*.ts', 'media/**/*.ts', 'test/unit/**/*.ts', 'test/fixtures/**/*.ts', 'bench/**/*.ts'], rules: noVscode },
  { files: ['src/client/**/*.ts', 'test/host/**/*.ts'], rules: { 'no-restricted-imports': 'off' } },
  { files: ['src/shared/**/*.ts', 'media/**/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['node:*', 'fs', 'path', 'os', 'child_process', 'http', 'vscode'], message: 'src/shared and media hold browser-safe code: no Node built-ins, no vscode.' }] }] } },
  { files: ['**/*.js', '**/*.mjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
);

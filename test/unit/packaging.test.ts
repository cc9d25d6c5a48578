// The .vsix ships what the manifest points to, and nothing of the sources: checked on `vsce ls` (offline),
// the list `npm run package` packs. A bundle or language file left out would only fail on users' machines.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');

describe('the packaged extension (.vsix contents)', () => {
  let files: Set<string>;
  let manifest: {
    main: string;
    contributes: {
      languages: Array<{ configuration?: string }>;
      grammars: Array<{ path: string }>;
      snippets: Array<{ path: string }>;
      viewsContainers?: Record<string, Array<{ icon?: string }>>;
    };
  };
  before(function () {
    this.timeout(60000);
    const out = execFileSync(path.join(root, 'node_modules/.bin/vsce'), ['ls', '--no-dependencies'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    files = new Set(
      out
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    );
    manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  });
  const rel = (p: string): string => path.posix.normalize(p.replace(/^\.\//, ''));

  it('includes every bundle the extension loads (main, lazy bundles, language server, webviews)', () => {
    const bundles = fs
      .readFileSync(path.join(root, 'scripts/build.mjs'), 'utf8')
      .match(/out: '([^']+)'/g)!
      .map((m) => m.slice(6, -1));
    assert.ok(bundles.includes('dist/server.js') && bundles.includes(rel(manifest.main)));
    for (const b of bundles) assert.ok(files.has(b), `${b} is not packaged`);
    for (const view of ['powerView', 'promqlResult', 'grafanaView'])
      assert.ok(files.has(`dist/media/${view}.css`), `${view}.css is not packaged`);
  });

  it('includes the language configuration, grammar, snippets and icons the manifest names', () => {
    const named = [
      ...manifest.contributes.languages.flatMap((l) => (l.configuration ? [l.configuration] : [])),
      ...manifest.contributes.grammars.map((g) => g.path),
      ...manifest.contributes.snippets.map((s) => s.path),
      ...Object.values(manifest.contributes.viewsContainers ?? {}).flatMap((c) =>
        c.flatMap((v) => (v.icon && !v.icon.startsWith('$(') ? [v.icon] : [])),
      ),
    ].map(rel);
    assert.ok(named.length >= 4, named.join(' '));
    for (const f of named) assert.ok(files.has(f), `${f} is named by package.json but not packaged`);
  });

  it('leaves out sources, tests and build leftovers', () => {
    for (const f of files)
      assert.doesNotMatch(f, /^(src|test|bench|out|node_modules|scripts)\/|\.ts$|\.map$/, `${f} should not be packaged`);
  });
});

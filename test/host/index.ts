// Entry that VS Code's test runners load inside the extension host (code-server here, desktop VS Code via
// .vscode-test.mjs): runs every *.test.js beside it with mocha and records the counts for the harness.
import * as fs from 'node:fs';
import * as path from 'node:path';

interface Counts {
  passed: number;
  failed: number;
  pending: number;
}
// Plain JS shared with the unit tier, so both count the same way.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const harness = require('../../../test/harness/mochaRun') as {
  runMocha(files: string[], options?: object): Promise<Counts>;
  findFiles(dir: string, suffix: string): string[];
};

export async function run(): Promise<void> {
  const only = (process.env.HOST_ONLY ?? '').split(',').filter(Boolean);
  const files = harness.findFiles(__dirname, '.test.js').filter((f) => !only.length || only.some((o) => path.basename(f).includes(o)));
  const counts = await harness.runMocha(files, { timeout: 60000, color: false });
  const out = process.env.OPTIVOLT_HOST_RESULTS;
  if (out) fs.writeFileSync(out, JSON.stringify(counts));
  console.log(
    `host (extension host): ${counts.passed} passed, ${counts.failed} failed in ${files.map((f) => path.basename(f)).join(', ')}`,
  );
  if (counts.failed > 0) throw new Error(`${counts.failed} host test(s) failed`);
}

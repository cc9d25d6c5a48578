/** The environment variable that holds the vitest setup file's path while `optivolt test` runs. */
export const VITEST_SETUP_ENV = 'OPTIVOLT_VITEST_SETUP';

/**
 * The vitest setup file (vitest's test runner is an ES module in its workers, out of a CommonJS preload's reach, and
 * its CLI has no --setupFiles): the user adds one line to vitest.config,
 * `setupFiles: process.env.OPTIVOLT_VITEST_SETUP ? [process.env.OPTIVOLT_VITEST_SETUP] : []`, and this file, written
 * beside the other hooks, times each test from beforeEach to afterEach in the worker that runs it (vitest runs
 * setupFiles before each test file, https://vitest.dev/config/#setupfiles), in the Node hooks' line format.
 */
export const VITEST_SETUP_SOURCE = `// Written by optivolt test: records each vitest test's time window in this worker.
import { afterEach, beforeEach } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMainThread, threadId } from 'node:worker_threads';

const dir = process.env.OPTIVOLT_TEST_DIR;
const out = dir && path.join(dir, 'tests-' + process.pid + (isMainThread ? '' : '-t' + threadId) + '.jsonl');
const now = () => Number(process.hrtime.bigint() / 1000n);
const cpu = () => { const c = process.cpuUsage(); return c.user + c.system; };
const write = (rec) => { try { fs.appendFileSync(out, JSON.stringify({ pid: process.pid, ...rec }) + '\\n'); } catch {} };
const open = new WeakMap();
if (out && !globalThis.__optivoltVitestExit) {
  globalThis.__optivoltVitestExit = true;
  process.once('exit', () => write({ exit: true, cpuUs: cpu() }));
}
beforeEach((ctx) => { if (out) open.set(ctx.task, { startUs: now(), cpu0: cpu() }); });
afterEach((ctx) => {
  const b = out && open.get(ctx.task);
  if (!b) return;
  open.delete(ctx.task);
  const t = ctx.task;
  const names = [];
  for (let s = t.suite; s && !s.filepath; s = s.suite) if (s.name) names.unshift(s.name);
  const file = (t.file && t.file.filepath) || undefined;
  write({
    framework: 'vitest', name: t.name, suite: names.join(' > '), file, line: t.location ? t.location.line : undefined,
    outcome: t.result && t.result.errors && t.result.errors.length ? 'failed' : 'passed',
    startUs: b.startUs, endUs: now(), cpuUs: cpu() - b.cpu0,
  });
});
`;

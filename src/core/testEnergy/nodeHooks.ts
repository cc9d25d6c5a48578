/**
 * The preload (`--require` in NODE_OPTIONS, as the profiler's: Node 20 refuses `--cpu-prof` there, and a preload
 * needs no change to the project) that makes every Node process of a test run write one JSON line per test case to
 * OPTIVOLT_TEST_DIR/tests-<pid>.jsonl: name, suite, file, line, outcome, CLOCK_MONOTONIC start and end (µs, the
 * clock of the measurement timeline: process.hrtime is uv_hrtime) and the process's CPU time over the test.
 *
 * How each framework is reached, in the process that runs the test:
 * - mocha: EventEmitter.prototype.emit is wrapped (mocha 12's runner is an ES module a preload cannot patch): the
 *   'test' and 'test end' events its reporters read (lib/runner.js EVENT_TEST_BEGIN / EVENT_TEST_END) of a mocha
 *   Test, in parallel mode's workers too.
 * - node:test: the builtin's test/it (and their skip/todo/only) are wrapped and syncBuiltinESMExports() makes
 *   `import { test } from 'node:test'` see them; each test's function is timed, subtests through t.test.
 * - jest (jest-circus): the test environment class gets a handleTestEvent (jest-circus's jestAdapterInit adds the
 *   environment's handleTestEvent to its event handlers): test_start .. test_done, per-test hooks included.
 * A line is appended when a test ends (appendFileSync), so a process killed later keeps what it ran; at exit one
 * line more gives the process's whole CPU time, for the ticks the last /proc scan did not see.
 */
export const NODE_TEST_HOOKS_SOURCE = `'use strict';
// Written by optivolt test: records each test case's time window in this process (see optivolt's testEnergy).
(() => {
  const dir = process.env.OPTIVOLT_TEST_DIR;
  if (!dir) return;
  const fs = require('node:fs');
  const path = require('node:path');
  const Module = require('node:module');
  const wt = require('node:worker_threads');
  const out = path.join(dir, 'tests-' + process.pid + (wt.isMainThread ? '' : '-t' + wt.threadId) + '.jsonl');
  const now = () => Number(process.hrtime.bigint() / 1000n);
  const cpu = () => { const c = process.cpuUsage(); return c.user + c.system; };
  const write = (rec) => {
    try { fs.appendFileSync(out, JSON.stringify(Object.assign({ pid: process.pid }, rec)) + '\\n'); } catch {}
  };
  let wrote = false;
  const record = (rec) => { wrote = true; write(rec); };
  process.on('exit', () => { if (wrote) write({ exit: true, cpuUs: cpu() }); });
  const begin = () => ({ startUs: now(), cpu0: cpu() });
  const finish = (b, rec) => record(Object.assign(rec, { startUs: b.startUs, endUs: now(), cpuUs: cpu() - b.cpu0 }));

  // Where a test was defined: the first stack frame outside node_modules, node internals and this file.
  const callSite = (stack) => {
    for (const line of String(stack || '').split('\\n').slice(1)) {
      const m = /\\(?((?:file:\\/\\/)?\\/[^()]*?):(\\d+):\\d+\\)?\\s*$/.exec(line);
      if (!m || m[1].includes('/node_modules/') || m[1] === __filename) continue;
      return { file: m[1].replace(/^file:\\/\\//, ''), line: Number(m[2]) };
    }
    return {};
  };

  // mocha's Runner is an EventEmitter (lib/runner.js, CommonJS before v12, an ES module since): its emit is
  // EventEmitter.prototype.emit, reached here whatever module system loaded it; a Test has type 'test' and fullTitle.
  const mochaOpen = new WeakMap();
  const events = require('node:events');
  const emit = events.EventEmitter.prototype.emit;
  events.EventEmitter.prototype.emit = function (event, test) {
    if ((event === 'test' || event === 'test end') && test && test.type === 'test' && typeof test.fullTitle === 'function') {
      try {
        if (event === 'test') mochaOpen.set(test, begin());
        else if (mochaOpen.has(test)) {
          const b = mochaOpen.get(test);
          mochaOpen.delete(test);
          const outcome = test.pending ? 'skipped' : test.state === 'failed' ? 'failed' : test.state === 'passed' ? 'passed' : 'unknown';
          const suite = test.parent && typeof test.parent.fullTitle === 'function' ? test.parent.fullTitle() : '';
          finish(b, { framework: 'mocha', name: String(test.title), suite, file: test.file, outcome });
        }
      } catch {}
    }
    return emit.apply(this, arguments);
  };

  const circusName = (t) => {
    const names = [];
    for (let p = t.parent; p && p.parent; p = p.parent) names.unshift(p.name);
    return names.join(' > ');
  };
  const patchJestEnvironment = (exp) => {
    for (const Env of new Set([exp, exp && exp.default, exp && exp.TestEnvironment])) {
      if (typeof Env !== 'function' || !Env.prototype || typeof Env.prototype.getVmContext !== 'function') continue;
      if (Env.prototype.__optivolt) continue;
      Env.prototype.__optivolt = true;
      const own = Env.prototype.handleTestEvent;
      const open = new WeakMap();
      Env.prototype.handleTestEvent = function (event, state) {
        if (event.name === 'test_start') open.set(event.test, begin());
        else if (event.name === 'test_done' && open.has(event.test)) {
          const t = event.test;
          const b = open.get(t);
          open.delete(t);
          const site = callSite(t.asyncError && t.asyncError.stack);
          finish(b, Object.assign({ framework: 'jest', name: String(t.name), suite: circusName(t), outcome: t.errors && t.errors.length ? 'failed' : 'passed' }, site));
        }
        return own ? own.call(this, event, state) : undefined;
      };
    }
  };

  const wrapBody = (fn, meta) => {
    if (typeof fn !== 'function') return fn;
    const timed = function (t, ...rest) {
      const b = begin();
      let ended = false;
      const end = (outcome) => { if (!ended) { ended = true; finish(b, Object.assign({}, meta, { outcome })); } };
      if (t && typeof t.test === 'function' && !t.test.__optivolt) t.test = wrapTest(t.test.bind(t), meta.suite ? meta.suite + ' > ' + meta.name : meta.name);
      if (fn.length >= 2 && typeof rest[0] === 'function') {
        const done = rest[0];
        rest[0] = function (err) { end(err ? 'failed' : 'passed'); return done.apply(this, arguments); };
      }
      let r;
      try { r = fn.call(this, t, ...rest); } catch (err) { end('failed'); throw err; }
      if (r && typeof r.then === 'function') return r.then((v) => { end('passed'); return v; }, (err) => { end('failed'); throw err; });
      if (!(fn.length >= 2)) end('passed');
      return r;
    };
    Object.defineProperty(timed, 'length', { value: fn.length });
    return timed;
  };
  let suiteNow = '';
  const wrapTest = (orig, suiteOf) => {
    const w = function (name, options, fn) {
      const args = Array.from(arguments);
      const k = args.findIndex((a) => typeof a === 'function');
      if (k >= 0) {
        const n = typeof args[0] === 'string' ? args[0] : args[k].name || '<anonymous>';
        const site = callSite(new Error().stack);
        const skip = args.some((a) => a && typeof a === 'object' && (a.skip || a.todo));
        if (!skip) args[k] = wrapBody(args[k], Object.assign({ framework: 'node:test', name: n, suite: typeof suiteOf === 'string' ? suiteOf : suiteNow }, site));
      }
      return orig.apply(this, args);
    };
    for (const key of ['only']) if (typeof orig[key] === 'function') w[key] = wrapTest(orig[key].bind(orig), suiteOf);
    for (const key of ['skip', 'todo']) if (orig[key]) w[key] = orig[key];
    w.__optivolt = true;
    return w;
  };
  const wrapDescribe = (orig) => {
    const w = function () {
      const args = Array.from(arguments);
      const k = args.findIndex((a) => typeof a === 'function');
      if (k >= 0) {
        const n = typeof args[0] === 'string' ? args[0] : args[k].name || '';
        const body = args[k];
        args[k] = function () {
          const prev = suiteNow;
          suiteNow = prev ? prev + ' > ' + n : n;
          try { return body.apply(this, arguments); } finally { suiteNow = prev; }
        };
      }
      return orig.apply(this, args);
    };
    for (const key of ['skip', 'todo', 'only']) if (orig[key]) w[key] = orig[key];
    return w;
  };
  let nodeTestDone = false;
  const patchNodeTest = (nt) => {
    if (nodeTestDone || !nt || typeof nt.test !== 'function') return;
    nodeTestDone = true;
    for (const key of ['test', 'it']) if (typeof nt[key] === 'function') nt[key] = wrapTest(nt[key]);
    for (const key of ['describe', 'suite']) if (typeof nt[key] === 'function') nt[key] = wrapDescribe(nt[key]);
    Module.syncBuiltinESMExports();
  };

  const load = Module._load;
  Module._load = function (request) {
    const exp = load.apply(this, arguments);
    try {
      if (request === 'node:test') patchNodeTest(exp);
      else if (/jest-environment/.test(request)) patchJestEnvironment(exp);
    } catch {}
    return exp;
  };
  // An ES module's \`import 'node:test'\` does not pass through Module._load: patch the builtin up front in the
  // processes that run node:test files (node --test's children have NODE_TEST_CONTEXT; a test file run directly, not a
  // tool's script under node_modules).
  if (process.env.NODE_TEST_CONTEXT || process.execArgv.includes('--test') || /test/i.test((process.argv[1] || '').replace(/.*[\\/]node_modules[\\/].*/, ''))) {
    try { patchNodeTest(require('node:test')); } catch {}
  }
})();
`;

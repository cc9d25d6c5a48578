/**
 * The preload (`--require` in NODE_OPTIONS) that makes every Node process of a profiled tree write a V8 CPU profile.
 *
 * Why not `--cpu-prof`: Node refuses it in NODE_OPTIONS before v22.15/v23.9 ("node: --cpu-prof is not allowed in
 * NODE_OPTIONS", exit 9; allowed by nodejs/node#57018), and this project supports Node 20. The preload drives the
 * same V8 profiler through node:inspector (Profiler.setSamplingInterval / start / stop, the calls `--cpu-prof` makes
 * in src/inspector_profiler.cc) and writes the same .cpuprofile JSON. A same-thread inspector Session answers
 * synchronously, so the profile is written inside the 'exit' event, after process.exit() and uncaught errors too.
 * A process killed by a signal writes none: its energy stays on its '(unprofiled)' frame. The profile gets one field
 * more, optivoltCpuUs (process.cpuUsage() at exit), which V8's readers ignore.
 */
export const NODE_PRELOAD_SOURCE = `'use strict';
// Written by optivolt profile: starts the V8 CPU profiler and writes node-<pid>.cpuprofile at exit.
(() => {
  const dir = process.env.OPTIVOLT_PROFILE_DIR;
  const interval = Number(process.env.OPTIVOLT_PROFILE_INTERVAL_US) || 1000;
  if (!dir || !require('node:worker_threads').isMainThread) return;
  let session;
  try {
    session = new (require('node:inspector').Session)();
    session.connect();
    session.post('Profiler.enable');
    session.post('Profiler.setSamplingInterval', { interval });
    session.post('Profiler.start');
  } catch {
    return; // no inspector in this build of Node: the process stays unprofiled
  }
  process.on('exit', () => {
    // The process's whole CPU time: attribution needs what it spent after the last /proc scan saw it.
    const cpu = process.cpuUsage();
    session.post('Profiler.stop', (err, res) => {
      if (err || !res || !res.profile) return;
      res.profile.optivoltCpuUs = cpu.user + cpu.system;
      const fs = require('node:fs');
      const path = require('node:path');
      const file = path.join(dir, 'node-' + process.pid + '.cpuprofile');
      const tmp = file + '.tmp';
      try {
        fs.writeFileSync(tmp, JSON.stringify(res.profile));
        fs.renameSync(tmp, file);
      } catch {
        try { fs.rmSync(tmp, { force: true }); } catch {}
      }
    });
  });
})();
`;

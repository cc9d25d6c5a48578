// Runs mocha over a list of files and resolves { passed, failed, pending }. Used by the unit tier (plain Node)
// and by the host tier's entry inside the extension host, so both count tests the same way.
const { Mocha } = require('mocha');

/** @param {string[]} files @param {Partial<Mocha.MochaOptions>} [options] */
function runMocha(files, options = {}) {
  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', color: process.stdout.isTTY === true, timeout: 10000, ...options });
  for (const f of files) mocha.addFile(f);
  return new Promise((resolve, reject) => {
    try {
      const runner = mocha.run(() => {
        const s = runner.stats || { passes: 0, failures: 0, pending: 0 };
        resolve({ passed: s.passes, failed: s.failures, pending: s.pending });
      });
    } catch (err) {
      reject(err);
    }
  });
}

/** Lists files under dir whose names end with suffix, recursively, sorted. */
function findFiles(dir, suffix) {
  const fs = require('fs');
  const path = require('path');
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(suffix)) out.push(p);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out.sort();
}

/** Appends one tier's counts to the results file the top-level test command sums. */
function recordResult(tier, counts) {
  const file = process.env.OPTIVOLT_RESULTS;
  if (file) require('fs').appendFileSync(file, `${JSON.stringify({ tier, ...counts })}\n`);
}

module.exports = { runMocha, findFiles, recordResult };

// Runs a plain-Node mocha tier over out/test/<tier> (compiled by tsc): `unit`, or `stack` (a real Prometheus
// and a real Docker engine, both provisioned once from Debian's packages). Usage: node test/harness/runTier.js unit|stack [grep]
const path = require('path');
const { runMocha, findFiles, recordResult } = require('./mochaRun');
const { runStep } = require('./provision');

const root = path.resolve(__dirname, '../..');
const [tier, grep] = process.argv.slice(2);
if (!['unit', 'stack'].includes(tier)) {
  console.error('usage: node test/harness/runTier.js unit|stack [grep]');
  process.exit(2);
}

function fail(message) {
  console.error(`${tier}: ${message}`);
  recordResult(tier, { passed: 0, failed: 1, pending: 0 });
  process.exit(1);
}

// PROMETHEUS_BIN: Prometheus 3.5 LTS (the line the stack pins), promtool beside it. PROMETHEUS_242_BIN: Debian
// bookworm's 2.42, for the tests that hold the PromQL checker (tuned to 2.42) against a real parser.
// PROMETHEUS_253_BIN: Debian trixie's 2.53, one more real parser for the per-version PromQL agreement.
if (tier === 'stack') {
  try {
    process.env.PROMETHEUS_BIN ||= runStep('prometheus');
    process.env.PROMETHEUS_242_BIN ||= runStep('prometheus', ['2.42']);
    process.env.PROMETHEUS_253_BIN ||= runStep('prometheus', ['2.53']);
    // VICTORIAMETRICS_BIN: Debian sid's VictoriaMetrics, an engine that imitates Prometheus' API (PromQL target detection).
    process.env.VICTORIAMETRICS_BIN ||= runStep('victoriametrics');
    // NGINX_BIN: Debian's nginx, the reverse proxy enforcing auth/tenant/TLS in front of Prometheus (engines tests).
    process.env.NGINX_BIN ||= runStep('nginx');
  } catch (err) {
    fail(err.message);
  }
}
// A real Docker engine for the container tests: started here if none runs, and stopped again afterwards.
let startedDockerd;
if (tier === 'stack' && !process.env.OPTIVOLT_DOCKER) {
  try {
    const out = runStep('docker');
    if (out.startsWith('started ')) startedDockerd = out.split(' ')[1];
    process.env.OPTIVOLT_DOCKER = '1';
  } catch (err) {
    fail(err.message);
  }
}
const stopDocker = () => {
  if (startedDockerd) runStep('docker', ['stop', startedDockerd]);
};

const files = findFiles(path.join(root, 'out/test', tier), '.test.js');
if (files.length === 0) fail(`no compiled tests in out/test/${tier} (run tsc -p tsconfig.json first)`);
runMocha(files, { ...(grep ? { grep } : {}), timeout: tier === 'stack' ? 60000 : 10000 }).then(
  (r) => {
    stopDocker();
    recordResult(tier, r);
    console.log(`${tier}: ${r.passed} passed, ${r.failed} failed${r.pending ? `, ${r.pending} pending` : ''}`);
    process.exit(r.failed > 0 ? 1 : 0);
  },
  (err) => {
    stopDocker();
    fail(err.stack || String(err));
  },
);

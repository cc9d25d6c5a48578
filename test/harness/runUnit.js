// The unit tier: plain mocha over out/test/unit (compiled by tsc), no VS Code.
const path = require('path');
const { runMocha, findFiles, recordResult } = require('./mochaRun');

const root = path.resolve(__dirname, '../..');
const grep = process.argv[2];
const files = findFiles(path.join(root, 'out/test/unit'), '.test.js');
if (files.length === 0) {
  console.error('unit: no compiled tests in out/test/unit (run tsc -p tsconfig.json first)');
  recordResult('unit', { passed: 0, failed: 1, pending: 0 });
  process.exit(1);
}
runMocha(files, grep ? { grep } : {}).then(
  (r) => {
    recordResult('unit', r);
    console.log(`unit: ${r.passed} passed, ${r.failed} failed${r.pending ? `, ${r.pending} pending` : ''}`);
    process.exit(r.failed > 0 ? 1 : 0);
  },
  (err) => {
    console.error(err);
    recordResult('unit', { passed: 0, failed: 1, pending: 0 });
    process.exit(1);
  },
);

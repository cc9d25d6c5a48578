// The built CLI (dist/cli.js) speaks in flags (issue 19): a bad value is one line naming the flag and what it
// accepts, exit 2, never a VS Code setting key, a "using X" that is not done, "ambiguous" for a negative number or
// a stack trace. --version prints the package's version.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { flagProblem } from '../../src/cli/flags';
import { readSettings } from '../../src/core/settings';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');
const PACKAGE = path.resolve(__dirname, '../../../package.json');

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 10000 });
}

describe('CLI vocabulary: flags, one line, exit 2 (dist/cli.js)', function () {
  this.timeout(15000);
  before(function () {
    assert.ok(fs.existsSync(CLI), `${CLI} missing: run node scripts/build.mjs first`);
  });

  const cases: Array<[string[], RegExp]> = [
    [['sample', '--interval', '-5'], /^optivolt: --interval must be a whole number from 500 to 60000 \(got -5\)$/],
    [['sample', '--interval', '100'], /^optivolt: --interval must be a whole number from 500 to 60000 \(got 100\)$/],
    [['sample', '--interval', 'abc'], /^optivolt: --interval must be a whole number from 500 to 60000 \(got "abc"\)$/],
    [['sample', '--count', '-1'], /^optivolt: --count must be a whole number >= 1 \(got "-1"\)$/],
    [['sample', '--prometheus-url', 'foo'], /^optivolt: --prometheus-url: Not a URL: "foo"\.$/],
    [['sample', '--prometheus-url', 'ftp://u:hunter2@127.0.0.1:9090'], /^optivolt: --prometheus-url: .*must be http or https/],
    [['measure', '--interval', '-5', '--', 'true'], /^optivolt: --interval must be a whole number from 500 to 60000 \(got -5\)$/],
    [['measure', '--repeat', '-2', '--', 'true'], /^optivolt: --repeat must be a whole number >= 1 \(got "-2"\)$/],
    [['measure', '--budget-joules', '-1', '--', 'true'], /^optivolt: --budget-joules must be a number >= 0 \(got "-1"\)$/],
    [['exporter', '--interval', '-5'], /^optivolt: --interval must be a whole number from 500 to 60000 \(got -5\)$/],
    [['exporter', '--port', '-1'], /^optivolt: --port must be 0-65535 \(got "-1"\)$/],
    [['exporter', '--bind', 'not-an-ip', '--port', '0'], /^optivolt: --bind must be an IP address .*\(got "not-an-ip"\)$/],
  ];
  for (const [args, expected] of cases) {
    it(`${args.join(' ')} => exit 2, one line naming the flag`, () => {
      const r = run(args);
      assert.equal(r.status, 2, `${r.stdout}\n${r.stderr}`);
      const lines = r.stderr.split('\n').filter((l) => l !== '');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], expected);
      assert.doesNotMatch(lines[0], /optivolt\.[a-z]|using |ambiguous|hunter2/);
      assert.equal(r.stdout, '');
    });
  }

  it('what core says names the flag, not the setting: "Set by --source", never optivolt.power.source', () => {
    const r = run(['sample', '--source', 'estimate', '--count', '1', '--interval', '500']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /Set by --source: /);
    assert.doesNotMatch(r.stderr, /optivolt\.[a-z]/);
  });

  it("the stack's settings are worded with the stack's flags (one table each, no setting key)", () => {
    const { invalid } = readSettings((k) => (k === 'stack.powerExporter' ? 'foo' : k === 'stack.exporterPort' ? -5 : undefined));
    assert.deepEqual(invalid.map(flagProblem), [
      '--power-exporter must be one of auto, scaphandre, optivolt (got "foo")',
      '--exporter-port must be a whole number from 1024 to 65535 (got -5)',
    ]);
  });

  it('--version prints the version of package.json and exits 0', () => {
    const { version } = JSON.parse(fs.readFileSync(PACKAGE, 'utf8')) as { version: string };
    const r = run(['--version']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `optivolt ${version}\n`);
  });
});

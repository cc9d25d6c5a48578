// The built CLI (dist/cli.js) writing into a pipe whose reader went away (issue 19): `optivolt sample | head -1`,
// measure's JSON into `| true`, the exporter's log into `2>&1 | head -1`. Each ends quietly with its own exit code,
// not Node's unhandled EPIPE stack trace.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { onEstimate } from '../fixtures/cliArgs';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');

interface Piped {
  /** The CLI's exit status (bash's PIPESTATUS[0]). */
  readonly status: number;
  /** Its stderr, unless the pipeline sends stderr into the pipe too. */
  readonly stderr: string;
}

/** Runs `node dist/cli.js ARGS <redirects> | READER` in bash and reports the CLI's own exit status. */
function pipeline(args: string[], reader: string, stderrToo = false): Promise<Piped> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-pipe-'));
  const errFile = path.join(dir, 'stderr');
  const redirect = stderrToo ? '2>&1' : '2>"$ERR"';
  const script = `"$0" "$@" ${redirect} | ${reader} >/dev/null; echo "\${PIPESTATUS[0]}"`;
  const child = spawn('bash', ['-c', script, process.execPath, CLI, ...args], { env: { ...process.env, ERR: errFile } });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const kill = setTimeout(() => child.kill('SIGKILL'), 15000);
  return new Promise((resolve) =>
    child.on('close', () => {
      clearTimeout(kill);
      const stderr = fs.existsSync(errFile) ? fs.readFileSync(errFile, 'utf8') : '';
      fs.rmSync(dir, { recursive: true, force: true });
      resolve({ status: Number(out.trim()), stderr });
    }),
  );
}

const noTrace = (stderr: string): void => {
  assert.doesNotMatch(stderr, /EPIPE|Unhandled 'error'|\n\s+at /, stderr);
};

describe('CLI output into a closed pipe (dist/cli.js)', function () {
  this.timeout(20000);
  before(function () {
    assert.ok(fs.existsSync(CLI), `${CLI} missing: run node scripts/build.mjs first`);
  });

  it('sample | head -1: exit 0, no stack trace', async () => {
    const r = await pipeline(['sample', '--source', 'estimate', '--interval', '500'], 'head -1');
    noTrace(r.stderr);
    assert.equal(r.status, 0, r.stderr);
  });

  it('sample --json | head -1: the same', async () => {
    const r = await pipeline(['sample', '--source', 'estimate', '--interval', '500', '--json'], 'head -1');
    noTrace(r.stderr);
    assert.equal(r.status, 0, r.stderr);
  });

  it("measure --json | true: the summary has no reader, measure still exits with the command's code", async () => {
    const r = await pipeline(['measure', '--json', ...onEstimate('0'), '--', process.execPath, '-e', 'process.exit(7)'], 'true');
    noTrace(r.stderr);
    assert.equal(r.status, 7, r.stderr);
  });

  it('exporter 2>&1 | head -1: the log has no reader, the exporter ends quietly (exit 0)', async () => {
    // head keeps the "serving" line; the next log line (the source found) meets the closed pipe.
    const r = await pipeline(['exporter', '--port', '0', '--source', 'estimate', '--interval', '500'], 'head -1', true);
    assert.equal(r.status, 0);
  });
});

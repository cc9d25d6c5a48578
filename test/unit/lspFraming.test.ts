// The built language server (dist/server.js, `node scripts/build.mjs`) over real stdio, fed raw LSP frames: after
// a malformed frame it must either keep answering or exit promptly with a message on stderr, never fall silent
// (issue 20: one bad Content-Length and it answered nothing, not even `shutdown`, until stdin closed).
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const SERVER = path.resolve(__dirname, '../../../dist/server.js');

const frame = (message: object): Buffer => {
  const body = Buffer.from(JSON.stringify(message));
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`), body]);
};
const INITIALIZE = frame({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } });
const SHUTDOWN = frame({ jsonrpc: '2.0', id: 2, method: 'shutdown' });

interface Outcome {
  /** Ids of the responses received. */
  answered: number[];
  exitCode: number | null | undefined;
  stderr: string;
}

/**
 * Starts the server, writes `input`, and waits until it answers request `waitFor` (then writes `afterAnswer` if
 * given, and waits for the exit), or exits, or `deadlineMs` passes (silence: the failure this suite is about).
 */
function run(input: Buffer, waitFor: number, extraArgs: string[] = [], afterAnswer?: Buffer, deadlineMs = 8000): Promise<Outcome> {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [SERVER, '--stdio', ...extraArgs]);
  const outcome: Outcome = { answered: [], exitCode: undefined, stderr: '' };
  let stdout = '';
  return new Promise((resolve) => {
    const finish = (): void => {
      clearTimeout(deadline);
      if (outcome.exitCode === undefined) child.kill();
      resolve(outcome);
    };
    const deadline = setTimeout(finish, deadlineMs);
    child.stderr.on('data', (d: Buffer) => (outcome.stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString('latin1');
      outcome.answered = [...stdout.matchAll(/"id":(\d+),"result"/g)].map((m) => Number(m[1]));
      if (!outcome.answered.includes(waitFor)) return;
      if (!afterAnswer) return finish();
      child.stdin.write(afterAnswer);
      afterAnswer = undefined;
    });
    child.on('exit', (code) => {
      outcome.exitCode = code;
      finish();
    });
    child.stdin.on('error', () => undefined); // the server may exit before reading everything
    child.stdin.write(input);
  });
}

/** Answered the request that followed the bad frame, or exited non-zero saying why. */
function assertNotSilent(o: Outcome, id: number): void {
  if (o.answered.includes(id)) return;
  assert.notEqual(o.exitCode, undefined, `silent: neither answered request ${id} nor exited (stderr: ${o.stderr})`);
  assert.equal(o.exitCode, 1);
  assert.match(o.stderr, /unreadable message on stdin: .+\. Exiting so that the client can restart the server/);
}

describe('PromQL language server over stdio: malformed frames', function () {
  this.timeout(20000);
  before(function () {
    if (!fs.existsSync(SERVER)) throw new Error(`${SERVER} is missing: run node scripts/build.mjs`);
  });

  it('answers well-formed frames, and exits 0 after shutdown and exit (control)', async () => {
    const o = await run(Buffer.concat([INITIALIZE, SHUTDOWN]), 2, [], frame({ jsonrpc: '2.0', method: 'exit' }));
    assert.deepEqual(o.answered, [1, 2]);
    assert.equal(o.exitCode, 0);
  });

  const cases: Array<[string, Buffer]> = [
    ['a non-numeric Content-Length', Buffer.from('Content-Length: abc\r\n\r\n{}')],
    ['a negative Content-Length', Buffer.from('Content-Length: -5\r\n\r\n')],
    ['a Content-Length over 64 MB', Buffer.from('Content-Length: 99999999999\r\n\r\n{}')],
    ['a header line without a colon', Buffer.from('garbage\r\n\r\n')],
    ['a header without Content-Length', Buffer.from('Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}')],
    ['a truncated body followed by valid frames', Buffer.concat([Buffer.from('Content-Length: 100\r\n\r\n{"jsonrpc":"2.0"'), INITIALIZE])],
  ];
  for (const [name, bad] of cases) {
    it(`after ${name}: answers or exits with a message`, async () => {
      assertNotSilent(await run(Buffer.concat([bad, INITIALIZE, SHUTDOWN]), 2), 2);
    });
  }

  it('a body that never completes ends the server once the frame timeout passes', async () => {
    const o = await run(Buffer.concat([INITIALIZE, Buffer.from('Content-Length: 100\r\n\r\n{"jsonrpc"')]), -1, ['--frame-timeout-ms=200']);
    assert.deepEqual(o.answered, [1]);
    assert.equal(o.exitCode, 1);
    assert.match(o.stderr, /not completed within 200 ms/);
  });
});

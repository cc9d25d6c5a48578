// Entry of the PromQL language server bundle (dist/server.js). VS Code's client starts it over IPC; other
// editors run `node dist/server.js --stdio` (see README, "PromQL in other editors").
import { format } from 'node:util';
import { createConnection, ProposedFeatures, type Connection } from 'vscode-languageserver/node';
import { FRAME_TIMEOUT_MS, FrameGuard } from './frameGuard';
import { startServer } from './server';

const TRANSPORTS = ['--stdio', '--node-ipc', '--socket=', '--pipe='];
const args = process.argv.slice(2);
const timeoutArg = args.find((a) => a.startsWith('--frame-timeout-ms='));
const frameTimeoutMs = timeoutArg ? Number(timeoutArg.slice('--frame-timeout-ms='.length)) : FRAME_TIMEOUT_MS;
if (!args.some((a) => TRANSPORTS.some((t) => a.startsWith(t))) || !(frameTimeoutMs > 0)) {
  process.stderr.write(
    'optivolt PromQL language server\n' +
      'usage: node dist/server.js --stdio | --node-ipc | --socket=<port> | --pipe=<name> [--frame-timeout-ms=<ms>]\n' +
      'Prometheus URL: initializationOptions.prometheusUrl, or the client setting "optivolt.prometheus.url".\n' +
      `With --stdio, a malformed message (bad Content-Length, body over 64 MB, or not complete within ${FRAME_TIMEOUT_MS} ms)\n` +
      'ends the server with a message on stderr and exit code 1, for the client to restart it.\n',
  );
  process.exit(2);
}

const connection = args.includes('--stdio') ? stdioConnection() : createConnection(ProposedFeatures.all);
const server = startServer(connection);
connection.onShutdown(() => server.dispose());
connection.listen();

/**
 * stdio through a FrameGuard (see frameGuard.ts for why): the library's own `--stdio` set-up reads
 * process.stdin directly, so this one does what it does besides, keeping stdout for protocol messages only.
 */
function stdioConnection(): Connection {
  const guard = new FrameGuard({
    frameTimeoutMs,
    onFault: (reason) => {
      process.stderr.write(
        `optivolt PromQL language server: unreadable message on stdin: ${reason}. Exiting so that the client can restart the server.\n`,
      );
      process.exit(1);
    },
  });
  process.stdin.pipe(guard);
  // Given a stream, the library exits when it ends (code 0 after `shutdown`, as with its own --stdio).
  const conn = createConnection(ProposedFeatures.all, guard, process.stdout);
  const log =
    (level: 'log' | 'info' | 'warn' | 'error') =>
    (...parts: unknown[]) =>
      conn.console[level](format(...parts));
  console.log = console.debug = log('log');
  console.info = log('info');
  console.warn = log('warn');
  console.error = log('error');
  return conn;
}

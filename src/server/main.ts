// Entry of the PromQL language server bundle (dist/server.js). VS Code's client starts it over IPC; other
// editors run `node dist/server.js --stdio` (see README, "PromQL in other editors").
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server';

const TRANSPORTS = ['--stdio', '--node-ipc', '--socket=', '--pipe='];
if (!process.argv.slice(2).some((a) => TRANSPORTS.some((t) => a.startsWith(t)))) {
  process.stderr.write(
    'optivolt PromQL language server\n' +
      'usage: node dist/server.js --stdio | --node-ipc | --socket=<port> | --pipe=<name>\n' +
      'Prometheus URL: initializationOptions.prometheusUrl, or the client setting "optivolt.prometheus.url".\n',
  );
  process.exit(2);
}
const connection = createConnection(ProposedFeatures.all);
const server = startServer(connection);
connection.onShutdown(() => server.dispose());
connection.listen();

// The language server checks against the target it detects or is told: over LSP, against a replay of what a real
// VictoriaMetrics 1.145 and a real Prometheus 3.5.3 answered (test/fixtures/promql-target), and with the settings.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { DiagnosticSeverity } from 'vscode-languageserver';
import { startHarness, startReplay, until, type Harness } from '../fixtures/lspHarness';
import { NOT_CHECKED_CODE } from '../../src/server/targetDiagnostics';

const DIR = path.resolve(__dirname, '../../../test/fixtures/promql-target');

/** VictoriaMetrics' recorded answers: buildinfo, the MetricsQL probe (any query succeeds), flags refused as it does. */
async function victoriaMetrics(): Promise<{ url: string; stop(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    if (p === '/api/v1/status/buildinfo') return void res.end(fs.readFileSync(path.join(DIR, 'victoriametrics-1.145-buildinfo.json')));
    if (p === '/api/v1/query') return void res.end(fs.readFileSync(path.join(DIR, 'victoriametrics-1.145-query-with.json')));
    if (p === '/api/v1/status/flags') {
      res.statusCode = 400;
      return void res.end(fs.readFileSync(path.join(DIR, 'victoriametrics-1.145-flags.txt')));
    }
    res.end(JSON.stringify({ status: 'success', data: p.endsWith('metadata') ? {} : [] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const diagnosticsOf = (h: Harness, uri: string, ok: (d: NonNullable<ReturnType<Harness['diagnostics']['get']>>) => boolean) =>
  until(() => {
    const d = h.diagnostics.get(uri);
    return d && ok(d) ? d : undefined;
  });

describe('PromQL language server and the target', () => {
  it('VictoriaMetrics: a valid MetricsQL query is no error; one Information says it is not checked; the status says metricsql', async () => {
    const vm = await victoriaMetrics();
    const h = await startHarness(vm.url);
    try {
      await until(() => h.statuses.find((s) => s.target?.dialect === 'metricsql'));
      await h.open('file:///vm.promql', 'WITH (x = 1) x\n\nrate(process_cpu_seconds_total)');
      const d = await diagnosticsOf(h, 'file:///vm.promql', (p) => p.diagnostics.some((x) => x.code === NOT_CHECKED_CODE));
      assert.deepEqual(
        d.diagnostics.filter((x) => x.severity === DiagnosticSeverity.Error),
        [],
      );
      assert.equal(d.diagnostics.filter((x) => x.code === NOT_CHECKED_CODE).length, 1);
    } finally {
      h.stop();
      await vm.stop();
    }
  });

  it('Prometheus 3.5.3: the same text has errors, their source names the version', async () => {
    const replay = await startReplay();
    const h = await startHarness(replay.url);
    try {
      await until(() => h.statuses.find((s) => s.target?.version === '3.5.3'));
      await h.open('file:///p.promql', 'WITH (x = 1) x');
      const d = await diagnosticsOf(h, 'file:///p.promql', (p) => p.diagnostics.length > 0);
      const errors = d.diagnostics.filter((x) => x.severity === DiagnosticSeverity.Error);
      assert.ok(errors.length > 0, JSON.stringify(d.diagnostics));
      assert.ok(
        errors.every((e) => e.source === 'promql 3.5.3'),
        JSON.stringify(errors),
      );
    } finally {
      h.stop();
      await replay.stop();
    }
  });

  it('optivolt.promql.version forces the target at start and applies live; an invalid value asks the server', async () => {
    const vm = await victoriaMetrics();
    const h = await startHarness(vm.url, { promqlVersion: '2.42', promqlFeatures: ['promql-experimental-functions'] });
    try {
      const forced = await until(() => h.statuses.find((s) => s.target?.version === '2.42.0'));
      assert.deepEqual([forced.target!.dialect, forced.target!.features], ['prometheus', ['promql-experimental-functions']]);
      await h.open('file:///f.promql', 'WITH (x = 1) x');
      await diagnosticsOf(h, 'file:///f.promql', (p) => p.diagnostics.some((x) => x.source === 'promql 2.42.0'));
      // Live: back to detection, then the document is checked again as MetricsQL.
      await h.client.sendNotification('workspace/didChangeConfiguration', {
        settings: { optivolt: { prometheus: { url: vm.url }, promql: { version: 'latest', features: [] } } },
      });
      await until(() => (h.statuses.at(-1)?.target?.dialect === 'metricsql' ? true : undefined));
      await diagnosticsOf(h, 'file:///f.promql', (p) => p.diagnostics.some((x) => x.code === NOT_CHECKED_CODE));
    } finally {
      h.stop();
      await vm.stop();
    }
  });
});

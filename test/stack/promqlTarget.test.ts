// The PromQL target against the REAL engines: Debian's Prometheus 3.5.3 started with and without
// --enable-feature=promql-experimental-functions, and Debian sid's VictoriaMetrics, which answers buildinfo with a
// Prometheus-like version. Detection must tell them apart, and the language server must not call a valid MetricsQL
// query an error when VictoriaMetrics answers.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DiagnosticSeverity } from 'vscode-languageserver';
import { PrometheusClient } from '../../src/core/prometheus/client';
import { detectTarget } from '../../src/server/promql/targetDetection';
import { NOT_CHECKED_CODE } from '../../src/server/targetDiagnostics';
import { startHarness, until } from '../fixtures/lspHarness';
import { PrometheusProcess } from './prometheusProcess';
import { VictoriaMetricsProcess } from './victoriaMetricsProcess';

async function prometheus(flags: string[]): Promise<PrometheusProcess> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-prom-'));
  return PrometheusProcess.startWithConfig({ global: { scrape_interval: '1s' }, scrape_configs: [] }, dir, true, undefined, undefined, flags);
}

describe('PromQL target against real engines', function () {
  this.timeout(60000);

  it('Prometheus 3.5 with and without --enable-feature=promql-experimental-functions', async () => {
    const plain = await prometheus([]);
    const experimental = await prometheus(['--enable-feature=promql-experimental-functions,exemplar-storage']);
    try {
      const a = await detectTarget(new PrometheusClient(plain.url, fetch, 3000));
      assert.equal(a.dialect, 'prometheus', a.reason);
      assert.match(a.version, /^3\.5\.\d+$/);
      assert.deepEqual([...a.features], []);
      const b = await detectTarget(new PrometheusClient(experimental.url, fetch, 3000));
      assert.equal(b.dialect, 'prometheus', b.reason);
      assert.deepEqual([...b.features], ['promql-experimental-functions'], b.reason);
      // The language server tells the client the same, with the reason (what the status item shows).
      const h = await startHarness(experimental.url);
      try {
        const status = await until(() => h.statuses.find((s) => s.target?.features.includes('promql-experimental-functions')), 10000);
        assert.equal(status.target!.version, b.version);
        assert.match(status.target!.reason, /^Prometheus 3\.5\.\d+\S* at http:\/\/127\.0\.0\.1:\d+ \(\/api\/v1\/status\/buildinfo\)/);
      } finally {
        h.stop();
      }
    } finally {
      await plain.stop();
      await experimental.stop();
    }
  });

  it("VictoriaMetrics is 'metricsql', and a valid MetricsQL query is no error in the language server", async () => {
    const vm = await VictoriaMetricsProcess.start();
    const h = await startHarness(vm.url);
    try {
      const t = await detectTarget(new PrometheusClient(vm.url, fetch, 3000));
      assert.equal(t.dialect, 'metricsql', t.reason);
      const status = await until(() => h.statuses.find((s) => s.target?.dialect === 'metricsql'), 10000);
      assert.match(status.target!.reason, /VictoriaMetrics/);
      await h.open('file:///vm.promql', 'WITH (x = 1) x\n\nsum(rate(process_cpu_seconds_total)) default 0');
      const d = await until(() => {
        const p = h.diagnostics.get('file:///vm.promql');
        return p?.diagnostics.some((x) => x.code === NOT_CHECKED_CODE) ? p : undefined;
      }, 10000);
      assert.deepEqual(
        d.diagnostics.filter((x) => x.severity === DiagnosticSeverity.Error),
        [],
      );
    } finally {
      h.stop();
      await vm.stop();
    }
  });
});

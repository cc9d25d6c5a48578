// The PromQL language server against a real Prometheus (Debian's binary) scraping a Scaphandre stand-in: live
// metric names, label names and values of the metric at the cursor, metadata for a metric the catalogue does
// not know, hover with the live value, and the unknown-metric check once live names are loaded.
import * as assert from 'node:assert/strict';
import type { Hover } from 'vscode-languageserver';
import { ExporterStandIn, scaphProcessBody } from './exporterStandIn';
import { PrometheusProcess, eventually } from './prometheusProcess';
import { startHarness, until, type Harness } from '../fixtures/lspHarness';

const EXTRA = [
  '# HELP optivolt_test_build_seconds_total Seconds spent in test builds.',
  '# TYPE optivolt_test_build_seconds_total counter',
  'optivolt_test_build_seconds_total{project="optivolt"} 12',
  '',
].join('\n');

describe('PromQL language server with a live Prometheus', function () {
  this.timeout(60000);
  let exporter: ExporterStandIn;
  let prom: PrometheusProcess;
  let h: Harness;

  before(async () => {
    exporter = await ExporterStandIn.start(() => scaphProcessBody() + EXTRA);
    prom = await PrometheusProcess.start({ scaphandre: [exporter.target] });
    await eventually('the stand-in scraped', async () => {
      const r = (await (await fetch(`${prom.url}/api/v1/query?query=scaph_process_power_consumption_microwatts`)).json()) as { data: { result: unknown[] } };
      return r.data.result.length === 3;
    });
    await eventually('metadata loaded', async () => {
      const r = (await (await fetch(`${prom.url}/api/v1/metadata?metric=optivolt_test_build_seconds_total`)).json()) as { data: Record<string, unknown> };
      return Object.keys(r.data).length > 0;
    });
    h = await startHarness(prom.url);
  });
  after(async () => {
    h?.stop();
    await prom?.stop();
    await exporter?.stop();
  });

  it('completes live metric names, with the live metadata of a metric the catalogue lacks', async () => {
    await h.open('file:///live/a.promql', 'optivolt_test_');
    const items = await h.complete('file:///live/a.promql', 0, 14);
    const item = items.find((i) => i.label === 'optivolt_test_build_seconds_total');
    assert.ok(item, 'the live metric is offered');
    assert.equal(item.detail, 'counter');
    assert.match(JSON.stringify(item.documentation), /Seconds spent in test builds/);
    assert.ok(items.some((i) => i.label === 'up'), 'Prometheus\' own series too');
  });

  it('completes label names and values of the metric at the cursor', async () => {
    await h.open('file:///live/b.promql', 'scaph_process_power_consumption_microwatts{');
    const names = (await h.complete('file:///live/b.promql', 0, 43)).map((i) => i.label);
    for (const l of ['exe', 'pid', 'cmdline', 'job', 'instance', 'container_id']) assert.ok(names.includes(l), `label ${l} in ${names.join(' ')}`);
    await h.open('file:///live/c.promql', 'scaph_process_power_consumption_microwatts{exe="');
    const values = (await h.complete('file:///live/c.promql', 0, 48)).map((i) => i.label).sort();
    assert.deepEqual(values, ['/usr/bin/node', '/usr/bin/python3']);
  });

  it('hover shows the live values of the selector under the cursor', async () => {
    await h.open('file:///live/d.promql', 'scaph_process_power_consumption_microwatts{exe="/usr/bin/python3"}');
    const hv = (await h.client.sendRequest('textDocument/hover', { textDocument: { uri: 'file:///live/d.promql' }, position: { line: 0, character: 5 } })) as Hover;
    const md = (hv.contents as { value: string }).value;
    assert.match(md, /6000000 µW \(6\.00 W\)/);
    assert.doesNotMatch(md, /9000000/, 'only the series the matchers select');
  });

  it('flags a metric neither the catalogue nor the live server knows, and not a live-only one', async () => {
    await h.open('file:///live/e.promql', 'optivolt_test_build_seconds_totl\n\nrate(optivolt_test_build_seconds_total[5m])');
    const d = await until(() => h.diagnostics.get('file:///live/e.promql'));
    const unknown = d.diagnostics.filter((x) => x.code === 'unknown-metric');
    assert.equal(unknown.length, 1, JSON.stringify(d.diagnostics));
    assert.equal(unknown[0].range.start.line, 0);
  });
});

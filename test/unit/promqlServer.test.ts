// The PromQL language server through its protocol (test/fixtures/lspHarness.ts: in-process LSP connection, real
// document sync), with Prometheus' HTTP API replayed from answers recorded from a real Prometheus. The live
// counterpart is test/stack/promqlLive.test.ts.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Hover, SignatureHelp } from 'vscode-languageserver';
import { CATALOGUE } from '../../src/server/promql/catalogue';
import { startHarness, startReplay, until, type Harness } from '../fixtures/lspHarness';

describe('PromQL language server (LSP, recorded Prometheus API)', () => {
  let replay: Awaited<ReturnType<typeof startReplay>>;
  let h: Harness;
  let n = 0;
  before(async () => {
    replay = await startReplay();
    h = await startHarness(replay.url);
  });
  after(async () => {
    h.stop();
    await replay.stop();
  });

  /** Completion labels with the cursor at the end of `text` (or at `|`). */
  async function labelsAt(text: string): Promise<string[]> {
    const at = text.includes('|') ? text.indexOf('|') : text.length;
    const doc = text.replace('|', '');
    const uri = `file:///t/${n++}.promql`;
    await h.open(uri, doc);
    const before = doc.slice(0, at).split('\n');
    const items = await h.complete(uri, before.length - 1, before[before.length - 1].length);
    return items.map((i) => String(i.label));
  }

  const scaph = [...CATALOGUE.keys()].filter((k) => k.startsWith('scaph_'));

  it('offers every scaph_ metric of the catalogue at "scaph_", with type, unit and help', async () => {
    const uri = `file:///t/${n++}.promql`;
    await h.open(uri, 'scaph_');
    const items = await h.complete(uri, 0, 6);
    for (const name of scaph)
      assert.ok(
        items.some((i) => i.label === name),
        `missing ${name}`,
      );
    const power = items.find((i) => i.label === 'scaph_host_power_microwatts')!;
    assert.match(String(power.detail), /gauge · microwatts/);
    assert.match(JSON.stringify(power.documentation), /1e6/);
    assert.deepEqual((power.textEdit as { range: unknown }).range, { start: { line: 0, character: 0 }, end: { line: 0, character: 6 } });
  });

  it('merges the live server names (recorded) with the catalogue', async () => {
    const labels = await labelsAt('');
    assert.ok(labels.includes('prometheus_http_requests_total'), 'a live-only metric');
    assert.ok(labels.includes('kepler_node_cpu_watts'), 'a catalogue-only metric');
    assert.ok(labels.includes('rate') && labels.includes('sum'), 'functions and aggregations at an operand position');
    assert.ok(!labels.includes('by') && !labels.includes('+'), 'no modifiers or operators where an operand goes');
  });

  const cases: Array<[string, string, { has?: string[]; not?: string[]; empty?: boolean; only?: RegExp }]> = [
    [
      'function argument wanting a range vector: metrics only, counters first',
      'rate(',
      { has: ['scaph_host_energy_microjoules'], not: ['sum', 'abs'] },
    ],
    ['inside a range: durations only', 'rate(scaph_host_energy_microjoules[', { has: ['5m', '1h'], not: ['scaph_host_power_microwatts'] }],
    ['partial duration', 'rate(scaph_host_energy_microjoules[5|])', { has: ['5m'] }],
    ['subquery step', 'max_over_time(scaph_host_power_microwatts[1h:', { has: ['1m', '15s'], not: ['1w'] }],
    ['after offset', 'scaph_host_power_microwatts offset ', { has: ['5m'], not: ['sum'] }],
    ['after @', 'scaph_host_power_microwatts @ ', { has: ['start()', 'end()'] }],
    [
      'label names of the metric (live)',
      'scaph_process_power_consumption_microwatts{',
      { has: ['exe', 'pid', 'cmdline', 'job', 'container_id'], not: ['__name__'] },
    ],
    ['label names after a comma', 'scaph_process_power_consumption_microwatts{job="scaphandre", ', { has: ['exe'] }],
    ['label values after =', 'scaph_process_power_consumption_microwatts{exe=', { only: /^[^"]/ }],
    ['label values inside quotes', 'scaph_process_power_consumption_microwatts{exe="', { only: /.+/ }],
    ['aggregation modifiers right after the operator', 'sum ', { has: ['by', 'without'], not: ['scaph_host_power_microwatts', '+'] }],
    [
      'operators after an expression',
      'rate(scaph_host_energy_microjoules[5m]) ',
      { has: ['+', '/', 'and', 'unless', 'offset'], not: ['scaph_host_power_microwatts', 'by'] },
    ],
    ['by/without and operators after an aggregation', 'sum(scaph_host_power_microwatts) ', { has: ['by', 'without', '/'] }],
    ['grouping labels', 'sum by (', { has: ['job', 'instance'] }],
    ['grouping labels of the aggregated metric', 'sum by (|) (scaph_process_power_consumption_microwatts)', { has: ['exe', 'pid'] }],
    ['on() labels', 'scaph_host_power_microwatts / on(', { has: ['job', 'instance'] }],
    ['operand after a binary operator', 'scaph_host_power_microwatts / ', { has: ['scaph_host_power_microwatts', 'scalar', 'count'] }],
    ['first argument of topk is a scalar: no metrics', 'topk(', { has: ['scalar', 'time'], not: ['scaph_host_power_microwatts', 'rate'] }],
    ['second argument of topk is a vector', 'topk(5, ', { has: ['scaph_process_power_consumption_microwatts', 'rate', 'sum'] }],
    ['string argument: nothing', 'label_replace(scaph_host_power_microwatts, ', { empty: true }],
    ['in a comment: nothing', '# the host power scaph_', { empty: true }],
    ['in a plain string: nothing', 'count_values("scaph_', { empty: true }],
    ['a number: nothing', 'scaph_host_power_microwatts > 4', { empty: true }],
    ['second query of a document', '# Watts\nscaph_host_power_microwatts / 1e6\n\nsum by (', { has: ['job'] }],
  ];
  for (const [name, text, want] of cases) {
    it(`completion: ${name} — "${text}"`, async () => {
      const labels = await labelsAt(text);
      if (want.empty) assert.deepEqual(labels, []);
      for (const l of want.has ?? []) assert.ok(labels.includes(l), `missing ${l} in ${labels.slice(0, 20).join(' ')}`);
      for (const l of want.not ?? []) assert.ok(!labels.includes(l), `unexpected ${l}`);
      if (want.only) {
        assert.ok(labels.length > 0, 'no items');
        for (const l of labels) assert.match(l, want.only);
      }
    });
  }

  it('sorts counters first inside rate()', async () => {
    const uri = `file:///t/${n++}.promql`;
    await h.open(uri, 'rate(');
    const items = await h.complete(uri, 0, 5);
    const sorted = [...items].sort((a, b) => String(a.sortText ?? a.label).localeCompare(String(b.sortText ?? b.label)));
    assert.equal((sorted[0].data as { type: string }).type, 'counter');
  });

  it('quotes label values after = and escapes them inside quotes', async () => {
    const uri = `file:///t/${n++}.promql`;
    await h.open(uri, 'scaph_process_power_consumption_microwatts{exe=');
    const items = await h.complete(uri, 0, 47);
    assert.ok(items.length > 0);
    for (const i of items) assert.match((i.textEdit as { newText: string }).newText, /^".*"$/);
  });

  it('hover: metric card with the live value converted to Watts', async () => {
    const uri = `file:///t/${n++}.promql`;
    await h.open(uri, 'scaph_host_power_microwatts / 1e6');
    const hv = (await h.client.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 3 } })) as Hover;
    const md = (hv.contents as { value: string }).value;
    assert.match(md, /\*\*scaph_host_power_microwatts\*\* · gauge · microwatts/);
    assert.match(md, /Now \(http:\/\/127\.0\.0\.1:\d+\)/);
    assert.match(md, /\d+(\.\d+)? µW \(\d+\.\d\d W\)/);
    assert.deepEqual(hv.range, { start: { line: 0, character: 0 }, end: { line: 0, character: 27 } });
  });

  it('hover: function, aggregation, keyword and duration docs', async () => {
    const uri = `file:///t/${n++}.promql`;
    const text = 'sum by (job) (rate(scaph_host_energy_microjoules[5m]))';
    await h.open(uri, text);
    const at = async (word: string): Promise<string> => {
      const hv = (await h.client.sendRequest('textDocument/hover', {
        textDocument: { uri },
        position: { line: 0, character: text.indexOf(word) + 1 },
      })) as Hover | null;
      return hv ? (hv.contents as { value: string }).value : '';
    };
    assert.match(await at('rate'), /rate\(v matrix\) → vector/);
    assert.match(await at('sum'), /sum\(v vector\) → vector/);
    assert.match(await at('by'), /aggregate keeping only these labels/);
    assert.match(await at('5m'), /5m = 300 s/);
  });

  it('signature help: active parameter of functions and aggregations', async () => {
    const sig = async (text: string): Promise<SignatureHelp | null> => {
      const uri = `file:///t/${n++}.promql`;
      await h.open(uri, text);
      return (await h.client.sendRequest('textDocument/signatureHelp', {
        textDocument: { uri },
        position: { line: 0, character: text.length },
      })) as SignatureHelp | null;
    };
    const hq = await sig('histogram_quantile(0.9, ');
    assert.match(hq!.signatures[0].label, /^histogram_quantile\(/);
    assert.equal(hq!.activeParameter, 1);
    const agg = await sig('sum by (job) (rate(x[5m]) + ');
    assert.match(agg!.signatures[0].label, /^sum\(v vector\)/);
    const topk = await sig('topk(3, scaph_process_power_consumption_microwatts');
    assert.equal(topk!.activeParameter, 1);
    const clamp = await sig('clamp(scaph_host_power_microwatts, 0, ');
    assert.equal(clamp!.activeParameter, 2);
    const nested = await sig('abs(rate(x[5m]) ');
    assert.match(nested!.signatures[0].label, /^abs\(/);
    assert.equal(await sig('scaph_host_power_microwatts{'), null);
  });

  it('publishes diagnostics: a syntax error at its place, a semantic warning, none for a good query', async () => {
    const uri = `file:///t/${n++}.promql`;
    await h.open(
      uri,
      '# good\nsum(scaph_host_power_microwatts) / 1e6\n\nrate(scaph_host_power_microwatts[5m])\n\nsum(rate(scaph_host_energy_microjoules[5m])',
    );
    const d = await until(() => h.diagnostics.get(uri));
    const lines = d.diagnostics.map((x) => x.range.start.line);
    assert.ok(!lines.includes(1), `no diagnostic on the good query: ${JSON.stringify(d.diagnostics)}`);
    const gauge = d.diagnostics.find((x) => x.range.start.line === 3);
    assert.ok(gauge && gauge.severity === 2, `rate() on a gauge warns: ${JSON.stringify(d.diagnostics)}`);
    const syntax = d.diagnostics.find((x) => x.range.start.line === 5 && x.severity === 1);
    assert.ok(syntax, `unclosed parenthesis is an error: ${JSON.stringify(d.diagnostics)}`);
  });
});

describe('PromQL language server without Prometheus', () => {
  it('answers from the catalogue when Prometheus is unreachable, and says why once', async () => {
    const srv = http.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as AddressInfo).port;
    await new Promise((r) => srv.close(r)); // a closed port: connection refused
    const h = await startHarness(`http://127.0.0.1:${port}`);
    try {
      await h.open('file:///o.promql', 'scaph_');
      const items = await h.complete('file:///o.promql', 0, 6);
      assert.ok(items.some((i) => i.label === 'scaph_host_power_microwatts'));
      await until(() => (h.statuses.some((s) => s.problem) ? true : undefined));
      // The status is re-sent whole when the target changes: the problem itself is told once (one change).
      assert.equal(h.statuses.filter((s, i) => s.problem && s.problem !== h.statuses[i - 1]?.problem).length, 1);
      assert.match(h.statuses.find((s) => s.problem)!.problem!, /unreachable/);
    } finally {
      h.stop();
    }
  });

  it('a URL with credentials: the same configuration again keeps the live names (no reload), a new password reloads them', async () => {
    const replay = await startReplay();
    const withUser = (pass: string): string => replay.url.replace('http://', `http://ops:${pass}@`);
    const h = await startHarness(undefined);
    const names = (): number => replay.requests.filter((r) => r.startsWith('/api/v1/label/__name__/values')).length;
    const configure = (url: string) =>
      h.client.sendNotification('workspace/didChangeConfiguration', { settings: { optivolt: { prometheus: { url } } } });
    try {
      await h.open('file:///a.promql', 'prometheus_http_');
      await configure(withUser('s3cret'));
      await until(() => (names() >= 1 ? true : undefined));
      const before = names();
      await configure(withUser('s3cret'));
      await h.complete('file:///a.promql', 0, 16); // a round trip: the notification has been handled
      assert.equal(names(), before, 'the same URL with credentials does not reload (it was compared with its redacted form)');
      await configure(withUser('n3w'));
      await until(() => (names() > before ? true : undefined));
    } finally {
      h.stop();
      await replay.stop();
    }
  });

  it('picks up a new Prometheus URL from a configuration change, without a restart', async () => {
    const replay = await startReplay();
    const h = await startHarness(undefined);
    try {
      await h.open('file:///c.promql', 'prometheus_http_');
      assert.ok(!(await h.complete('file:///c.promql', 0, 16)).some((i) => i.label === 'prometheus_http_requests_total'));
      await h.client.sendNotification('workspace/didChangeConfiguration', { settings: { optivolt: { prometheus: { url: replay.url } } } });
      const items = await h.complete('file:///c.promql', 0, 16);
      assert.ok(items.some((i) => i.label === 'prometheus_http_requests_total'));
    } finally {
      h.stop();
      await replay.stop();
    }
  });
});

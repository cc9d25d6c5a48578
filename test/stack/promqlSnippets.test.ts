// Every PromQL snippet, with its placeholders replaced by their defaults, is a query a real Prometheus accepts
// (Debian's 2.42: it parses and evaluates it; no data is needed for that).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PrometheusClient, PrometheusError } from '../../src/core/prometheus/client';
import { PrometheusProcess } from './prometheusProcess';

const root = path.resolve(__dirname, '../../..');

/**
 * The text VS Code inserts when the user accepts every default: ${1:x} -> x, ${1|a,b|} -> a, $1/${1} -> '',
 * \$ -> $ (nested placeholders resolved inside out).
 */
export function expandSnippet(body: string): string {
  let s = body;
  for (let prev = ''; prev !== s; ) {
    prev = s;
    s = s.replace(/\$\{\d+:((?:[^{}\\]|\\.)*)\}/g, '$1').replace(/\$\{\d+\|([^,|]*)[^|]*\|\}/g, '$1');
  }
  return s.replace(/\$\{\d+\}|\$\d+/g, '').replace(/\\([$}\\])/g, '$1');
}

describe('PromQL snippets against a real Prometheus', () => {
  const snippets = JSON.parse(fs.readFileSync(path.join(root, 'snippets/promql.json'), 'utf8')) as Record<string, { body: string | string[] }>;
  let prom: PrometheusProcess;
  let client: PrometheusClient;

  before(async function () {
    this.timeout(60000);
    prom = await PrometheusProcess.start({});
    client = new PrometheusClient(prom.url, fetch, 10000);
  });
  after(async () => prom?.stop());

  it('expands placeholders to their defaults', () => {
    assert.equal(expandSnippet('topk(${1:10}, x[${2:5m}]) ${3|a,b|} $0'), 'topk(10, x[5m]) a ');
    assert.equal(expandSnippet('${1:rate(${2:x}[5m])}'), 'rate(x[5m])');
  });

  it('a query with a syntax error is rejected (the check can fail)', async () => {
    await assert.rejects(client.api('query', { query: 'sum(rate(x[5m])' }), (e: PrometheusError) => e.kind === 'bad_data');
  });

  for (const [name, snippet] of Object.entries(snippets)) {
    it(`"${name}" is accepted by Prometheus`, async () => {
      const query = expandSnippet(Array.isArray(snippet.body) ? snippet.body.join('\n') : snippet.body);
      assert.ok(!query.includes('$'), `no placeholder left in: ${query}`);
      try {
        const data = (await client.api('query', { query })) as { resultType: string };
        assert.ok(['vector', 'scalar'].includes(data.resultType), `${name}: ${data.resultType}`);
      } catch (err) {
        assert.fail(`${name}: Prometheus rejected\n${query}\n${(err as PrometheusError).prometheusText ?? (err as Error).message}`);
      }
    });
  }
});

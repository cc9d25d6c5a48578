// Which PromQL the configured server speaks, from answers recorded from the real engines (test/fixtures/promql-target:
// Debian's Prometheus 3.5.3 with and without --enable-feature=promql-experimental-functions, bookworm's 2.42, and
// Debian sid's VictoriaMetrics 1.145, recorded with curl from the running binaries), through the real PrometheusClient.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PrometheusClient } from '../../src/core/prometheus/client';
import type { FetchFn } from '../../src/core/prometheus/fetchFn';
import { applySetting, detectTarget, enabledFeatures, METRICSQL_PROBE } from '../../src/server/promql/targetDetection';
import { DEFAULT_TARGET, PINNED_PROMETHEUS } from '../../src/server/promql/target';
import { describeTarget } from '../../src/shared/promqlTarget';

const DIR = path.resolve(__dirname, '../../../test/fixtures/promql-target');
const recorded = (file: string): string => fs.readFileSync(path.join(DIR, file), 'utf8');

/** A fetch answering /api/v1/<key> from recorded bodies; the status code is the one the engine sent. */
function engine(answers: Record<string, [number, string]>, seen: string[] = []): FetchFn {
  return (url, init) => {
    const u = new URL(url);
    const key = u.pathname.replace('/api/v1/', '') + (u.searchParams.has('query') ? `?${u.searchParams.get('query')}` : '');
    seen.push(`${key} ${init?.headers?.authorization ?? ''}`);
    const a = answers[key];
    if (!a) return Promise.resolve({ ok: false, status: 404, json: () => Promise.reject(new SyntaxError('404 page not found')) });
    return Promise.resolve({ ok: a[0] < 300, status: a[0], json: () => Promise.resolve(JSON.parse(a[1]) as unknown) });
  };
}
const probe = `query?${METRICSQL_PROBE}`;
const prometheus353 = (flags: string): Record<string, [number, string]> => ({
  'status/buildinfo': [200, recorded('prometheus-3.5.3-buildinfo.json')],
  'status/flags': [200, recorded(flags)],
  [probe]: [400, recorded('prometheus-3.5.3-query-with.json')],
});
const client = (fetch: FetchFn, url = 'http://127.0.0.1:9090'): PrometheusClient => new PrometheusClient(url, fetch, 500);

describe('PromQL target detection (recorded answers of real engines)', () => {
  it('Prometheus 3.5.3 with --enable-feature=promql-experimental-functions: that version and that feature', async () => {
    const t = await detectTarget(client(engine(prometheus353('prometheus-3.5.3-flags-experimental.json'))));
    assert.equal(t.dialect, 'prometheus');
    assert.equal(t.version, '3.5.3');
    assert.deepEqual([...t.features], ['promql-experimental-functions']);
    assert.match(t.reason, /^Prometheus 3\.5\.3\+ds1 at http:\/\/127\.0\.0\.1:9090 .*--enable-feature=promql-experimental-functions/);
    assert.equal(describeTarget({ ...t, features: [...t.features] }), 'Prometheus 3.5.3 (experimental functions)');
  });

  it('Prometheus 3.5.3 without flags, and 2.42: no features', async () => {
    const t = await detectTarget(client(engine(prometheus353('prometheus-3.5.3-flags.json'))));
    assert.deepEqual([t.dialect, t.version, t.features.size], ['prometheus', '3.5.3', 0]);
    const old = await detectTarget(
      client(
        engine({
          'status/buildinfo': [200, recorded('prometheus-2.42.0-buildinfo.json')],
          'status/flags': [200, recorded('prometheus-2.42.0-flags.json')],
          [probe]: [400, recorded('prometheus-3.5.3-query-with.json')],
        }),
      ),
    );
    assert.deepEqual([old.dialect, old.version, old.features.size], ['prometheus', '2.42.0', 0]);
    assert.match(old.reason, /no PromQL feature flag enabled/);
  });

  it("VictoriaMetrics 1.145 claims Prometheus 2.24.0 in buildinfo, but evaluates MetricsQL: 'metricsql'", async () => {
    const vm = {
      'status/buildinfo': [200, recorded('victoriametrics-1.145-buildinfo.json')] as [number, string],
      [probe]: [200, recorded('victoriametrics-1.145-query-with.json')] as [number, string],
    };
    // Its recorded buildinfo alone would pass for an old Prometheus: the probe is what tells.
    assert.match(vm['status/buildinfo'][1], /"version":"2\.24\.0"/);
    const t = await detectTarget(client(engine(vm)));
    assert.equal(t.dialect, 'metricsql');
    assert.match(t.reason, /MetricsQL query `WITH \(x = 1\) x`.*VictoriaMetrics \(its buildinfo claims version 2\.24\.0\)/);
    assert.equal(describeTarget({ ...t, features: [] }), 'VictoriaMetrics (MetricsQL, not checked)');
  });

  it("an engine whose buildinfo is not Prometheus' (no revision, another application, 0.x) is 'unknown'", async () => {
    const bad = (build: object): Record<string, [number, string]> => ({
      'status/buildinfo': [200, JSON.stringify({ status: 'success', data: build })],
      [probe]: [400, recorded('prometheus-3.5.3-query-with.json')],
    });
    // VictoriaMetrics' own buildinfo when the probe is refused (e.g. a proxy that filters WITH): no revision, no Go version.
    const vmLike = JSON.parse(recorded('victoriametrics-1.145-buildinfo.json')) as { data: object };
    for (const build of [
      vmLike.data,
      { version: '2.14.0', revision: 'x', goVersion: 'go1.23', application: 'Grafana Mimir' },
      { version: '0.36.1', revision: 'x', goVersion: 'go1.23' },
    ]) {
      const t = await detectTarget(client(engine(bad(build))));
      assert.equal(t.dialect, 'unknown', JSON.stringify(build));
      assert.match(t.reason, /is not recognisably Prometheus/);
    }
    const none = await detectTarget(client(engine({ [probe]: [400, recorded('prometheus-3.5.3-query-with.json')] })));
    assert.equal(none.dialect, 'unknown');
    assert.match(none.reason, /no Prometheus buildinfo/);
  });

  it('offline or not configured: the pinned version, and the reason says so', async () => {
    const refused: FetchFn = () => Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }));
    const t = await detectTarget(client(refused));
    assert.deepEqual([t.dialect, t.version, t.features.size], ['prometheus', PINNED_PROMETHEUS, 0]);
    assert.match(t.reason, /^http:\/\/127\.0\.0\.1:9090 does not answer: checking against Prometheus 3\.5\.5/);
    assert.match((await detectTarget(undefined)).reason, /no Prometheus URL is set/);
  });

  it('keeps the client auth and redaction: credentials travel as a header, the reason shows ***', async () => {
    const seen: string[] = [];
    const t = await detectTarget(client(engine(prometheus353('prometheus-3.5.3-flags.json'), seen), 'http://ops:s3cret@127.0.0.1:9090'));
    assert.ok(seen.length === 3 && seen.every((s) => s.endsWith(`Basic ${Buffer.from('ops:s3cret').toString('base64')}`)), seen.join());
    assert.ok(!t.reason.includes('s3cret') && t.reason.includes('ops:***@'), t.reason);
  });

  it('enabledFeatures keeps only the PromQL flags of enable-feature', () => {
    assert.deepEqual(
      [...enabledFeatures({ 'enable-feature': 'exemplar-storage, promql-duration-expr,promql-experimental-functions' })],
      ['promql-duration-expr', 'promql-experimental-functions'],
    );
    assert.equal(enabledFeatures({ 'enable-feature': '' }).size, 0);
    assert.equal(enabledFeatures('unsupported path').size, 0);
  });
});

describe('PromQL target settings (optivolt.promql.version / .features)', () => {
  const vm = { dialect: 'metricsql' as const, version: '2.24.0', features: new Set<never>(), reason: 'VictoriaMetrics' };
  it('a forced version is Prometheus of that version with exactly the forced features', () => {
    const t = applySetting(vm, { version: '2.42', features: ['promql-duration-expr'] });
    assert.deepEqual([t.dialect, t.version, [...t.features]], ['prometheus', '2.42.0', ['promql-duration-expr']]);
    assert.match(
      t.reason,
      /^optivolt\.promql\.version is 2\.42: checking against Prometheus 2\.42\.0 with --enable-feature=promql-duration-expr \(detected: VictoriaMetrics\)/,
    );
  });
  it('forced features alone replace the detected ones; nothing forced keeps what was detected', () => {
    const t = applySetting(DEFAULT_TARGET, { version: '', features: ['promql-experimental-functions'] });
    assert.deepEqual([t.version, [...t.features]], [PINNED_PROMETHEUS, ['promql-experimental-functions']]);
    assert.equal(applySetting(DEFAULT_TARGET, { version: '', features: [] }), DEFAULT_TARGET);
  });
});

// The Grafana API client against the stand-in for both dashboard schemas: v1 (/api/dashboards/uid) and schema v2, which
// Grafana 12+ refuses there with a 406 naming the /apis resource to read instead (test/fixtures/grafanaStandIn.ts
// follows pkg/api/dashboard.go). "Open Grafana Panel" needs the numeric panel ids from both.
import { strict as assert } from 'node:assert';
import { apisPathOf, dashboardFromResource, GrafanaClient, GrafanaError } from '../../src/core/grafana/api';
import { grafanaUrl, settingsVariables } from '../../src/core/grafana/url';
import { DEFAULT_SETTINGS } from '../../src/core/settings';
import { GrafanaStandIn } from '../fixtures/grafanaStandIn';

/** A foreign dashboard with its own `cost` (a query variable in cents), a collapsed row and an open one. */
const FOREIGN = {
  uid: 'foreign',
  title: 'Team: Cloud Bill',
  tags: ['billing'],
  templating: {
    list: [
      { name: 'cost', type: 'query', query: 'label_values(bill_cents, sku)' },
      { name: 'carbon', type: 'custom', query: 'low,high' },
    ],
  },
  panels: [
    { id: 1, type: 'stat', title: 'Total', gridPos: { x: 0, y: 0, w: 24, h: 4 } },
    {
      id: 2,
      type: 'row',
      title: 'Details',
      collapsed: true,
      gridPos: { x: 0, y: 4, w: 24, h: 1 },
      panels: [{ id: 3, type: 'table', title: 'By SKU', gridPos: { x: 0, y: 5, w: 24, h: 8 } }],
    },
    { id: 4, type: 'row', title: 'Trends', collapsed: false, gridPos: { x: 0, y: 5, w: 24, h: 1 }, panels: [] },
    { id: 5, type: 'timeseries', title: '', gridPos: { x: 0, y: 6, w: 12, h: 8 } },
  ],
};

describe('grafana: dashboards in schema v1 and v2 (against the stand-in)', () => {
  const standIn = new GrafanaStandIn({
    token: 'tok',
    schemaV2: { 'optivolt-cost': 'v2beta1', foreign: 'v2alpha1' },
    forbidden: ['optivolt-environments'],
    extra: [FOREIGN],
  });
  const client = (): GrafanaClient => new GrafanaClient(standIn.url, { token: 'tok' });
  before(() => standIn.start(0));
  after(() => standIn.stop());

  it("lists a v1 dashboard's panels with their row, and its variables", async () => {
    const d = await client().dashboard('optivolt-power');
    assert.equal(d.schema, 'v1');
    assert.equal(d.slug, 'optivolt-power-consumption-monitoring');
    assert.deepEqual(
      d.panels.map((p) => p.id),
      [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12],
    );
    assert.equal(d.panels[6].section, undefined, 'panels above the first row belong to no row');
    assert.equal(d.panels[7].section, 'Energy cost', 'panels below an open row belong to it');
    assert.deepEqual(d.variables, [{ name: 'cost', type: 'textbox' }]);
  });

  it('follows the 406 of a v2 dashboard to the /apis resource Grafana names, and lists the same panels', async () => {
    const before = standIn.requests.length;
    const d = await client().dashboard('optivolt-cost');
    const paths = standIn.requests.slice(before).map((r) => r.url);
    assert.deepEqual(paths, [
      '/api/dashboards/uid/optivolt-cost',
      '/apis/dashboard.grafana.app/v2beta1/namespaces/default/dashboards/optivolt-cost',
    ]);
    assert.ok(
      standIn.requests.slice(before).every((r) => r.headers.authorization === 'Bearer tok'),
      'the token goes to both',
    );
    assert.equal(d.schema, 'v2');
    assert.equal(d.uid, 'optivolt-cost');
    const v1 = standIn.dashboards.find((x) => x.uid === 'optivolt-cost');
    assert.equal(d.title, v1?.title);
    assert.equal(d.slug, v1?.slug, 'the slug Grafana gives the title');
    const flat = (list: unknown): number[] =>
      (list as Array<{ id: number; type: string; panels?: unknown }>).flatMap((p) => (p.type === 'row' ? flat(p.panels ?? []) : [p.id]));
    assert.deepEqual(
      d.panels.map((p) => p.id),
      flat(v1?.json.panels),
      'the v1 ids, in the v1 order',
    );
    assert.ok(
      d.panels.every((p) => p.type && p.type !== 'VizConfig'),
      'the plugin id from vizConfig.group',
    );
    assert.deepEqual(
      d.variables.map((v) => `${v.name}:${v.type}`),
      ['cost:textbox', 'currency:textbox', 'carbon:textbox'],
    );
  });

  it('reads v2alpha1 (plugin id in vizConfig.kind) with rows, a collapsed row and an untitled panel', async () => {
    const d = await client().dashboard('foreign');
    assert.equal(d.schema, 'v2');
    assert.equal(d.slug, 'team-cloud-bill');
    assert.deepEqual(
      d.panels.map((p) => [p.id, p.title, p.type, p.section ?? '']),
      [
        [1, 'Total', 'stat', ''],
        [3, 'By SKU', 'table', 'Details'],
        [5, 'Panel 5', 'timeseries', 'Trends'],
      ],
    );
    assert.deepEqual(d.variables, [
      { name: 'cost', type: 'query' },
      { name: 'carbon', type: 'custom' },
    ]);
  });

  it('opens a v2 panel through /d-solo/ with its numeric id, and the page shows it', async () => {
    const d = await client().dashboard('optivolt-cost');
    const p = d.panels[0];
    const url = grafanaUrl({
      base: standIn.url,
      uid: d.uid,
      slug: d.slug,
      panelId: p.id,
      range: '1h',
      refresh: '10s',
      theme: 'dark',
      vars: settingsVariables(DEFAULT_SETTINGS, d.variables),
    });
    const html = await (await fetch(url, { headers: { Authorization: 'Bearer tok' } })).text();
    assert.ok(html.includes(`data-panel-id="${p.id}"`), 'the stand-in page shows that panel');
    assert.match(html, /var-cost=0\.15&#38;var-currency=EUR&#38;var-carbon=475/, 'the settings reach the page as var-* parameters');
  });

  it('says what is wrong on 401, 403 and 404, from both APIs', async () => {
    await assert.rejects(
      new GrafanaClient(standIn.url, { token: 'wrong' }).dashboard('optivolt-power'),
      (e: GrafanaError) => e.status === 401 && /401 .*Set Grafana Token/.test(e.message) && !e.message.includes('wrong'),
    );
    await assert.rejects(
      client().dashboard('optivolt-environments'),
      (e: GrafanaError) => e.status === 403 && /403 .*role/.test(e.message) && e.detail === 'Access denied to this dashboard',
    );
    await assert.rejects(
      client().dashboard('nope'),
      (e: GrafanaError) => e.status === 404 && /404 to \/api\/dashboards\/uid\/nope/.test(e.message),
    );
    // The /apis resource answers Kubernetes Status objects (here: another organisation's namespace).
    const elsewhere: typeof fetch = (input, init) => fetch(String(input).replace('/namespaces/default/', '/namespaces/org-2/'), init);
    await assert.rejects(
      new GrafanaClient(standIn.url, { token: 'tok', fetch: elsewhere }).dashboard('optivolt-cost'),
      (e: GrafanaError) =>
        e.status === 404 && /404 to \/apis\/dashboard\.grafana\.app\/v2beta1\//.test(e.message) && /not found/.test(e.detail ?? ''),
    );
  });

  it('refuses malformed answers: a 406 without a usable path, a resource without spec, HTML', async () => {
    const answer =
      (status: number, body: string, type = 'application/json'): typeof fetch =>
      async () =>
        new Response(body, { status, headers: { 'Content-Type': type } });
    const odd = (f: typeof fetch): GrafanaClient => new GrafanaClient('http://grafana.invalid', { fetch: f });
    await assert.rejects(
      odd(answer(406, JSON.stringify({ message: 'dashboard api version not supported' }))).dashboard('x'),
      /406 for dashboard x without naming where/,
    );
    await assert.rejects(
      odd(answer(406, JSON.stringify({ message: 'use /apis/dashboard.grafana.app/v2/namespaces/../dashboards/x instead' }))).dashboard('x'),
      /without naming where/,
    );
    await assert.rejects(
      odd(answer(406, '<html>proxy</html>', 'text/html')).dashboard('x'),
      /without naming where to read it \(no message\)/,
    );
    await assert.rejects(odd(answer(200, '{"dashboard": 3}')).dashboard('x'), /has no dashboard/);
    await assert.rejects(
      odd(answer(200, '<!DOCTYPE html>', 'text/html')).dashboard('x'),
      /not JSON: is http:\/\/grafana\.invalid a Grafana server/,
    );
    assert.throws(() => dashboardFromResource('x', { kind: 'Dashboard', metadata: { name: 'x' } }), /has no spec/);
  });

  it('reads the /apis path only in the shape GetDashboard writes, and keeps a sub-path', async () => {
    assert.equal(
      apisPathOf('dashboard api version not supported, use /apis/dashboard.grafana.app/v2/namespaces/stacks-12/dashboards/ad8nwk6 instead'),
      '/apis/dashboard.grafana.app/v2/namespaces/stacks-12/dashboards/ad8nwk6',
    );
    assert.equal(apisPathOf('use /api/admin/users instead'), undefined);
    assert.equal(apisPathOf('use http://evil.example/apis/x instead'), undefined);
    const seen: string[] = [];
    const f: typeof fetch = async (input) => {
      const url = String(input);
      seen.push(url);
      if (url.includes('/api/dashboards/'))
        return new Response(
          JSON.stringify({
            message: 'dashboard api version not supported, use /apis/dashboard.grafana.app/v2beta1/namespaces/org-3/dashboards/abc instead',
          }),
          { status: 406 },
        );
      return new Response(
        JSON.stringify({
          kind: 'Dashboard',
          metadata: { name: 'abc' },
          spec: { title: 'A b', elements: {}, layout: { kind: 'GridLayout', spec: { items: [] } } },
        }),
      );
    };
    const d = await new GrafanaClient('https://h/grafana', { fetch: f }).dashboard('abc');
    assert.deepEqual(seen, [
      'https://h/grafana/api/dashboards/uid/abc',
      'https://h/grafana/apis/dashboard.grafana.app/v2beta1/namespaces/org-3/dashboards/abc',
    ]);
    assert.deepEqual([d.slug, d.panels.length, d.schema], ['a-b', 0, 'v2']);
  });

  it('lists v2 panels in layout order: grid by position, tabs and auto grids, unplaced elements left out', () => {
    const item = (name: string, x: number, y: number): unknown => ({
      kind: 'GridLayoutItem',
      spec: { x, y, width: 6, height: 4, element: { kind: 'ElementReference', name } },
    });
    const panel = (id: number, title: string): unknown => ({
      kind: 'Panel',
      spec: { id, title, vizConfig: { kind: 'VizConfig', group: 'stat' } },
    });
    const d = dashboardFromResource('t', {
      metadata: { name: 't' },
      spec: {
        title: 'T',
        elements: {
          a: panel(1, 'A'),
          b: panel(2, 'B'),
          c: panel(3, 'C'),
          lib: { kind: 'LibraryPanel', spec: { id: 4, title: 'Lib', libraryPanel: { uid: 'u', name: 'n' } } },
          orphan: panel(9, 'Orphan'),
        },
        layout: {
          kind: 'TabsLayout',
          spec: {
            tabs: [
              {
                kind: 'TabsLayoutTab',
                spec: { title: 'First', layout: { kind: 'GridLayout', spec: { items: [item('b', 6, 0), item('a', 0, 0)] } } },
              },
              {
                kind: 'TabsLayoutTab',
                spec: {
                  title: 'Second',
                  layout: {
                    kind: 'AutoGridLayout',
                    spec: {
                      items: [
                        { kind: 'AutoGridLayoutItem', spec: { element: { kind: 'ElementReference', name: 'lib' } } },
                        { kind: 'AutoGridLayoutItem', spec: { element: { kind: 'ElementReference', name: 'c' } } },
                      ],
                    },
                  },
                },
              },
            ],
          },
        },
      },
    });
    assert.deepEqual(
      d.panels.map((p) => `${p.id}:${p.title}:${p.type}:${p.section ?? ''}`),
      ['1:A:stat:First', '2:B:stat:First', '4:Lib:library panel:Second', '3:C:stat:Second'],
    );
  });
});

// A small client of Grafana's HTTP API: /api/health, /api/search and /api/dashboards/uid/<uid>, and for schema-v2
// dashboards the /apis/dashboard.grafana.app/... resource that Grafana 12+ names in its 406 answer. The token (a
// service account's) goes in the Authorization header only; errors name the URL path, never the header.
import { networkCause } from '../fetchError';
import { isRecord } from '../../shared/guards';
import { grafanaSlug } from './url';

export interface DashboardHit {
  readonly uid: string;
  readonly title: string;
  /** Path of the dashboard, e.g. /d/optivolt-power/optivolt-power-consumption-monitoring. */
  readonly url: string;
  readonly folderTitle?: string;
  readonly tags: readonly string[];
}

export interface PanelInfo {
  /** The numeric panel id that /d-solo/<uid>/<slug>?panelId=N takes (v1 `id`, v2 element `spec.id`). */
  readonly id: number;
  readonly title: string;
  /** The visualisation's plugin id (timeseries, stat, ...), or "library panel". */
  readonly type: string;
  /** Title of the row or tab the panel sits in, when it sits in one that has a title. */
  readonly section?: string;
}

/** A dashboard variable: its name and its v1 type name (v2 kinds are mapped: TextVariable -> textbox, ...). */
export interface DashboardVariable {
  readonly name: string;
  readonly type: string;
}

export interface DashboardInfo {
  readonly uid: string;
  readonly title: string;
  readonly slug: string;
  /** Every panel that can be shown alone (rows excluded, panels of collapsed rows included), in layout order. */
  readonly panels: readonly PanelInfo[];
  readonly variables: readonly DashboardVariable[];
  /** v1: the classic JSON model from /api/dashboards/uid; v2: the schema-v2 resource from /apis (Grafana 12+). */
  readonly schema: 'v1' | 'v2';
}

export interface GrafanaHealth {
  readonly ok: boolean;
  readonly version?: string;
  readonly database?: string;
}

export class GrafanaError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    /** Grafana's own `message` from an error answer, when it sent one. */
    readonly detail?: string,
  ) {
    super(message);
  }
}

export interface GrafanaClientOptions {
  readonly token?: string;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
}

export class GrafanaClient {
  private readonly fetchFn: typeof fetch;

  constructor(
    readonly base: string,
    private readonly opts: GrafanaClientOptions = {},
  ) {
    this.fetchFn = opts.fetch ?? fetch;
  }

  private async get(path: string): Promise<unknown> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.opts.token) headers.Authorization = `Bearer ${this.opts.token}`;
    let res: Response;
    try {
      res = await this.fetchFn(`${this.base}${path}`, {
        headers,
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 5000),
        redirect: 'error',
      });
    } catch (err) {
      throw new GrafanaError(`Grafana at ${this.base} does not answer (${networkCause(err)}).`);
    }
    if (!res.ok) {
      // Grafana's error answers are {"message": ...} (a Kubernetes Status object under /apis); only the message is kept.
      const detail = await res.json().then(
        (b: unknown) => (isRecord(b) && typeof b.message === 'string' ? b.message.slice(0, 500) : undefined),
        () => undefined,
      );
      const hint = res.status === 401 || res.status === 403 ? ' Check the token ("OptiVolt: Set Grafana Token") and its role.' : '';
      throw new GrafanaError(`Grafana answered ${res.status} to ${path.split('?')[0]}.${hint}`, res.status, detail);
    }
    try {
      return await res.json();
    } catch {
      throw new GrafanaError(`Grafana's answer to ${path.split('?')[0]} is not JSON: is ${this.base} a Grafana server?`);
    }
  }

  /** /api/health: 200 with database "ok" when Grafana is up (it needs no authentication). */
  async health(): Promise<GrafanaHealth> {
    const body = await this.get('/api/health');
    if (!isRecord(body)) throw new GrafanaError(`${this.base}/api/health did not answer like Grafana.`);
    return {
      ok: body.database === 'ok',
      ...(typeof body.version === 'string' ? { version: body.version } : {}),
      ...(typeof body.database === 'string' ? { database: body.database } : {}),
    };
  }

  /** Dashboards (not folders), optionally filtered by Grafana's own title search. */
  async search(query = ''): Promise<DashboardHit[]> {
    const q = new URLSearchParams({ type: 'dash-db', limit: '500' });
    if (query) q.set('query', query);
    const body = await this.get(`/api/search?${q.toString()}`);
    if (!Array.isArray(body)) throw new GrafanaError("Grafana's /api/search answer is not a list.");
    return body
      .filter(
        (h): h is Record<string, unknown> =>
          isRecord(h) && typeof h.uid === 'string' && typeof h.title === 'string' && (h.type === undefined || h.type === 'dash-db'),
      )
      .map((h) => ({
        uid: h.uid as string,
        title: h.title as string,
        url: typeof h.url === 'string' ? h.url : `/d/${h.uid as string}`,
        ...(typeof h.folderTitle === 'string' ? { folderTitle: h.folderTitle } : {}),
        tags: Array.isArray(h.tags) ? h.tags.filter((t): t is string => typeof t === 'string') : [],
      }));
  }

  /**
   * A dashboard's title, slug, panels and variables, whichever schema it is stored in. Grafana 12+ answers 406 on
   * /api/dashboards/uid/<uid> for a schema-v2 dashboard and names the resource to read instead
   * (pkg/api/dashboard.go GetDashboard: "dashboard api version not supported, use /apis/dashboard.grafana.app/<version>/
   * namespaces/<namespace>/dashboards/<uid> instead"); that path is followed as given, since the version (v2alpha1,
   * v2beta1, v2) and the namespace (default, org-N, stacks-N) depend on the server.
   */
  async dashboard(uid: string): Promise<DashboardInfo> {
    let body: unknown;
    try {
      body = await this.get(`/api/dashboards/uid/${encodeURIComponent(uid)}`);
    } catch (err) {
      if (!(err instanceof GrafanaError) || err.status !== 406) throw err;
      const resource = apisPathOf(err.detail ?? '');
      if (!resource)
        throw new GrafanaError(
          `Grafana answered 406 for dashboard ${uid} without naming where to read it (${err.detail ?? 'no message'}).`,
          406,
          err.detail,
        );
      return dashboardFromResource(uid, await this.get(resource));
    }
    if (!isRecord(body) || !isRecord(body.dashboard)) throw new GrafanaError(`Grafana's answer for dashboard ${uid} has no dashboard.`);
    const d = body.dashboard;
    const meta = isRecord(body.meta) ? body.meta : {};
    const title = typeof d.title === 'string' ? d.title : uid;
    const templating = isRecord(d.templating) ? d.templating.list : undefined;
    const variables = (Array.isArray(templating) ? templating : [])
      .filter((v): v is Record<string, unknown> => isRecord(v) && typeof v.name === 'string' && v.name !== '')
      .map((v) => ({ name: v.name as string, type: typeof v.type === 'string' ? v.type : '' }));
    return {
      uid,
      title,
      slug: typeof meta.slug === 'string' ? meta.slug : grafanaSlug(title),
      panels: panelsOf(d.panels),
      variables,
      schema: 'v1',
    };
  }
}

/**
 * The /apis path in Grafana's 406 message, only in the shape GetDashboard writes it (so a message cannot send the
 * client, and its token, anywhere else on the server).
 */
export function apisPathOf(message: string): string | undefined {
  const m = /\/apis\/dashboard\.grafana\.app\/([A-Za-z0-9]+)\/namespaces\/([A-Za-z0-9_.-]+)\/dashboards\/([A-Za-z0-9_.-]+)/.exec(message);
  if (!m || [m[2], m[3]].some((seg) => seg === '.' || seg === '..')) return undefined;
  return m[0];
}

/** Panels in layout order; a collapsed row carries its panels inside it, an open row is followed by its panels. */
export function panelsOf(list: unknown, section?: string): PanelInfo[] {
  if (!Array.isArray(list)) return [];
  const out: PanelInfo[] = [];
  let current = section;
  for (const p of list) {
    if (!isRecord(p)) continue;
    if (p.type === 'row') {
      current = typeof p.title === 'string' && p.title ? p.title : undefined;
      out.push(...panelsOf(p.panels, current));
      continue;
    }
    if (typeof p.id === 'number') {
      const title = typeof p.title === 'string' && p.title ? p.title : `Panel ${p.id}`;
      out.push({ id: p.id, title, type: typeof p.type === 'string' ? p.type : '', ...(current ? { section: current } : {}) });
    }
  }
  return out;
}

/** v2 variable kinds (dashboard_spec.cue VariableKind) under the v1 type names the rest of OptiVolt knows. */
const V2_VARIABLE_TYPES: Readonly<Record<string, string>> = {
  QueryVariable: 'query',
  TextVariable: 'textbox',
  ConstantVariable: 'constant',
  DatasourceVariable: 'datasource',
  IntervalVariable: 'interval',
  CustomVariable: 'custom',
  GroupByVariable: 'groupby',
  AdhocVariable: 'adhoc',
  SwitchVariable: 'switch',
};

/**
 * A schema-v2 dashboard resource: the Kubernetes-style envelope {apiVersion, kind: "Dashboard", metadata: {name: uid},
 * spec} with the panels in spec.elements (name -> {kind: "Panel" | "LibraryPanel", spec: {id, title, ...}}) and their
 * order in spec.layout (apps/dashboard/pkg/apis/dashboard/{v2alpha1,v2beta1,v2}/dashboard_spec.cue). The slug is Grafana's slug of
 * the title: the envelope carries none, and Grafana redirects a stale one.
 */
export function dashboardFromResource(uid: string, body: unknown): DashboardInfo {
  if (!isRecord(body) || !isRecord(body.spec)) throw new GrafanaError(`Grafana's /apis answer for dashboard ${uid} has no spec.`);
  const spec = body.spec;
  const meta = isRecord(body.metadata) ? body.metadata : {};
  const title = typeof spec.title === 'string' ? spec.title : uid;
  const elements = isRecord(spec.elements) ? spec.elements : {};
  const placed = layoutOrder(spec.layout);
  // Without a layout Grafana shows nothing; a layout of an unknown kind (a newer schema) still lists every element.
  const order =
    placed.length > 0 || isRecord(spec.layout)
      ? placed
      : Object.keys(elements).map((name): { name: string; section?: string } => ({ name }));
  const seen = new Set<string>();
  const panels: PanelInfo[] = [];
  for (const { name, section } of order) {
    const el = elements[name];
    if (seen.has(name) || !isRecord(el) || !isRecord(el.spec) || typeof el.spec.id !== 'number') continue;
    seen.add(name);
    const id = el.spec.id;
    const viz = isRecord(el.spec.vizConfig) ? el.spec.vizConfig : {};
    // v2beta1/v2: {kind: "VizConfig", group: "<plugin id>"}; v2alpha1: {kind: "<plugin id>"}.
    const type =
      el.kind === 'LibraryPanel'
        ? 'library panel'
        : typeof viz.group === 'string'
          ? viz.group
          : typeof viz.kind === 'string' && viz.kind !== 'VizConfig'
            ? viz.kind
            : '';
    const t = typeof el.spec.title === 'string' && el.spec.title ? el.spec.title : `Panel ${id}`;
    panels.push({ id, title: t, type, ...(section ? { section } : {}) });
  }
  const variables = (Array.isArray(spec.variables) ? spec.variables : [])
    .filter((v): v is Record<string, unknown> => isRecord(v) && isRecord(v.spec) && typeof v.spec.name === 'string' && v.spec.name !== '')
    .map((v) => ({
      name: (v.spec as Record<string, unknown>).name as string,
      type: V2_VARIABLE_TYPES[String(v.kind)] ?? String(v.kind ?? ''),
    }));
  return {
    uid: typeof meta.name === 'string' && meta.name ? meta.name : uid,
    title,
    slug: grafanaSlug(title),
    panels,
    variables,
    schema: 'v2',
  };
}

/**
 * Element names in the order the layout shows them, with the title of the row or tab around them: GridLayout items
 * top to bottom then left to right, AutoGridLayout items in order, RowsLayout rows and TabsLayout tabs in order
 * (a collapsed row's panels included, as in v1).
 */
function layoutOrder(layout: unknown, section?: string): Array<{ name: string; section?: string }> {
  if (!isRecord(layout) || !isRecord(layout.spec)) return [];
  const spec = layout.spec;
  const ref = (item: unknown): string | undefined => {
    const el = isRecord(item) && isRecord(item.spec) && isRecord(item.spec.element) ? item.spec.element : undefined;
    return el && typeof el.name === 'string' ? el.name : undefined;
  };
  const at = (name: string): { name: string; section?: string } => ({ name, ...(section ? { section } : {}) });
  switch (layout.kind) {
    case 'GridLayout': {
      const items = (Array.isArray(spec.items) ? spec.items : []).filter(isRecord);
      const pos = (i: Record<string, unknown>, k: 'x' | 'y'): number => (isRecord(i.spec) && typeof i.spec[k] === 'number' ? i.spec[k] : 0);
      return items
        .map((item, index) => ({ item, index }))
        .sort((a, b) => pos(a.item, 'y') - pos(b.item, 'y') || pos(a.item, 'x') - pos(b.item, 'x') || a.index - b.index)
        .flatMap(({ item }) => (ref(item) ? [at(ref(item) as string)] : []));
    }
    case 'AutoGridLayout':
      return (Array.isArray(spec.items) ? spec.items : []).flatMap((item) => (ref(item) ? [at(ref(item) as string)] : []));
    case 'RowsLayout':
    case 'TabsLayout': {
      const parts = Array.isArray(spec.rows) ? spec.rows : Array.isArray(spec.tabs) ? spec.tabs : [];
      return parts.flatMap((part) => {
        if (!isRecord(part) || !isRecord(part.spec)) return [];
        const title = typeof part.spec.title === 'string' && part.spec.title ? part.spec.title : section;
        return layoutOrder(part.spec.layout, title);
      });
    }
    default:
      return [];
  }
}

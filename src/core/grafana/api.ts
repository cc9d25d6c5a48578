// A small client of Grafana's HTTP API: /api/health, /api/search and /api/dashboards/uid/<uid>. The token (a
// service account's) goes in the Authorization header only; errors name the URL path, never the header.
import { networkCause } from '../fetchError';

export interface DashboardHit {
  readonly uid: string;
  readonly title: string;
  /** Path of the dashboard, e.g. /d/optivolt-power/optivolt-power-consumption-monitoring. */
  readonly url: string;
  readonly folderTitle?: string;
  readonly tags: readonly string[];
}

export interface PanelInfo {
  readonly id: number;
  readonly title: string;
  readonly type: string;
}

export interface DashboardInfo {
  readonly uid: string;
  readonly title: string;
  readonly slug: string;
  /** Every panel that can be shown alone (rows excluded, panels of collapsed rows included), in layout order. */
  readonly panels: readonly PanelInfo[];
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
  ) {
    super(message);
  }
}

export interface GrafanaClientOptions {
  readonly token?: string;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

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
      res = await this.fetchFn(`${this.base}${path}`, { headers, signal: AbortSignal.timeout(this.opts.timeoutMs ?? 5000), redirect: 'error' });
    } catch (err) {
      throw new GrafanaError(`Grafana at ${this.base} does not answer (${networkCause(err)}).`);
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      const hint = res.status === 401 || res.status === 403 ? ' Check the token ("OptiVolt: Set Grafana Token") and its role.' : '';
      throw new GrafanaError(`Grafana answered ${res.status} to ${path.split('?')[0]}.${hint}`, res.status);
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
    if (!isObj(body)) throw new GrafanaError(`${this.base}/api/health did not answer like Grafana.`);
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
    if (!Array.isArray(body)) throw new GrafanaError('Grafana\'s /api/search answer is not a list.');
    return body
      .filter((h): h is Record<string, unknown> => isObj(h) && typeof h.uid === 'string' && typeof h.title === 'string' && (h.type === undefined || h.type === 'dash-db'))
      .map((h) => ({
        uid: h.uid as string,
        title: h.title as string,
        url: typeof h.url === 'string' ? h.url : `/d/${h.uid as string}`,
        ...(typeof h.folderTitle === 'string' ? { folderTitle: h.folderTitle } : {}),
        tags: Array.isArray(h.tags) ? h.tags.filter((t): t is string => typeof t === 'string') : [],
      }));
  }

  async dashboard(uid: string): Promise<DashboardInfo> {
    const body = await this.get(`/api/dashboards/uid/${encodeURIComponent(uid)}`);
    if (!isObj(body) || !isObj(body.dashboard)) throw new GrafanaError(`Grafana's answer for dashboard ${uid} has no dashboard.`);
    const d = body.dashboard;
    const meta = isObj(body.meta) ? body.meta : {};
    const title = typeof d.title === 'string' ? d.title : uid;
    return { uid, title, slug: typeof meta.slug === 'string' ? meta.slug : '', panels: panelsOf(d.panels) };
  }
}

/** Panels in layout order; a collapsed row carries its panels inside it. */
export function panelsOf(list: unknown): PanelInfo[] {
  if (!Array.isArray(list)) return [];
  const out: PanelInfo[] = [];
  for (const p of list) {
    if (!isObj(p)) continue;
    if (p.type === 'row') {
      out.push(...panelsOf(p.panels));
      continue;
    }
    if (typeof p.id === 'number') out.push({ id: p.id, title: typeof p.title === 'string' && p.title ? p.title : `Panel ${p.id}`, type: typeof p.type === 'string' ? p.type : '' });
  }
  return out;
}

// A real Prometheus binary as the judge of PromQL syntax: started with given `--enable-feature` flags, asked through
// /api/v1/query whether each query parses, and compared with the language server's checker told the same version
// (from the binary's own /api/v1/status/buildinfo) and the same features.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeQuery, prometheusPosition } from '../../src/server/promql/diagnostics';
import { parseVersion, PromqlTarget } from '../../src/server/promql/target';
import { PromqlFeature } from '../../src/shared/promqlTarget';
import { PrometheusProcess } from './prometheusProcess';

/** Prometheus' position for an error it cannot place (2.53 and later, on the empty query). */
export const UNKNOWN_POSITION = 'unknown position';

export interface Verdict {
  readonly query: string;
  /** Prometheus' `line:col` of the parse error, UNKNOWN_POSITION, or `?` for another bad_data answer; undefined: it parses. */
  readonly prometheus: string | undefined;
  readonly prometheusMessage: string;
  readonly ours: string | undefined;
  readonly ourMessage: string;
}

export class PromqlOracle {
  private constructor(
    private readonly prom: PrometheusProcess,
    /** What the checker is told: the binary's version and the features it was started with. */
    readonly target: PromqlTarget,
    /** The binary's log, read for warnings such as an unknown feature name. */
    readonly log: () => string,
  ) {}

  static async start(bin: string, features: readonly PromqlFeature[] = []): Promise<PromqlOracle> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-promql-'));
    const args = features.length ? [`--enable-feature=${features.join(',')}`] : [];
    const prom = await PrometheusProcess.startWithConfig({ global: { evaluation_interval: '1m' } }, dir, true, undefined, bin, args);
    const res = await fetch(`${prom.url}/api/v1/status/buildinfo`);
    const raw = ((await res.json()) as { data: { version: string } }).data.version;
    const v = parseVersion(raw);
    assert.ok(v, `buildinfo version ${raw}`);
    const version = v.join('.');
    const log = (): string => fs.readFileSync(path.join(dir, 'prometheus.log'), 'utf8');
    const unknown = /unknown option for --enable-feature[^\n]*/i.exec(log());
    assert.equal(unknown, null, `Prometheus ${version} does not know a feature it was given: ${unknown?.[0]}`);
    const name = `Prometheus ${version}${features.length ? ` --enable-feature=${features.join(',')}` : ''}`;
    return new PromqlOracle(prom, { dialect: 'prometheus', version, features: new Set(features), reason: `the real ${name}` }, log);
  }

  /** "3.5.3 [promql-experimental-functions]", for reports. */
  get name(): string {
    return `${this.target.version}${this.target.features.size ? ` [${[...this.target.features].join(', ')}]` : ''}`;
  }

  async stop(): Promise<void> {
    await this.prom.stop();
  }

  /** Prometheus' answer: parse error position and message, or none when the query parses. */
  async verdict(query: string): Promise<{ position?: string; message: string }> {
    const res = await fetch(`${this.prom.url}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query, time: '1700000000' }) });
    const body = (await res.json()) as { status: string; errorType?: string; error?: string };
    // Only the parser's verdict counts: an evaluation error (errorType "execution") means the query parsed.
    if (body.status !== 'error' || body.errorType !== 'bad_data') return { message: '' };
    // 2.53 on answer the empty query with "unknown position" (no line:col to compare).
    const m = /^invalid parameter "query": (\d+:\d+|unknown position): parse error: (.*)$/s.exec(body.error ?? '');
    if (m) return { position: m[1], message: m[2] };
    // A bad_data answer that is not a positioned parse error: still a rejection, reported as such.
    return { position: '?', message: body.error ?? '' };
  }

  async compare(queries: readonly string[]): Promise<Verdict[]> {
    const verdicts: Verdict[] = [];
    for (const query of queries) {
      const p = await this.verdict(query);
      const error = analyzeQuery(query, undefined, this.target).find((x) => x.severity === 'error');
      verdicts.push({
        query,
        prometheus: p.position,
        prometheusMessage: p.message,
        ours: error && prometheusPosition(query, error.from),
        ourMessage: error?.message ?? '',
      });
    }
    return verdicts;
  }
}

/** Same verdict, and for a rejected query the same position (any, when Prometheus gives none). */
export const agrees = (v: Verdict): boolean => v.prometheus === v.ours || (v.prometheus === UNKNOWN_POSITION && v.ours !== undefined);

export const show = (v: Verdict): string =>
  `${JSON.stringify(v.query)}: Prometheus ${v.prometheus ?? 'accepts'} ${v.prometheusMessage} / ours ${v.ours ?? 'accepts'} ${v.ourMessage}`;

// Every energy, cost and CO2 figure of every dashboard, evaluated by a real Prometheus over a backfilled history
// that follows Scaphandre v1.0.3 (test/fixtures/scaphandreSeries.ts: counter wraps, short-lived processes, a psys
// laptop beside a two-socket server), is within 2% of the truth computed from that history. Every expression of
// every dashboard parses and runs. The old queries' errors are measured and printed.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { generateHistory, History, STEP_S, toOpenMetrics } from '../fixtures/scaphandreSeries';
import { NODE_RAPL_QUERY } from '../../src/core/power/prometheusSource';
import { PrometheusProcess } from './prometheusProcess';

const ROOT = path.join(__dirname, '..', '..', '..');
const DASHBOARDS = path.join(ROOT, 'stack', 'grafana', 'dashboards');

interface Target {
  readonly refId: string;
  readonly expr: string;
  readonly instant?: boolean;
}
interface Panel {
  readonly id: number;
  readonly title: string;
  readonly type: string;
  readonly interval?: string;
  readonly targets?: Target[];
  readonly panels?: Panel[];
  readonly fieldConfig?: { defaults?: { unit?: string } };
}
interface Dashboard {
  readonly uid: string;
  readonly panels: Panel[];
  readonly templating: { list: Array<{ name: string; current: { value: string } }> };
}
interface Vector {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

function dashboards(): Array<{ file: string; d: Dashboard; panels: Panel[] }> {
  const flat = (ps: Panel[]): Panel[] => ps.flatMap((p) => [p, ...flat(p.panels ?? [])]);
  return fs
    .readdirSync(DASHBOARDS)
    .filter((f) => f.endsWith('.json'))
    .map((file) => {
      const d = JSON.parse(fs.readFileSync(path.join(DASHBOARDS, file), 'utf8')) as Dashboard;
      return { file, d, panels: flat(d.panels) };
    });
}

/** Grafana's global variables for a range of rangeS seconds, then the dashboard's own variables at their defaults. */
function interpolate(expr: string, d: Dashboard, rangeS: number): string {
  const vars: Record<string, string> = {
    __range_ms: String(rangeS * 1000),
    __range_s: String(rangeS),
    __range: `${rangeS}s`,
    __rate_interval: '70s', // max($__interval + scrape interval, 4 x scrape interval) at a 1m interval, 10 s scrapes
    __interval_ms: '60000',
    __interval: '1m',
  };
  for (const v of d.templating.list) vars[v.name] = v.current.value;
  const names = Object.keys(vars).sort((a, b) => b.length - a.length);
  let out = expr;
  for (const n of names) out = out.split(`\${${n}}`).join(vars[n]).split(`$${n}`).join(vars[n]);
  assert.doesNotMatch(out, /\$\w/, `uninterpolated variable left in ${out}`);
  return out;
}

/** A real Prometheus over a TSDB backfilled with promtool from the history. */
async function backfilledPrometheus(history: History): Promise<PrometheusProcess> {
  const bin = process.env.PROMETHEUS_BIN;
  if (!bin) throw new Error('PROMETHEUS_BIN is not set (run through test/harness/runTier.js stack)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-truth-'));
  const om = path.join(dir, 'history.om');
  fs.writeFileSync(om, toOpenMetrics(history.samples));
  // The same subcommand in 2.42 and 3.x; promtool ships beside prometheus.
  execFileSync(path.join(path.dirname(bin), 'promtool'), ['tsdb', 'create-blocks-from', 'openmetrics', om, path.join(dir, 'data')], { stdio: 'pipe' });
  fs.rmSync(om);
  // No scrape targets: only the backfilled blocks. Subqueries step at the evaluation interval, as in the stack.
  return PrometheusProcess.startWithConfig({ global: { scrape_interval: '10s', evaluation_interval: '10s' } }, dir, true);
}

describe('Dashboards against the truth, through a real Prometheus over backfilled Scaphandre history', function () {
  this.timeout(120000);
  // Whole hours, ending an hour ago: inside the default 15-day retention, outside the head block.
  const END = Math.floor(Date.now() / 3_600_000) * 3600 - 3600;
  const history = generateHistory(END, 4);
  let prom: PrometheusProcess;

  before(async () => {
    prom = await backfilledPrometheus(history);
  });
  after(async () => {
    await prom?.stop();
  });

  async function query(expr: string, time = END): Promise<Vector[]> {
    const res = await fetch(`${prom.url}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query: expr, time: String(time) }) });
    const body = (await res.json()) as { status: string; error?: string; data: { result: Vector[] } };
    assert.equal(body.status, 'success', `${expr}: ${body.error}`);
    return body.data.result;
  }
  const scalar = async (expr: string): Promise<number> => {
    const r = await query(expr);
    assert.equal(r.length, 1, `${expr} gave ${r.length} series`);
    return Number(r[0].value[1]);
  };

  /** Samples of one metric in Prometheus' (from, to] window. */
  const inWindow = (name: string, fromS: number, toS: number) => history.samples.filter((s) => s.name === name && s.t > fromS && s.t <= toS);

  /** Truth for one target's value(s), keyed by the series' exe for tables, '' for single figures. */
  function truths(rangeS: number, vars: Record<string, number>): Record<string, Record<number, Record<string, Record<string, number>>>> {
    const from = Math.max(history.startS, END - rangeS);
    const kWh = (fromS: number) => history.hostJoules(Math.max(history.startS, fromS), END) / 3.6e6;
    // Mean of the host power samples Scaphandre published, per instance, summed (sum(avg_over_time(...))).
    const hostW = [...new Set(inWindow('scaph_host_power_microwatts', from, END).map((s) => s.labels.instance))].reduce((sum, inst) => {
      const xs = inWindow('scaph_host_power_microwatts', from, END).filter((s) => s.labels.instance === inst);
      return sum + xs.reduce((a, s) => a + s.v, 0) / xs.length / 1e6;
    }, 0);
    const procs = inWindow('scaph_process_power_consumption_microwatts', from, END);
    const whByExe: Record<string, number> = {};
    for (const s of procs) whByExe[s.labels.exe] = (whByExe[s.labels.exe] ?? 0) + (s.v * STEP_S) / 3600 / 1e6;
    const scaled = (k: number) => Object.fromEntries(Object.entries(whByExe).map(([e, wh]) => [e, wh * k]));
    const envW = (re: RegExp) => procs.filter((s) => re.test(s.labels.cmdline)).reduce((a, s) => a + s.v * STEP_S, 0) / rangeS / 1e6;
    const { cost, carbon } = vars;
    return {
      'optivolt-cost': {
        1: { A: { '': kWh(END - rangeS) } },
        2: { A: { '': kWh(END - rangeS) * cost } },
        3: { A: { '': kWh(END - rangeS) * carbon } },
        4: { A: { '': hostW } },
        5: { A: { '': kWh(END - 3600) }, B: { '': kWh(END - 3600) * cost } },
        6: { A: { '': kWh(END - 86400) }, B: { '': kWh(END - 86400) * cost } },
        7: { A: { '': kWh(END - 3600) * carbon } },
        8: { A: whByExe, B: scaled(cost / 1000), C: scaled(carbon / 1000) },
      },
      'optivolt-power': {
        9: { A: { '': kWh(END - rangeS) } },
        10: { A: { '': kWh(END - rangeS) * cost } },
        11: { A: { '': hostW } },
        12: { A: { '': hostW * 0.72 * cost } },
      },
      'optivolt-environments': {
        2: { A: { '': envW(/^.*docker.*$/) }, B: { '': envW(/^.*qemu.*microvm.*$/) }, C: { '': envW(/^.*unikernel.*$/) } },
      },
    };
  }

  const isEnergyFigure = (p: Panel) =>
    /energy|cost|co2|average power/i.test(p.title) && !/efficiency/i.test(p.title) && p.type !== 'row' && (p.targets ?? []).length > 0;

  for (const rangeS of [3 * 3600, 24 * 3600]) {
    it(`every energy/cost/CO2 figure is within 2% of the truth over a ${rangeS / 3600} h range (wraps, 1-minute processes)`, async () => {
      const wraps = history.wraps(Math.max(history.startS, END - rangeS), END);
      assert.ok(wraps >= 6, `the range holds only ${wraps} counter wraps`);
      const lines: string[] = [];
      let checked = 0;
      for (const { d, panels } of dashboards()) {
        // Their figures are pushed results and Kepler's, not Scaphandre's: history.test.ts and kepler.test.ts check them.
        if (d.uid === 'optivolt-history' || d.uid === 'optivolt-kepler') continue;
        const vars = Object.fromEntries(d.templating.list.map((v) => [v.name, Number(v.current.value)]));
        const want = truths(rangeS, vars)[d.uid] ?? {};
        for (const p of panels.filter(isEnergyFigure)) {
          assert.ok(want[p.id], `${d.uid} panel ${p.id} "${p.title}" is an energy/cost/CO2 figure without a truth in this test`);
          for (const t of p.targets ?? []) {
            const expected = want[p.id][t.refId];
            assert.ok(expected, `${d.uid} panel ${p.id} target ${t.refId} has no truth`);
            const got = await query(interpolate(t.expr, d, rangeS));
            const key = (v: Vector) => v.metric.exe ?? '';
            assert.deepEqual(got.map(key).sort(), Object.keys(expected).sort(), `${d.uid} panel ${p.id} ${t.refId}: series`);
            for (const v of got) {
              const truth = expected[key(v)];
              const dev = (Number(v.value[1]) - truth) / truth;
              lines.push(`${d.uid} #${p.id} ${t.refId}${key(v) ? ` ${key(v)}` : ''}: ${(dev * 100).toFixed(3)}%`);
              assert.ok(Math.abs(dev) < 0.02, `${d.uid} panel ${p.id} "${p.title}" ${t.refId} ${key(v)}: ${v.value[1]} vs truth ${truth} (${(dev * 100).toFixed(2)}%)`);
              checked++;
            }
          }
        }
      }
      assert.ok(checked >= 30, `only ${checked} figures checked`);
      console.log(`      ${rangeS / 3600} h range, ${wraps} wraps, deviation from truth:\n        ${lines.join('\n        ')}`);
    });
  }

  it('the old queries were off by a measured amount (increase of the raw sum, avg_over_time x range)', async () => {
    const rangeS = 3 * 3600;
    const truthKWh = history.hostJoules(END - rangeS, END) / 3.6e6;
    const old = await scalar(`sum(increase(scaph_host_energy_microjoules[${rangeS}s])) / 1000000 / 3600000`);
    const oldErr = (old - truthKWh) / truthKWh;
    const procs = inWindow('scaph_process_power_consumption_microwatts', END - rangeS, END).filter((s) => s.labels.exe === '/usr/bin/git');
    const gitWh = procs.reduce((a, s) => a + (s.v * STEP_S) / 3600 / 1e6, 0);
    const oldGit = (await query(`sum by (exe) (avg_over_time(scaph_process_power_consumption_microwatts{exe="/usr/bin/git"}[${rangeS}s])) / 1000000 * ${rangeS} / 3600`))[0];
    const gitRatio = Number(oldGit.value[1]) / gitWh;
    const qemuW = inWindow('scaph_process_power_consumption_microwatts', END - rangeS, END)
      .filter((s) => /qemu.*microvm/.test(s.labels.cmdline))
      .reduce((a, s) => a + s.v * STEP_S, 0) / rangeS / 1e6;
    const oldEnv = await scalar(`avg_over_time((sum(scaph_process_power_consumption_microwatts{cmdline=~".*qemu.*microvm.*"}) / 1000000)[${rangeS}s:])`);
    console.log(
      `      old host energy (increase of the raw sum): ${(oldErr * 100).toFixed(1)}% off over 3 h with ${history.wraps(END - rangeS, END)} wraps; ` +
        `old top-10 (avg_over_time x range): git charged ${gitRatio.toFixed(1)}x its energy; ` +
        `old MicroVM average (steps with a match only): ${(((oldEnv - qemuW) / qemuW) * 100).toFixed(0)}% off`,
    );
    assert.ok(oldErr > 0.1, `the raw-sum increase should over-count by far more than 2%, got ${(oldErr * 100).toFixed(2)}%`);
    assert.ok(gitRatio > 5, `avg_over_time x range should over-charge short-lived processes, got ${gitRatio}`);
    assert.ok(oldEnv > qemuW * 1.5, `the old environment average should overstate a part-time environment: ${oldEnv} vs ${qemuW}`);
  });

  it('per-process energy against the physical truth: only the samples Scaphandre itself drops at wraps are missing', async () => {
    const rangeS = 3 * 3600;
    const got = await query(`sum by (exe) (sum_over_time(scaph_process_power_consumption_microwatts[${rangeS}s])) * 10 / 3600 / 1000000`);
    const lines: string[] = [];
    for (const v of got) {
      let wh = 0;
      for (const p of history.processes.filter((x) => x.exe === v.metric.exe)) {
        for (let t = END - rangeS + STEP_S; t <= END; t += STEP_S) if (t - STEP_S >= p.startS && t <= p.endS) wh += (history.serverWatts(t) * p.share * STEP_S) / 3600;
      }
      const dev = (Number(v.value[1]) - wh) / wh;
      lines.push(`${v.metric.exe}: ${(dev * 100).toFixed(2)}%`);
      assert.ok(dev <= 0.001 && dev > -0.05, `${v.metric.exe}: ${(dev * 100).toFixed(2)}% from the physical truth`);
    }
    console.log(`      top-10 energy vs physical truth (Scaphandre publishes no process power on a wrap scrape): ${lines.join(', ')}`);
  });

  it('node-exporter RAPL with a duplicate intel-rapl-mmio package zone: the power source counts each package once', async () => {
    const got = Object.fromEntries((await query(NODE_RAPL_QUERY)).map((v) => [v.metric.index, Number(v.value[1])]));
    const naive = Object.fromEntries((await query('sum by (index) (irate(node_rapl_package_joules_total[1m]))')).map((v) => [v.metric.index, Number(v.value[1])]));
    const socket = Object.fromEntries((await query('scaph_socket_power_microwatts{instance="server:8080"} / 1e6')).map((v) => [v.metric.socket_id, Number(v.value[1])]));
    for (const i of ['0', '1']) assert.ok(Math.abs(got[i] - socket[i]) < 0.01 * socket[i], `package ${i}: ${got[i]} W vs ${socket[i]} W`);
    assert.ok(Math.abs(naive['0'] - 2 * socket['0']) < 0.01 * socket['0'], `sum by (index) doubles package 0: ${naive['0']} vs ${socket['0']}`);
  });

  it('every expression of every dashboard parses and runs (instant and range) against that Prometheus', async () => {
    let n = 0;
    for (const { file, d, panels } of dashboards()) {
      for (const p of panels) {
        for (const t of p.targets ?? []) {
          const expr = interpolate(t.expr, d, 3 * 3600);
          await query(expr).catch((e: Error) => assert.fail(`${file} panel ${p.id} "${p.title}" ${t.refId}: ${e.message}`));
          const res = await fetch(`${prom.url}/api/v1/query_range`, {
            method: 'POST',
            body: new URLSearchParams({ query: expr, start: String(END - 3600), end: String(END), step: '60' }),
          });
          const body = (await res.json()) as { status: string; error?: string };
          assert.equal(body.status, 'success', `${file} panel ${p.id} "${p.title}" ${t.refId} (range): ${body.error}`);
          n++;
        }
      }
    }
    assert.ok(n >= 30, `only ${n} expressions found`);
  });

  it('the 10 s in the sample-sum panels is the stack scrape interval and Grafana datasource interval', () => {
    const prometheusYml = parse(fs.readFileSync(path.join(ROOT, 'stack', 'prometheus', 'prometheus.yml'), 'utf8')) as { global: { scrape_interval: string } };
    assert.equal(prometheusYml.global.scrape_interval, `${STEP_S}s`);
    const datasources = parse(fs.readFileSync(path.join(ROOT, 'stack', 'grafana', 'provisioning', 'datasources', 'prometheus.yml'), 'utf8')) as {
      datasources: Array<{ jsonData: { timeInterval: string } }>;
    };
    assert.equal(datasources.datasources[0].jsonData.timeInterval, `${STEP_S}s`);
    const sampleSums = dashboards().flatMap(({ panels }) => panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr))).filter((e) => /sum_over_time/.test(e));
    assert.ok(sampleSums.length >= 6);
    for (const e of sampleSums) assert.match(e, /\* 10 \//, `${e} must weigh each sample by the 10 s scrape interval`);
  });
});

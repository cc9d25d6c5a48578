// cAdvisor's explicit sample timestamps and dynamic housekeeping, through a real Prometheus (3.5 LTS, and Debian's
// 2.42 when provisioned). The cAdvisor stand-in (test/fixtures/cadvisorStandIn.ts, following cAdvisor v0.60.5) runs
// with the stack's flags (--housekeeping_interval=10s, the label whitelist) and replays twelve minutes of history:
// its clock starts 12 min in the past and runs 25x faster until it meets the real clock, so Prometheus stores the
// samples with the timestamps cAdvisor would have given them, and query_range looks at them as the power view would
// have, step by step. An idle container is then collected every 60-120 s; a busy one every 10-20 s.
import { strict as assert } from 'node:assert';
import { CONTAINER_CPU_QUERY } from '../../src/core/attribution/prometheusRows';
import { PrometheusClient } from '../../src/core/prometheus/client';
import { CadvisorStandIn, dockerScopeId } from '../fixtures/cadvisorStandIn';
import { ExporterStandIn } from './exporterStandIn';
import { eventually, PrometheusProcess } from './prometheusProcess';

const FORMER_QUERY = 'sum by (id, name, image) (irate(container_cpu_usage_seconds_total{name!=""}[1m]))';
const UNGATED_QUERY = 'sum by (id, name, image) (irate(container_cpu_usage_seconds_total{name!=""}[5m]))';
const HISTORY_MS = 12 * 60_000;
const SPEED = 25;
const STEP_S = 10;

type Series = Map<string, Map<number, number>>;

function binaries(): Array<[string, string | undefined]> {
  const out: Array<[string, string | undefined]> = [['Prometheus from PROMETHEUS_BIN', process.env.PROMETHEUS_BIN]];
  const old = process.env.PROMETHEUS_242_BIN;
  if (old && old !== process.env.PROMETHEUS_BIN) out.push(["Debian's Prometheus 2.42", old]);
  return out;
}

for (const [label, bin] of binaries()) {
  describe(`cAdvisor's timestamps and housekeeping through a real Prometheus (${label})`, function () {
    this.timeout(150_000);
    const ids = { busy: dockerScopeId('a'.repeat(64)), idle: dockerScopeId('b'.repeat(64)), worker: dockerScopeId('c'.repeat(64)) };
    let realStart = 0;
    let t0 = 0;
    let stopAt = 0;
    let cadvisor: CadvisorStandIn;
    let server: ExporterStandIn;
    let prom: PrometheusProcess;
    let client: PrometheusClient;
    const virtualNow = (): number => Math.min(Date.now(), t0 + SPEED * (Date.now() - realStart));

    before(async () => {
      realStart = Date.now();
      t0 = realStart - HISTORY_MS;
      stopAt = t0 + 8 * 60_000;
      cadvisor = new CadvisorStandIn(
        [
          { id: ids.busy, name: 'busy', image: 'nginx:1.27', labels: { 'com.docker.compose.service': 'web', 'com.example.secret': 'x' }, startedAt: t0, cpuSeconds: (t) => 3 + (0.5 * (t - t0)) / 1000 },
          { id: ids.idle, name: 'idle', image: 'redis:7', labels: { 'com.docker.compose.service': 'cache' }, startedAt: t0, cpuSeconds: () => 2.5 },
          { id: ids.worker, name: 'worker', image: 'python:3.13', startedAt: t0, stoppedAt: stopAt, cpuSeconds: (t) => 1 + (0.25 * (t - t0)) / 1000 },
          { id: '/', startedAt: t0, cpuSeconds: (t) => 100 + (1.5 * (t - t0)) / 1000 },
        ],
        { housekeepingIntervalMs: 10_000, whitelistedLabels: ['com.optivolt.service', 'com.docker.compose.project', 'com.docker.compose.service'], seed: 13 },
      );
      server = await ExporterStandIn.start(() => cadvisor.metrics(virtualNow()));
      prom = await PrometheusProcess.start({ cadvisor: [server.target] }, bin);
      client = new PrometheusClient(prom.url);
      // The replay has met the real clock and Prometheus holds a scrape stamped with it.
      await eventually(
        'the replayed history in Prometheus',
        async () => {
          if (virtualNow() < Date.now()) return undefined;
          const [s] = await client.query('max(timestamp(container_last_seen))');
          return s && s.value * 1000 > Date.now() - 3000 ? true : undefined;
        },
        HISTORY_MS / (SPEED - 1) + 30_000,
      );
    });

    after(async () => {
      await prom?.stop();
      await server?.stop();
    });

    /** query_range from 6 min into the history (the idle container is at its 60 s interval by then) to now. */
    async function range(expr: string): Promise<{ steps: number[]; series: Series }> {
      const start = Math.ceil((t0 + 6 * 60_000) / 1000);
      const end = Math.floor(Date.now() / 1000) - 2;
      const data = (await client.api('query_range', { query: expr, start: String(start), end: String(end), step: `${STEP_S}s` })) as { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> };
      const series: Series = new Map();
      for (const r of data.result) series.set(r.metric.name ?? r.metric.id, new Map(r.values.map(([t, v]) => [t * 1000, Number(v)])));
      const steps: number[] = [];
      for (let t = start; t <= end; t += STEP_S) steps.push(t * 1000);
      return { steps, series };
    }

    it('exports what cAdvisor exports, collected on its dynamic housekeeping schedule', async () => {
      const text = await (await fetch(`http://${server.target}/metrics`)).text();
      const busy = text.split('\n').find((l) => l.startsWith('container_cpu_usage_seconds_total{') && l.includes('name="busy"'));
      assert.match(busy ?? '', /^container_cpu_usage_seconds_total\{container_label_com_docker_compose_service="web",cpu="total",id="\/system\.slice\/docker-a{64}\.scope",image="nginx:1\.27",name="busy"\} [0-9.e+]+ \d{13}$/);
      assert.ok(!text.includes('com_example_secret'), 'labels outside the whitelist are not exported');
      assert.match(text, /^container_cpu_usage_seconds_total\{container_label_com_docker_compose_service="",cpu="total",id="\/",image="",name=""\} /m, 'the root cgroup, without name');
      assert.ok(!text.includes('name="worker"'), 'a stopped container is no longer exported');
      const gaps = (id: string, from: number): number[] => {
        const c = cadvisor.collections(id).filter((t) => t >= from);
        return c.slice(1).map((t, i) => t - c[i]);
      };
      const idle = gaps(ids.idle, t0 + 3 * 60_000);
      assert.ok(idle.length >= 3 && idle.every((g) => g >= 60_000 && g <= 120_000), `idle: every 60-120 s (${idle.map((g) => Math.round(g / 1000)).join(', ')} s)`);
      const busyGaps = gaps(ids.busy, t0);
      assert.ok(busyGaps.every((g) => g >= 10_000 && g <= 20_000), 'busy: every 10-20 s');
    });

    it('keeps the idle container at 0 cores where the former irate[1m] lost it, and the busy one at 0.5', async () => {
      const former = await range(FORMER_QUERY);
      const now = await range(CONTAINER_CPU_QUERY);
      const n = now.steps.length;
      const formerIdle = former.series.get('idle')?.size ?? 0;
      console.log(`      ${n} steps of ${STEP_S} s: irate[1m] kept the idle container at ${formerIdle}, the new query at ${now.series.get('idle')?.size ?? 0}`);
      assert.ok(n >= 30);
      assert.ok(formerIdle <= n / 10, `the former query lost the idle container (kept at ${formerIdle} of ${n} steps)`);
      // A control, not the point: the replay runs 25x faster than real time and the stand-in exposes only its
      // latest collection, so on a loaded machine a late scrape can skip a busy collection and leave a gap
      // that a 1-minute window cannot bridge at one or two steps.
      const formerBusy = former.series.get('busy')?.size ?? 0;
      assert.ok(formerBusy >= n - 3, `busy stays with the former query too (at ${formerBusy} of ${n} steps)`);
      const idle = now.series.get('idle');
      const busy = now.series.get('busy');
      assert.equal(idle?.size, n, 'the idle container at every step');
      assert.ok([...(idle?.values() ?? [])].every((v) => v === 0), 'at 0 cores');
      assert.equal(busy?.size, n);
      assert.ok([...(busy?.values() ?? [])].every((v) => Math.abs(v - 0.5) < 0.01), 'busy at 0.5 cores');
      assert.ok(!now.series.has('/'), 'the root cgroup is not a container');
      // The power view's instant query now: both running containers, the stopped one gone.
      const rows = new Map((await client.query(CONTAINER_CPU_QUERY)).map((s) => [s.metric.name, s.value]));
      assert.deepEqual([...rows.keys()].sort(), ['busy', 'idle']);
      assert.equal(rows.get('idle'), 0);
      assert.ok(Math.abs((rows.get('busy') ?? 0) - 0.5) < 0.01);
    });

    it('drops a stopped container with the first scrape after cAdvisor stops exporting it', async () => {
      const now = await range(CONTAINER_CPU_QUERY);
      const ungated = await range(UNGATED_QUERY);
      const worker = now.series.get('worker') ?? new Map<number, number>();
      // During the replay a scrape is 25 s of cAdvisor's time apart (the stack's: 10 s).
      const before = now.steps.filter((t) => t < stopAt - 5_000);
      const after = now.steps.filter((t) => t >= stopAt + 30_000);
      assert.ok(before.length > 0 && before.every((t) => Math.abs((worker.get(t) ?? -1) - 0.25) < 0.01), 'running: 0.25 cores');
      assert.deepEqual(after.filter((t) => worker.has(t)), [], 'gone 30 s after it stopped');
      const lingering = [...(ungated.series.get('worker')?.keys() ?? [])].filter((t) => t >= stopAt + 2 * 60_000);
      assert.ok(lingering.length > 0, 'without the container_last_seen filter the timestamped samples would keep it for minutes');
    });
  });
}

// The Scaphandre stand-in (test/fixtures/scaphandreStandIn.ts) behaves as hubblo-org/scaphandre v1.0.3 does where
// OptiVolt's queries can go wrong: without psys, scaph_host_energy_microjoules is the raw sum of the package and
// DRAM counters (src/sensors/powercap_rapl.rs read_record), so it DROPS when one of them wraps and increase()
// over-counts; host power skips that interval (get_records_diff_power_microwatts); psys hosts are not affected.
import { strict as assert } from 'node:assert';
import { PowercapTree } from '../fixtures/powercapTree';
import { ProcTree } from '../fixtures/procTree';
import { ScaphandreStandIn } from '../fixtures/scaphandreStandIn';

/** Prometheus' counter-reset rule without extrapolation: a lower value is a reset, so the whole new value counts. */
function increase(values: readonly number[]): number {
  let sum = 0;
  for (let i = 1; i < values.length; i++) sum += values[i] >= values[i - 1] ? values[i] - values[i - 1] : values[i];
  return sum;
}

function sampleOf(body: string, name: string, labels = ''): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${name}${labels} `) || (labels === '' && l.startsWith(`${name}{`)));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('Scaphandre stand-in: the raw-sum host energy counter across a RAPL wrap', () => {
  const MAX = 1_000_000_000; // 1 kJ range, so the package wraps within the test
  let procs: ProcTree;
  beforeEach(() => (procs = ProcTree.create([])));
  afterEach(() => procs.dispose());

  it('drops when the package counter wraps; increase() then over-counts by the DRAM counter, and host power skips the interval', () => {
    const power = PowercapTree.create([
      { id: 'intel-rapl:0', name: 'package-0', energyUj: MAX - 1_000_000, maxRangeUj: MAX },
      { id: 'intel-rapl:0:0', name: 'dram', energyUj: 500_000_000, maxRangeUj: MAX },
    ]);
    try {
      let now = 100;
      const s = new ScaphandreStandIn({ powercapRoot: power.root, procRoot: procs.root, now: () => now });
      const energy: number[] = [];
      const hostPower: Array<number | undefined> = [];
      for (let i = 0; i < 3; i++) {
        s.refresh();
        const body = s.exposition();
        energy.push(sampleOf(body, 'scaph_host_energy_microjoules') ?? NaN);
        hostPower.push(sampleOf(body, 'scaph_host_power_microwatts'));
        power.addJoules('intel-rapl:0', 0.6, MAX); // 0.6 J a second: the package wraps between the 2nd and 3rd refresh
        power.addJoules('intel-rapl:0:0', 0.1, MAX);
        now += 1;
      }
      assert.deepEqual(energy, [MAX - 1_000_000 + 500_000_000, MAX - 400_000 + 500_100_000, 200_000 + 500_200_000]);
      assert.ok(energy[2] < energy[1], 'the sum drops at the wrap');
      assert.equal(hostPower[0], undefined, 'one record: no power yet');
      assert.equal(hostPower[1], 700_000, '0.6 + 0.1 J in 1 s');
      assert.equal(hostPower[2], undefined, 'upstream drops the interval where the counter went down');
      const truth = 1.4e6; // two seconds at 0.7 W, in µJ
      const counted = increase(energy);
      assert.ok(counted > 350 * truth, `increase() reads the drop as a reset and counts ${counted / 1e6} J for ${truth / 1e6} J`);
      // Per-domain counters, each reset-handled on its own, stay within one interval of the truth.
      const pkg = [MAX - 1_000_000, MAX - 400_000, 200_000];
      const dram = [500_000_000, 500_100_000, 500_200_000];
      assert.ok(Math.abs(increase(pkg) + increase(dram) - truth) <= 0.6e6, 'per-domain increase() loses at most the wrapped interval');
    } finally {
      power.dispose();
    }
  });

  it('with psys the host counter is psys alone: a package wrap does not show, and value_source says psys', () => {
    const power = PowercapTree.create([
      { id: 'intel-rapl:0', name: 'package-0', energyUj: MAX - 100_000, maxRangeUj: MAX },
      { id: 'intel-rapl:1', name: 'psys', energyUj: 5_000_000 },
    ]);
    try {
      let now = 100;
      const s = new ScaphandreStandIn({ powercapRoot: power.root, procRoot: procs.root, now: () => now });
      s.refresh();
      power.addJoules('intel-rapl:0', 0.5, MAX);
      power.addJoules('intel-rapl:1', 0.8);
      now += 1;
      s.refresh();
      const body = s.exposition();
      assert.equal(sampleOf(body, 'scaph_host_energy_microjoules', '{value_source="powercap_rapl_psys"}'), 5_800_000);
      assert.equal(sampleOf(body, 'scaph_host_power_microwatts', '{value_source="powercap_rapl_psys"}'), 800_000);
      assert.equal(sampleOf(body, 'scaph_socket_power_microwatts'), undefined, 'the package socket wrapped: no socket power this interval');
    } finally {
      power.dispose();
    }
  });

  it('a pkg-only host has no value_source; socket records keep their newline (a blank line follows), HELP/TYPE once per name', () => {
    const power = PowercapTree.create([{ id: 'intel-rapl:0', name: 'package-0', energyUj: 1_000 }]);
    procs.add({ pid: 7, comm: 'a', exe: '/bin/a', cmdline: ['a', '-x'] });
    procs.add({ pid: 8, comm: 'b', cmdline: ['b"q', 'c\\d'] });
    try {
      let now = 100;
      const s = new ScaphandreStandIn({ powercapRoot: power.root, procRoot: procs.root, now: () => now });
      assert.equal(s.scrape(), s.exposition(), 'first request refreshes');
      power.addJoules('intel-rapl:0', 1);
      procs.addTicks(7, 50);
      procs.addHost(50, 150);
      now += 1; // within 2 s of the last request: no refresh
      const same = s.scrape();
      assert.equal(sampleOf(same, 'scaph_host_power_microwatts'), undefined, 'still one record: requests 1 s apart do not refresh');
      now += 3;
      const body = s.scrape();
      assert.match(body, /^scaph_host_power_microwatts \d+$/m);
      assert.match(body, /^scaph_socket_energy_microjoules\{socket_id="0"\} 1001000\n\n/m);
      assert.equal(body.match(/^# HELP scaph_process_cpu_usage_percentage /gm)?.length, 1);
      assert.match(body, /scaph_process_cpu_usage_percentage\{pid="7",exe="\/bin\/a",cmdline="a-x"\} 25\n/);
      assert.match(body, /scaph_process_cpu_usage_percentage\{pid="8",exe="",cmdline="b_qcd"\} 0\n/);
      assert.match(body, /^# HELP scaph_process_power_consumption_microwatts Total data read on disk by the process, in bytes$/m);
    } finally {
      power.dispose();
    }
  });
});

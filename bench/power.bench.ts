// npm run bench: CPU time per sample of each power source, in microseconds (median and p90 of many samples).
// Not a test: it prints figures and never gates on them.
import { EstimateSource } from '../src/core/power/estimate';
import { RaplSource } from '../src/core/power/rapl';
import type { PowerSource } from '../src/core/power/source';
import { twoPackageTree } from '../test/fixtures/powercapTree';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 2000);

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

async function bench(name: string, src: PowerSource, between?: () => void): Promise<void> {
  await src.read(); // prime
  for (let i = 0; i < 50; i++) await src.read(); // warm up
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    between?.();
    const t0 = cpuMicros();
    const r = await src.read();
    times.push(cpuMicros() - t0);
    if (r && !Number.isFinite(r.watts)) throw new Error(`${name}: non-finite Watts`);
  }
  times.sort((a, b) => a - b);
  const q = (p: number): number => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  console.log(
    `${name.padEnd(44)} median ${q(0.5).toFixed(0).padStart(5)} µs CPU/sample   p90 ${q(0.9).toFixed(0).padStart(5)} µs   (${SAMPLES} samples)`,
  );
}

async function main(): Promise<void> {
  console.log(`OptiVolt power-source benchmark — Node ${process.version}, ${process.platform}/${process.arch}`);
  const tree = twoPackageTree();
  let e = 0;
  try {
    await bench('RAPL, 2-package fixture tree (6 zones)', new RaplSource(tree.root), () => {
      e += 1;
      tree.setEnergy('intel-rapl:0', 1_000_000 + e * 1000);
    });
  } finally {
    tree.dispose();
  }
  await bench('estimate, real /proc/stat', new EstimateSource({ model: { kind: 'teads', tdpWatts: 20 } }));
}

void main();

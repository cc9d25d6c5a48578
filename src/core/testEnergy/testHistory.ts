import * as fs from 'node:fs';
import * as path from 'node:path';
import { welchTest } from '../stats/welch';
import type { TestCaseEnergy, TestEnergyReport } from './testReport';

/** Reports kept per workspace (newest last). */
export const MAX_TEST_REPORTS = 20;

/**
 * The workspace's test energy reports, in one JSON file beside its Energy Sessions history (the editor's Measure Test
 * Energy): replaced whole through a temp file and a rename, so a crash never leaves half a file.
 */
export class TestEnergyHistory {
  constructor(readonly file: string) {}

  load(): TestEnergyReport[] {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const v = JSON.parse(text) as { reports?: unknown };
    return Array.isArray(v.reports) ? (v.reports as TestEnergyReport[]).filter((r) => r && r.kind === 'optivolt-test-energy') : [];
  }

  add(report: TestEnergyReport): TestEnergyReport[] {
    let reports: TestEnergyReport[];
    try {
      reports = this.load();
    } catch {
      reports = []; // an unreadable file is replaced by one that reads
    }
    reports = [...reports, report].slice(-MAX_TEST_REPORTS);
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(tmp, JSON.stringify({ version: 1, reports }));
      fs.renameSync(tmp, this.file);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    return reports;
  }
}

export interface TestDelta {
  readonly previousJoules: number;
  readonly deltaJoules: number;
  /** Relative to the previous run's mean (undefined when it was 0). */
  readonly deltaPercent?: number;
  /** Welch's p when both reports have two runs or more of the test; undefined: one run each, no significance. */
  readonly p?: number;
  readonly significant?: boolean;
}

const key = (t: TestCaseEnergy): string => `${t.file ?? ''}\u0000${t.suite}\u0000${t.name}`;

/** Each test of `latest` against the same test (file, suite, name) in `previous`. */
export function testDeltas(latest: TestEnergyReport, previous: TestEnergyReport | undefined): Map<TestCaseEnergy, TestDelta> {
  const out = new Map<TestCaseEnergy, TestDelta>();
  if (!previous) return out;
  const before = new Map(previous.tests.map((t) => [key(t), t]));
  for (const t of latest.tests) {
    const b = before.get(key(t));
    if (!b) continue;
    const d = t.joules - b.joules;
    const both = t.joulesPerRun.length >= 2 && b.joulesPerRun.length >= 2;
    const p = both ? welchTest(b.joulesPerRun, t.joulesPerRun).p : undefined;
    out.set(t, {
      previousJoules: b.joules,
      deltaJoules: d,
      ...(b.joules > 0 ? { deltaPercent: (100 * d) / b.joules } : {}),
      ...(p !== undefined && Number.isFinite(p) ? { p, significant: p < 0.05 } : {}),
    });
  }
  return out;
}

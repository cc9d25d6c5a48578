import * as fs from 'node:fs';
import * as path from 'node:path';

export type TestOutcome = 'passed' | 'failed' | 'skipped' | 'unknown';

/** One test case as a hook recorded it in the process that ran it. */
export interface TestRecord {
  readonly pid: number;
  readonly framework: string;
  readonly name: string;
  readonly suite: string;
  readonly file?: string;
  /** 1-based. */
  readonly line?: number;
  readonly outcome: TestOutcome;
  /** CLOCK_MONOTONIC µs, the timeline's clock. */
  readonly startUs: number;
  readonly endUs: number;
  /** The process's CPU time (user + system, µs) over the test's window. */
  readonly cpuUs: number;
}

export interface HookRecords {
  readonly tests: TestRecord[];
  /** Each recording process's whole CPU time at exit (µs), when it ended normally. */
  readonly exitCpuUs: Map<number, number>;
  /** Lines that could not be read (a process killed while writing one). */
  readonly problems: string[];
}

const OUTCOMES = new Set(['passed', 'failed', 'skipped', 'unknown']);
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** Reads the tests-<pid>.jsonl files the hooks wrote into `dir` (hooksEnv). */
export function readHookRecords(dir: string): HookRecords {
  const tests: TestRecord[] = [];
  const exitCpuUs = new Map<number, number>();
  const problems: string[] = [];
  const files = fs.readdirSync(dir).filter((f) => /^tests-\d+(-t\d+)?\.jsonl$/.test(f));
  for (const f of files.sort()) {
    const lines = fs.readFileSync(path.join(dir, f), 'utf8').split('\n');
    lines.forEach((line, k) => {
      if (line.trim() === '') return;
      let r: Record<string, unknown>;
      try {
        r = JSON.parse(line) as Record<string, unknown>;
      } catch {
        problems.push(`${f} line ${k + 1} is not JSON (a process ended while writing it): skipped`);
        return;
      }
      if (!isNum(r.pid)) return;
      if (r.exit === true) {
        if (isNum(r.cpuUs)) exitCpuUs.set(r.pid, r.cpuUs);
        return;
      }
      if (typeof r.name !== 'string' || !isNum(r.startUs) || !isNum(r.endUs) || r.endUs < r.startUs) {
        problems.push(`${f} line ${k + 1} is not a test record: skipped`);
        return;
      }
      tests.push({
        pid: r.pid,
        framework: typeof r.framework === 'string' ? r.framework : 'unknown',
        name: r.name,
        suite: typeof r.suite === 'string' ? r.suite : '',
        ...(typeof r.file === 'string' && r.file !== '' ? { file: r.file } : {}),
        ...(isNum(r.line) && r.line > 0 ? { line: r.line } : {}),
        outcome: typeof r.outcome === 'string' && OUTCOMES.has(r.outcome) ? (r.outcome as TestOutcome) : 'unknown',
        startUs: r.startUs,
        endUs: r.endUs,
        cpuUs: isNum(r.cpuUs) && r.cpuUs >= 0 ? r.cpuUs : 0,
      });
    });
  }
  return { tests, exitCpuUs, problems };
}

/**
 * The line of a test its hook could not give (mocha): the first line of its file that holds its title in quotes.
 * Files are read once each.
 */
export function findTestLines(tests: readonly TestRecord[]): TestRecord[] {
  const texts = new Map<string, string[] | undefined>();
  return tests.map((t) => {
    if (t.line !== undefined || !t.file) return t;
    if (!texts.has(t.file)) {
      try {
        texts.set(t.file, fs.readFileSync(t.file, 'utf8').split('\n'));
      } catch {
        texts.set(t.file, undefined);
      }
    }
    const lines = texts.get(t.file);
    const k = lines?.findIndex((l) => ['"', "'", '`'].some((q) => l.includes(`${q}${t.name}${q}`))) ?? -1;
    return k >= 0 ? { ...t, line: k + 1 } : t;
  });
}

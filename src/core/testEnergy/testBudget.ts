import * as fs from 'node:fs';
import { summarize } from '../stats/descriptive';
import type { TestCaseEnergy } from './testReport';

/** A test's limit in Joules, by its name or its full name ('suite > name'). */
export type TestBudgets = ReadonlyMap<string, number>;

export type BudgetVerdict = 'over' | 'within-noise' | 'within';

export interface BudgetCheck {
  readonly test: string;
  readonly file?: string;
  readonly limitJoules: number;
  readonly meanJoules: number;
  /** 95% CI of the mean over the runs (absent for a single run). */
  readonly ci95?: readonly [number, number];
  readonly runs: number;
  /**
   * over: the mean is above the limit, and with two runs or more its 95% CI is all above it too; within-noise: the
   * mean is above the limit but the CI reaches below it; within: the mean is at or below the limit.
   */
  readonly verdict: BudgetVerdict;
}

const fullName = (t: { suite: string; name: string }): string => (t.suite ? `${t.suite} > ${t.name}` : t.name);

/**
 * Reads a budget file: `{ "test name": maxJoules, ... }` (a test's name or 'suite > name'), or a previous
 * `optivolt test --json` output, whose tests' mean Joules become their limits.
 */
export function readTestBudgets(file: string): TestBudgets {
  let v: unknown;
  try {
    v = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read the budget file ${file}: ${(err as Error).message}`, { cause: err });
  }
  const out = new Map<string, number>();
  if (v && typeof v === 'object' && (v as { kind?: unknown }).kind === 'optivolt-test-energy') {
    const tests = (v as { tests?: unknown }).tests;
    if (!Array.isArray(tests)) throw new Error(`the budget file ${file} is an optivolt test output without a tests list`);
    for (const t of tests as { name?: unknown; suite?: unknown; joules?: unknown }[])
      if (typeof t.name === 'string' && typeof t.joules === 'number' && t.joules >= 0)
        out.set(fullName({ suite: typeof t.suite === 'string' ? t.suite : '', name: t.name }), t.joules);
    return out;
  }
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw new Error(`the budget file ${file} must be a JSON object of "test name": maxJoules, or an optivolt test --json output`);
  for (const [k, j] of Object.entries(v as Record<string, unknown>)) {
    if (typeof j !== 'number' || !Number.isFinite(j) || j < 0)
      throw new Error(`the budget file ${file}: "${k}" must be a number of Joules >= 0 (got ${JSON.stringify(j)})`);
    out.set(k, j);
  }
  if (out.size === 0) throw new Error(`the budget file ${file} names no test`);
  return out;
}

/** Each budgeted test's verdict; budget names no test ran are returned apart. */
export function checkTestBudgets(tests: readonly TestCaseEnergy[], budgets: TestBudgets): { checks: BudgetCheck[]; missing: string[] } {
  const checks: BudgetCheck[] = [];
  const used = new Set<string>();
  for (const t of tests) {
    const key = budgets.has(fullName(t)) ? fullName(t) : budgets.has(t.name) ? t.name : undefined;
    if (key === undefined) continue;
    used.add(key);
    const limit = budgets.get(key) ?? 0;
    const s = summarize(t.joulesPerRun.length ? t.joulesPerRun : [t.joules]);
    const verdict: BudgetVerdict = !(s.mean > limit) ? 'within' : s.ci95 === undefined || s.ci95[0] > limit ? 'over' : 'within-noise';
    checks.push({
      test: fullName(t),
      ...(t.file !== undefined ? { file: t.file } : {}),
      limitJoules: limit,
      meanJoules: s.mean,
      ...(s.ci95 ? { ci95: s.ci95 } : {}),
      runs: s.n,
      verdict,
    });
  }
  return { checks, missing: [...budgets.keys()].filter((k) => !used.has(k)) };
}

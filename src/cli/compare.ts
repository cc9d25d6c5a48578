import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { replaceFile, writeTempFile } from '../core/energy/sessionFiles';
import { errorMessage } from '../core/errors';
import { compareMeasurements, EnergyComparison } from '../core/reports/energyComparison';
import { changeText, effectText, intervalText, methodText, pText, sideText, thresholdText, verdictReason } from '../core/reports/figures';
import { InputError, pairMeasurements, readMeasurements } from '../core/reports/inputs';
import { junitXml } from '../core/reports/junit';
import { markdownReport } from '../core/reports/markdown';
import { Hotspot, hotspots, readProfile } from '../core/reports/profileHotspots';
import { sarifLog } from '../core/reports/sarif';
import { DEFAULT_SEED, DEFAULT_THRESHOLD_PERCENT } from '../core/stats/verdict';
import { parseFlags, UsageError } from './flags';

export const COMPARE_USAGE = `Usage: optivolt compare [options] BEFORE.json AFTER.json

Compares the energy of the runs in BEFORE and AFTER: files written by \`optivolt measure --json --repeat N\`
(--json-file), or the editor's Energy Sessions export (JSON; its configurations are compared by name).
Reports ΔE in J and %, its 95% confidence interval (Welch's t; a seeded bootstrap-t when both sides have 8 or more
runs and one is skewed), p and Hedges' g, and a verdict:
  regression            the energy rose by more than --threshold AND the 95% interval excludes 0
  improvement           the energy fell likewise
  no detectable change  anything else, with the runs per side that would tell a change of the threshold's size
                        from the noise seen (80% of the time)
and the traps that apply: an estimated source, runs too short for the source, other load during runs, before and
after measured on different sources or hosts.

Options:
  --threshold P            the smallest change that counts, in % of BEFORE (default ${DEFAULT_THRESHOLD_PERCENT}%; 0: significance alone)
  --report junit=FILE      JUnit XML: a testcase per measurement, a failure per regression
  --report sarif=FILE      SARIF 2.1.0: a result per regression
  --report markdown=FILE   the verdict table (with GITHUB_STEP_SUMMARY set it is also appended there); --report
                           is repeatable, one per format, each FILE in an existing folder, written whole or not at all
  --profile-before FILE    energy profiles (optivolt profile) of BEFORE and AFTER: SARIF results then point at the
  --profile-after FILE     functions whose energy grew most (with only --profile-after: that use the most)
  --seed N                 the bootstrap's seed (default ${DEFAULT_SEED}), for reproducible intervals
  --json                   print one JSON object instead of the text
  -h, --help               this help

Exit code: 0 no regression (improvement or no detectable change), 1 at least one regression, 2 bad usage, a file
that cannot be read or compared (too few runs, no measurement in both files), or a report that cannot be written.`;

const FORMATS = ['junit', 'sarif', 'markdown'] as const;
type Format = (typeof FORMATS)[number];

interface CompareArgs {
  readonly before: string;
  readonly after: string;
  readonly thresholdPercent: number;
  readonly reports: ReadonlyMap<Format, string>;
  readonly profileBefore?: string;
  readonly profileAfter?: string;
  readonly seed: number;
  readonly json: boolean;
}

export function parseCompareArgs(argv: string[]): CompareArgs | 'help' {
  const { values: v, positionals } = parseFlags(
    argv,
    {
      threshold: { type: 'string' },
      report: { type: 'string', multiple: true },
      'profile-before': { type: 'string' },
      'profile-after': { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    true,
  );
  if (v.help) return 'help';
  if (positionals.length !== 2)
    throw new UsageError(`compare needs two files, BEFORE and AFTER (got ${positionals.length}): optivolt compare BEFORE.json AFTER.json`);
  const rawThreshold = v.threshold ?? `${DEFAULT_THRESHOLD_PERCENT}`;
  const threshold = Number(rawThreshold.replace(/%$/, ''));
  if (rawThreshold.trim() === '' || !Number.isFinite(threshold) || threshold < 0 || threshold >= 1000)
    throw new UsageError(`--threshold must be a percentage from 0 to 999, e.g. 5% (got "${rawThreshold}")`);
  const reports = new Map<Format, string>();
  for (const r of v.report ?? []) {
    const m = /^([a-z]+)=(.+)$/.exec(r);
    if (!m || !FORMATS.includes(m[1] as Format))
      throw new UsageError(`--report must be ${FORMATS.map((f) => `${f}=FILE`).join(', ')} (got "${r}")`);
    if (reports.has(m[1] as Format)) throw new UsageError(`--report ${m[1]} is given twice`);
    // Said before any work, and no folder made on the way: a typo in a CI path should fail, not scatter folders.
    if (!fs.statSync(path.dirname(path.resolve(m[2])), { throwIfNoEntry: false })?.isDirectory())
      throw new UsageError(`--report ${m[1]}=FILE needs a file in an existing folder (got "${m[2]}")`);
    reports.set(m[1] as Format, m[2]);
  }
  if (v['profile-before'] !== undefined && v['profile-after'] === undefined)
    throw new UsageError('--profile-before needs --profile-after (the functions are located in the after version)');
  const seedRaw = v.seed ?? String(DEFAULT_SEED);
  if (!/^\d+$/.test(seedRaw) || Number(seedRaw) > 2 ** 32 - 1)
    throw new UsageError(`--seed must be a whole number from 0 to 4294967295 (got "${seedRaw}")`);
  return {
    before: positionals[0],
    after: positionals[1],
    thresholdPercent: threshold,
    reports,
    profileBefore: v['profile-before'],
    profileAfter: v['profile-after'],
    seed: Number(seedRaw),
    json: v.json ?? false,
  };
}

function comparisonsOf(a: CompareArgs): { comparisons: EnergyComparison[]; notes: string[] } {
  try {
    const { pairs, unmatched } = pairMeasurements(readMeasurements(a.before), readMeasurements(a.after));
    const notes = unmatched.map((u) => `not compared: ${u}`);
    const comparisons: EnergyComparison[] = [];
    for (const pair of pairs) {
      // In a sessions export, a configuration run once is left out (said); in a measure file it is the whole input.
      const few = [pair.before, pair.after].find((m) => m.runs.length < 2);
      if (few && pairs.length > 1) notes.push(`not compared: "${few.name}" has ${few.runs.length} run in ${few.file}`);
      else comparisons.push(compareMeasurements(pair, { thresholdPercent: a.thresholdPercent, seed: a.seed }));
    }
    if (comparisons.length === 0) throw new InputError(`nothing to compare: ${notes.join('; ')}`);
    return { comparisons, notes };
  } catch (err) {
    if (err instanceof InputError || err instanceof RangeError) throw new UsageError(err.message);
    throw err;
  }
}

function hotspotsOf(a: CompareArgs, comparisons: EnergyComparison[]): Map<string, readonly Hotspot[]> | undefined {
  if (a.profileAfter === undefined) return undefined;
  if (comparisons.length !== 1) throw new UsageError(`--profile-after needs a single compared measurement (have ${comparisons.length})`);
  try {
    const spots = hotspots(readProfile(a.profileAfter), a.profileBefore === undefined ? undefined : readProfile(a.profileBefore));
    return new Map([[comparisons[0].name, spots]]);
  } catch (err) {
    if (err instanceof InputError) throw new UsageError(err.message);
    throw err;
  }
}

function textReport(comparisons: readonly EnergyComparison[], notes: readonly string[]): string {
  const out: string[] = [];
  for (const c of comparisons) {
    const s = c.statistics;
    out.push(`"${c.name}": ${s.verdict.toUpperCase()} (${thresholdText(s)})`);
    out.push(`  before: ${sideText(s.meanBefore, s.sdBefore, s.runsBefore)}   after: ${sideText(s.meanAfter, s.sdAfter, s.runsAfter)}`);
    out.push(`  ΔE ${changeText(s)}, 95% CI ${intervalText(s)}, ${pText(s.p)}, ${effectText(s)}, ${methodText(s)}`);
    out.push(`  ${verdictReason(c)}`);
    for (const t of c.traps) out.push(`  trap: ${t.message}`);
  }
  for (const n of notes) out.push(n);
  return `${out.join('\n')}\n`;
}

function writeReport(file: string, text: string): void {
  try {
    replaceFile(writeTempFile(file, text), file);
  } catch (err) {
    throw new UsageError(`cannot write the report ${file}: ${errorMessage(err)}`);
  }
}

export async function runCompare(argv: string[], toolVersion: string): Promise<number> {
  const a = parseCompareArgs(argv);
  if (a === 'help') {
    process.stdout.write(`${COMPARE_USAGE}\n`);
    return 0;
  }
  const { comparisons, notes } = comparisonsOf(a);
  const spots = hotspotsOf(a, comparisons);
  const markdown = markdownReport(comparisons, notes);
  for (const [format, file] of a.reports) {
    if (format === 'junit') writeReport(file, junitXml(comparisons, { timestamp: new Date(), hostname: os.hostname() }));
    if (format === 'sarif')
      writeReport(file, `${JSON.stringify(sarifLog(comparisons, { toolVersion, root: process.cwd(), hotspots: spots }), null, 2)}\n`);
    if (format === 'markdown') writeReport(file, markdown);
  }
  const summary = process.env.GITHUB_STEP_SUMMARY;
  if (summary) {
    try {
      fs.appendFileSync(summary, `${markdown}\n`);
    } catch (err) {
      throw new UsageError(`cannot append to GITHUB_STEP_SUMMARY (${summary}): ${errorMessage(err)}`);
    }
  }
  const regressions = comparisons.filter((c) => c.statistics.verdict === 'regression').length;
  if (a.json) {
    const json = {
      thresholdPercent: a.thresholdPercent,
      verdict: regressions > 0 ? 'regression' : 'no regression',
      comparisons: comparisons.map((c) => ({ ...c, ...(spots?.get(c.name) ? { hotspots: spots.get(c.name) } : {}) })),
      notes,
    };
    process.stdout.write(`${JSON.stringify(json)}\n`);
  } else process.stdout.write(textReport(comparisons, notes));
  return regressions > 0 ? 1 : 0;
}

// The verdict table in Markdown, for a pull request comment or GitHub's step summary (GITHUB_STEP_SUMMARY).
import type { EnergyComparison } from './energyComparison';
import { changeText, effectText, intervalText, methodText, pText, sideText, verdictReason } from './figures';

/** Text safe inside a table cell: no pipe, no line break, no HTML. */
function cell(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/</g, '&lt;')
    .replace(/[\r\n]+/g, ' ');
}

const VERDICT = { regression: '❌ **regression**', improvement: '✅ improvement', 'no detectable change': 'no detectable change' } as const;

export function markdownReport(comparisons: readonly EnergyComparison[], notes: readonly string[] = []): string {
  const regressions = comparisons.filter((c) => c.statistics.verdict === 'regression').length;
  const threshold = comparisons[0]?.statistics.thresholdPercent ?? 0;
  const lines = [
    `### OptiVolt energy: ${regressions === 0 ? 'no regression' : regressions === 1 ? '1 regression' : `${regressions} regressions`}`,
    '',
    `Threshold ${threshold}%, 95% confidence intervals. A regression is a change beyond the threshold whose interval excludes 0.`,
    '',
    '| Measurement | Before | After | ΔE | 95% CI | p | Effect | Verdict |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const c of comparisons) {
    const s = c.statistics;
    lines.push(
      `| ${cell(c.name)} | ${cell(sideText(s.meanBefore, s.sdBefore, s.runsBefore))} | ${cell(sideText(s.meanAfter, s.sdAfter, s.runsAfter))} | ${cell(changeText(s))} | ${cell(intervalText(s))} | ${cell(pText(s.p))} | ${cell(effectText(s))} | ${VERDICT[s.verdict]} |`,
    );
  }
  lines.push('');
  for (const c of comparisons) {
    lines.push(`- **${cell(c.name)}**: ${cell(verdictReason(c))} (${methodText(c.statistics)})`);
    for (const t of c.traps) lines.push(`  - ⚠️ ${cell(t.message)}`);
  }
  for (const n of notes) lines.push(`- ${cell(n)}`);
  lines.push('');
  return lines.join('\n');
}

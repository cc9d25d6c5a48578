// JUnit XML as CI servers read it (Jenkins' junit-10.xsd, which GitLab and GitHub test reporters also accept): one
// testsuite, a testcase per compared measurement, a failure for each regression. The schema gives a testcase no
// properties, so each measurement's figures are testsuite properties named "<measurement>: <figure>" and its text.
import type { EnergyComparison } from './energyComparison';
import { changeText, effectText, intervalText, methodText, pText, sideText, verdictReason } from './figures';

/** Escapes text for an attribute or element; drops characters XML 1.0 cannot hold. */
export function xmlEscape(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const seconds = (s: number): string => s.toFixed(3);

function properties(c: EnergyComparison): [string, string][] {
  const s = c.statistics;
  const figures: [string, string][] = [
    ['verdict', s.verdict],
    ['meanBeforeJoules', String(s.meanBefore)],
    ['meanAfterJoules', String(s.meanAfter)],
    ['sdBeforeJoules', String(s.sdBefore)],
    ['sdAfterJoules', String(s.sdAfter)],
    ['runsBefore', String(s.runsBefore)],
    ['runsAfter', String(s.runsAfter)],
    ['deltaJoules', String(s.differenceJoules)],
    ['deltaPercent', s.differencePercent === undefined ? '' : String(s.differencePercent)],
    ['ci95LowJoules', String(s.ci95Joules[0])],
    ['ci95HighJoules', String(s.ci95Joules[1])],
    ['p', String(s.p)],
    ['hedgesG', s.effect ? String(s.effect.hedgesG) : ''],
    ['method', s.method],
    ['thresholdPercent', String(s.thresholdPercent)],
  ];
  if (s.runsNeeded !== undefined) figures.push(['runsNeeded', String(s.runsNeeded)]);
  return figures.map(([k, v]) => [`${c.name}: ${k}`, v]);
}

/** The figures as text, for the testcase's system-out and the failure's body. */
export function comparisonText(c: EnergyComparison): string {
  const s = c.statistics;
  const lines = [
    `before: ${sideText(s.meanBefore, s.sdBefore, s.runsBefore)} (${c.before.file})`,
    `after: ${sideText(s.meanAfter, s.sdAfter, s.runsAfter)} (${c.after.file})`,
    `change: ${changeText(s)}, 95% CI ${intervalText(s)}, ${pText(s.p)}, ${effectText(s)}, ${methodText(s)}`,
    verdictReason(c),
    ...c.traps.map((t) => `trap: ${t.message}`),
  ];
  return lines.join('\n');
}

export function junitXml(comparisons: readonly EnergyComparison[], opts: { timestamp: Date; hostname: string }): string {
  const failures = comparisons.filter((c) => c.statistics.verdict === 'regression').length;
  const total = comparisons.reduce((t, c) => t + c.after.meanDurationSeconds, 0);
  const attrs = `tests="${comparisons.length}" failures="${failures}" errors="0"`;
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="optivolt compare" ${attrs} time="${seconds(total)}">`,
    `  <testsuite name="energy" ${attrs} skipped="0" time="${seconds(total)}" timestamp="${opts.timestamp.toISOString().slice(0, 19)}" hostname="${xmlEscape(opts.hostname)}">`,
    '    <properties>',
  ];
  for (const c of comparisons)
    for (const [k, v] of properties(c)) out.push(`      <property name="${xmlEscape(k)}" value="${xmlEscape(v)}"/>`);
  out.push('    </properties>');
  for (const c of comparisons) {
    const s = c.statistics;
    out.push(`    <testcase name="${xmlEscape(c.name)}" classname="optivolt.energy" time="${seconds(c.after.meanDurationSeconds)}">`);
    if (s.verdict === 'regression') {
      const message = `energy regression: ${changeText(s)} (95% CI ${intervalText(s)}, ${pText(s.p)})`;
      out.push(`      <failure type="energy-regression" message="${xmlEscape(message)}">${xmlEscape(comparisonText(c))}</failure>`);
    }
    out.push(`      <system-out>${xmlEscape(comparisonText(c))}</system-out>`);
    out.push('    </testcase>');
  }
  out.push('  </testsuite>', '</testsuites>', '');
  return out.join('\n');
}

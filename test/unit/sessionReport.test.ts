// The Energy Sessions view's text over real records: the summary line, the Markdown of one measurement and of a
// comparison (with and without enough runs to judge noise), which runs a comparison sets side by side, and the
// shelf of reports kept for reopening. Only "Started" follows the machine's locale, as the view's does.
import { strict as assert } from 'node:assert';
import { compare } from '../../src/core/energy/compare';
import {
  comparisonFor,
  comparisonMarkdown,
  isComparable,
  MISSING_REPORT,
  recordMarkdown,
  ReportShelf,
  reportPath,
  sessionSummary,
} from '../../src/core/energy/sessionReport';
import type { SessionRecord } from '../../src/core/energy/sessionRecord';
import { sessionRecord } from '../fixtures/sessionHistory';

const started = (r: SessionRecord): string => new Date(r.startedAt).toLocaleString();
const BASE = Date.UTC(2026, 0, 1);

/** Six runs of task "npm test", a minute apart: three near 100 J, then three near 80 J; newest first, as the store lists them. */
function npmTestRuns(): SessionRecord[] {
  return [100, 102, 98, 80, 81, 79]
    .map((e, i) =>
      sessionRecord({
        id: `t${i}`,
        name: `npm test #${i}`,
        config: 'npm test',
        kind: 'task',
        startedAt: BASE + i * 60_000,
        energyJoules: e,
        averageWatts: e / 12.5,
        hostEnergyAboveBaselineJoules: e,
      }),
    )
    .reverse();
}

describe('session reports', () => {
  it('summarises a record as energy and duration', () => {
    assert.equal(sessionSummary(sessionRecord()), '150 J · 12.5 s');
  });

  it('reports one measurement: every figure, the pause at breakpoints, the source', () => {
    const r = sessionRecord();
    assert.equal(
      recordMarkdown(r),
      [
        '# Launch app',
        '',
        '| | |',
        '|:--|:--|',
        '| Kind | debug |',
        '| Configuration | Launch app |',
        `| Started | ${started(r)} |`,
        '| Duration | 12.50 s (of which 2.0 s paused at breakpoints, when the program draws ~0) |',
        '| Program energy | 150 J (0.0417 Wh) |',
        '| Program power | average 12.0 W, peak 30.5 W |',
        '| Host energy | 600 J; 140 J above the 36.8 W baseline |',
        '| Cost | 0.000013 EUR at 0.3 EUR/kWh |',
        '| CO2 | 0.02 g CO2e |',
        '| Source | rapl |',
        '| Processes | 101, 102 |',
        '',
        '',
      ].join('\n'),
    );
  });

  it('says an estimate is one, escapes pipes in cells, and quotes the note', () => {
    const r = sessionRecord({
      config: 'npm run a|b',
      pausedSeconds: 0,
      energyJoules: 120,
      averageWatts: 9.6,
      hostEnergyAboveBaselineJoules: -3,
      estimated: true,
      source: 'estimate',
      pids: [],
      cost: 0.00001,
      co2Grams: 1500,
      note: "debuggee pid unknown: measured the adapter's children",
    });
    const md = recordMarkdown(r).split('\n');
    assert.deepEqual(md.slice(5, 15), [
      '| Configuration | npm run a\\|b |',
      `| Started | ${started(r)} |`,
      '| Duration | 12.50 s |',
      '| Program energy | 120 J (0.0333 Wh) |',
      '| Program power | average 9.6 W, peak 30.5 W |',
      '| Host energy | 600 J; -3.00 J above the 36.8 W baseline |',
      '| Cost | 0.000010 EUR at 0.3 EUR/kWh |',
      '| CO2 | 1.50 kg CO2e |',
      '| Source | estimate — an ESTIMATE from CPU load, not a measurement |',
      '| Processes | — |',
    ]);
    assert.deepEqual(md.slice(15), ['', "> debuggee pid unknown: measured the adapter's children"]);
  });

  it('compares a run with the previous run of its configuration, with the noise once each side has three runs', () => {
    const all = npmTestRuns();
    const t3 = all.find((r) => r.id === 't3')!;
    const c = comparisonFor(t3, all);
    assert.ok(c);
    assert.deepEqual([c.a.id, c.b.id], ['t2', 't3']);
    assert.equal(
      comparisonMarkdown(c),
      [
        '# npm test #2 vs npm test #3',
        '',
        '| | Before | After |',
        '|:--|--:|--:|',
        `| Started | ${started(c.a)} | ${started(c.b)} |`,
        '| Duration | 12.50 s | 12.50 s |',
        '| Program energy | 98 J | 80 J |',
        '| Average power | 7.8 W | 6.4 W |',
        '| Host above baseline | 98 J | 80 J |',
        '',
        '**"npm test #3" used 18.4% less energy than "npm test #2" (80 J vs 98 J); the means over 3 and 3 runs (100 J vs 80 J) differ by more than run-to-run noise.**',
        '',
        'Run-to-run noise: σ 2.00 J over 3 runs, σ 1.00 J over 3 runs.',
      ].join('\n'),
    );
  });

  it('compares two selected runs older first, and says when the runs cannot tell noise yet', () => {
    const all = npmTestRuns();
    const [t5, t0] = [all[0], all[5]];
    const c = comparisonFor(t5, all, t0);
    assert.ok(c);
    assert.deepEqual([c.a.id, c.b.id], ['t0', 't5']);
    const md = comparisonMarkdown(c).split('\n');
    assert.equal(md[0], '# npm test #0 vs npm test #5');
    assert.equal(md[6], '| Program energy | 100 J | 79 J |');
    assert.deepEqual(md.slice(9), [
      '',
      '**"npm test #5" used 21.0% less energy than "npm test #0" (79 J vs 100 J); run this configuration at least 3 times up to the older run and 3 times after it to tell a real change from noise (have 1 and 5).**',
      '',
    ]);
    assert.deepEqual(comparisonFor(t0, all, t5), c, 'the same comparison whichever was selected first');
    assert.deepEqual(c, compare(t0, t5, all));
  });

  it('offers Compare only for a configuration run twice of the same kind, and has nothing before the first run', () => {
    const all = npmTestRuns();
    const debug = sessionRecord({ id: 'd', config: 'npm test', kind: 'debug', startedAt: BASE + 600_000 });
    const history = [debug, ...all];
    assert.equal(isComparable(debug, history), false, 'a launch config named like a task is not its run');
    assert.equal(isComparable(all[0], history), true);
    assert.equal(comparisonFor(all[5], history), undefined, 'the first run has no previous one');
  });

  it('shelves reports by a file-safe path, keeps the newest 50, and says when one was dropped', () => {
    assert.equal(reportPath('a~b', 'x: "y" / z?'), '/a~b/x_ _y_ _ z_.md');
    assert.equal(reportPath('id 1/2', 'T'), '/id%201%2F2/T.md');
    const shelf = new ReportShelf();
    assert.equal(shelf.put('/r0', 'first'), false);
    assert.equal(shelf.put('/r0', 'again'), true, 'an open document of it must be told');
    for (let i = 1; i <= 50; i++) shelf.put(`/r${i}`, `report ${i}`);
    assert.equal(shelf.get('/r0'), MISSING_REPORT, 'the oldest of 51 is dropped');
    assert.equal(shelf.get('/r1'), 'report 1');
    assert.equal(shelf.get('/r50'), 'report 50');
    assert.match(MISSING_REPORT, /^# This report is no longer available\n\nOpen it again from the Energy Sessions view\.$/);
  });
});

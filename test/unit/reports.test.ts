// The reports of `optivolt compare` (src/core/reports): JUnit XML valid against Jenkins' junit-10.xsd (libxml2),
// SARIF valid against the official 2.1.0 schema (Ajv), the Markdown table, and the traps, from synthetic runs whose
// verdicts are known. The validators are shown to reject broken documents, so a pass means something.
import { strict as assert } from 'node:assert';
import { compareMeasurements, EnergyComparison, trapsOf } from '../../src/core/reports/energyComparison';
import type { Measurement, RunSample } from '../../src/core/reports/inputs';
import { junitXml, xmlEscape } from '../../src/core/reports/junit';
import { markdownReport } from '../../src/core/reports/markdown';
import { hotspots } from '../../src/core/reports/profileHotspots';
import { RULE_ID, sarifLog } from '../../src/core/reports/sarif';
import type { EnergyProfile, FunctionEnergy } from '../../src/shared/energyProfile';
import { junitSchemaErrors, sarifSchemaErrors } from '../fixtures/reportSchemas';

const run = (energyJoules: number, extra: Partial<RunSample> = {}): RunSample => ({
  energyJoules,
  durationSeconds: 3,
  hostEnergyAboveBaselineJoules: energyJoules * 0.8,
  source: 'rapl',
  estimated: false,
  ...extra,
});

function measurement(name: string, energies: number[], extra: Partial<Measurement> = {}, runExtra: Partial<RunSample> = {}): Measurement {
  return {
    name,
    file: `${name}.json`,
    origin: 'measure',
    runs: energies.map((e) => run(e, runExtra)),
    host: 'ci-1',
    intervalSeconds: 0.5,
    ...extra,
    key: extra.key ?? name,
  };
}

const BEFORE = [100, 102, 99, 101, 100];
const SAME = [101, 99, 100, 102, 100];
const WORSE = [130, 131, 129, 132, 130];

function comparisons(): EnergyComparison[] {
  return [
    compareMeasurements({ before: measurement('npm test', BEFORE), after: measurement('npm test', WORSE) }, { thresholdPercent: 5 }),
    compareMeasurements(
      { before: measurement('build <&"\'|>', BEFORE), after: measurement('build <&"\'|>', SAME) },
      { thresholdPercent: 5 },
    ),
  ];
}

function profile(functions: Partial<FunctionEnergy>[]): EnergyProfile {
  return {
    version: 1,
    command: ['node', 'app.js'],
    cwd: '/repo',
    startedAt: '2026-01-01T00:00:00Z',
    durationSeconds: 3,
    totalJoules: 100,
    source: 'rapl',
    estimated: false,
    model: 'test',
    limits: [],
    runs: 1,
    intervalUs: 1000,
    processes: [],
    frames: [],
    nodes: [],
    functions: functions.map((f) => ({ name: 'f', selfJoules: 0, totalJoules: 0, share: 0, samples: 1, ...f })),
    lines: [],
  };
}

describe('compare reports (src/core/reports)', function () {
  this.timeout(30000);

  it('JUnit XML: valid against junit-10.xsd, a testcase each, a failure for the regression only', async () => {
    const xml = junitXml(comparisons(), { timestamp: new Date('2026-11-28T05:00:00Z'), hostname: 'ci-1' });
    assert.deepEqual(await junitSchemaErrors(xml), []);
    assert.match(xml, /<testsuite name="energy" tests="2" failures="1" errors="0"/);
    assert.equal((xml.match(/<testcase /g) ?? []).length, 2);
    assert.equal((xml.match(/<failure /g) ?? []).length, 1);
    assert.match(
      xml,
      /<testcase name="npm test"[^>]*>\s*<failure type="energy-regression" message="energy regression: \+30 J \(\+29\.9%\)/,
    );
    assert.match(xml, /<property name="npm test: verdict" value="regression"\/>/);
    assert.match(xml, /<property name="build &lt;&amp;&quot;&apos;\|&gt;: verdict" value="no detectable change"\/>/);
  });

  it('the JUnit validator rejects what CI servers would not read (so its pass means something)', async () => {
    const errors = await junitSchemaErrors('<testsuites><testsuite name="x" tests="1"><testcase/></testsuite></testsuites>');
    assert.ok(
      errors.some((e) => /failures/.test(e)),
      errors.join('\n'),
    );
    assert.ok(
      errors.some((e) => /name/.test(e)),
      errors.join('\n'),
    );
  });

  it('XML escaping drops characters XML 1.0 cannot hold and escapes the rest', () => {
    assert.equal(xmlEscape('a\u0000b\u001b<c>&"\'\u{1F600}'), 'ab&lt;c&gt;&amp;&quot;&apos;\u{1F600}');
  });

  it('SARIF: valid against the official 2.1.0 schema, one result for the regression, no location without a profile', () => {
    const log = sarifLog(comparisons(), { toolVersion: '0.1.0', root: '/repo' }) as { runs: { results: Record<string, unknown>[] }[] };
    assert.deepEqual(sarifSchemaErrors(log), []);
    const results = log.runs[0].results;
    assert.equal(results.length, 1);
    assert.equal(results[0].ruleId, RULE_ID);
    assert.equal(results[0].level, 'error');
    assert.equal(results[0].locations, undefined);
    assert.match((results[0].message as { text: string }).text, /Energy regression in "npm test": \+30 J \(\+29\.9%\), 95% CI/);
  });

  it('the SARIF validator rejects a broken log', () => {
    assert.notDeepEqual(sarifSchemaErrors({ version: '2.1.0', runs: [{ tool: { driver: {} }, results: [{ level: 'fatal' }] }] }), []);
    assert.notDeepEqual(sarifSchemaErrors({ version: '2.0.0', runs: [] }), []);
  });

  it('SARIF with profiles points at the functions whose energy grew most, relative to the source root', () => {
    const before = profile([
      { name: 'parse', file: '/repo/src/parse.ts', line: 10, selfJoules: 40 },
      { name: 'render', file: '/repo/src/render.ts', line: 5, selfJoules: 30 },
      { name: '(idle)', synthetic: true, selfJoules: 5 },
    ]);
    const after = profile([
      { name: 'render', file: '/repo/src/render.ts', line: 5, selfJoules: 55 },
      { name: 'parse', file: '/repo/src/parse.ts', line: 10, selfJoules: 41 },
      { name: 'newHelper', file: '/repo/src/new helper.ts', line: 3, selfJoules: 4 },
      { name: 'libcall', file: '/usr/lib/node/x.js', line: 1, selfJoules: 2 },
      { name: '(idle)', synthetic: true, selfJoules: 50 },
    ]);
    const spots = hotspots(after, before);
    assert.deepEqual(
      spots.map((h) => [h.name, h.deltaJoules]),
      [
        ['render', 25],
        ['newHelper', 4],
        ['libcall', 2],
      ],
    );
    assert.deepEqual(
      hotspots(after).map((h) => h.name),
      ['render', 'parse', 'newHelper'],
      'without a before profile: the largest',
    );
    const log = sarifLog(comparisons(), { toolVersion: '0.1.0', root: '/repo', hotspots: new Map([['npm test', spots]]) }) as {
      runs: {
        results: {
          locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region?: { startLine: number } } }[];
        }[];
      }[];
    };
    assert.deepEqual(sarifSchemaErrors(log), []);
    const locs = log.runs[0].results[0].locations.map((l) => l.physicalLocation);
    assert.deepEqual(locs[0], { artifactLocation: { uri: 'src/render.ts', uriBaseId: '%SRCROOT%' }, region: { startLine: 5 } });
    assert.equal(locs[1].artifactLocation.uri, 'src/new%20helper.ts');
    assert.equal(locs[2].artifactLocation.uri, 'file:///usr/lib/node/x.js');
  });

  it('Markdown: the verdict table, cells safe from pipes and HTML, the reasons and traps below', () => {
    const md = markdownReport(comparisons());
    assert.match(md, /^### OptiVolt energy: 1 regression$/m);
    assert.match(
      md,
      /^\| npm test \| 100 J ± 1\.14 J \(5 runs\) \| 130 J ± 1\.14 J \(5 runs\) \| \+30 J \(\+29\.9%\) \| .* \| ❌ \*\*regression\*\* \|$/m,
    );
    assert.match(md, /^\| build &lt;&"'\\\|> \| /m);
    assert.match(md, /no detectable change \|$/m);
    assert.match(md, /runs on each side would tell a 5% change from this noise/);
    // Every table row has the header's 8 cells (an unescaped pipe would add one).
    for (const row of md.split('\n').filter((l) => l.startsWith('| ')))
      assert.equal(row.replace(/\\\|/g, '').split('|').length - 2, 8, row);
  });

  it('traps: estimated source, short runs, other load, different sources and hosts, each only when it applies', () => {
    const ids = (before: Measurement, after: Measurement): string[] => trapsOf({ before, after }).map((t) => t.id);
    assert.deepEqual(ids(measurement('a', BEFORE), measurement('a', SAME)), []);
    assert.deepEqual(
      ids(
        measurement('a', BEFORE, {}, { estimated: true, source: 'estimate' }),
        measurement('a', SAME, {}, { estimated: true, source: 'estimate' }),
      ),
      ['estimated-source'],
    );
    // 0.8 s runs under a 0.5 s interval: fewer than 2 samples each.
    assert.deepEqual(ids(measurement('a', BEFORE), measurement('a', SAME, {}, { durationSeconds: 0.8 })), ['short-runs']);
    assert.deepEqual(
      ids(
        measurement('a', BEFORE, { intervalSeconds: undefined }),
        measurement('a', SAME, { intervalSeconds: undefined }, { durationSeconds: 0.8 }),
      ),
      [],
    );
    // Host above baseline 2× the program's energy: something else drew power.
    const loaded = measurement('a', SAME);
    const withLoad = {
      ...loaded,
      runs: loaded.runs.map((r, i) => (i < 2 ? { ...r, hostEnergyAboveBaselineJoules: 2 * r.energyJoules } : r)),
    };
    const t = trapsOf({ before: measurement('a', BEFORE), after: withLoad });
    assert.deepEqual(
      t.map((x) => x.id),
      ['other-load'],
    );
    assert.match(t[0].message, /in 2 of 5 runs of a\.json/);
    assert.deepEqual(ids(measurement('a', BEFORE), measurement('a', SAME, {}, { source: 'prometheus' })), ['different-sources']);
    assert.deepEqual(ids(measurement('a', BEFORE), measurement('a', SAME, { host: 'ci-2' })), ['different-hosts']);
  });

  it('a side with fewer than 2 runs is refused with the reason', () => {
    assert.throws(
      () => compareMeasurements({ before: measurement('a', [100]), after: measurement('a', SAME) }, {}),
      /"a" in a\.json has 1 run: at least 2 on each side are needed/,
    );
  });
});

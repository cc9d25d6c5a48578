// Prometheus' own parser tests as the oracle for the versions we run no binary of: the cases of parse_test.go and
// the queries of promqltest's testdata, extracted per release tag (test/harness/extractPromqlUpstream.js) into
// test/fixtures/promql-upstream/<tag>.json. The checker, told that tag's version and the feature flags the upstream
// test runs with, must find an error exactly on the cases upstream expects to fail, at the same byte offset when the
// case gives one.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeQuery } from '../../src/server/promql/diagnostics';
import { compareVersions, PromqlTarget } from '../../src/server/promql/target';
import { PROMQL_FEATURES, PromqlFeature } from '../../src/shared/promqlTarget';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/promql-upstream');

interface UpstreamCase {
  readonly query: string;
  readonly valid: boolean;
  readonly source: { readonly file: string; readonly line: number };
  readonly message?: string;
  /** Byte offset of upstream's expected error (3.x cases), when the case gives it. */
  readonly errorStart?: number;
}
interface UpstreamSource {
  readonly file: string;
  readonly features: readonly string[];
  readonly cases: readonly UpstreamCase[];
}
interface UpstreamTag {
  readonly repo: string;
  readonly tag: string;
  readonly commit: string;
  readonly sources: readonly UpstreamSource[];
}

/**
 * Floors: the number of cases, per tag and source, on which the checker agrees with upstream (verdict, and offset
 * when given). Measured with the checker as committed; raise them as the checker follows more versions (the test
 * says when a figure exceeds its floor). 2.42 is the version the checker was ported from: every case must agree.
 */
const FLOORS: Readonly<Record<string, number>> = {
  'v2.42.0 parse_test.go': 267,
  'v2.42.0 testdata': 525,
  'v2.53.0 parse_test.go': 277,
  'v2.53.0 testdata': 715,
  'v3.0.0 parse_test.go': 290,
  'v3.0.0 testdata': 955,
  'v3.5.0 parse_test.go': 313,
  'v3.5.0 testdata': 1292,
  'v3.10.0 parse_test.go': 343,
  'v3.10.0 testdata': 1570,
  'v3.14.0 parse_test.go': 348,
  'v3.14.0 testdata': 1848,
};

function loadTags(): UpstreamTag[] {
  return fs
    .readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(fs.readFileSync(path.join(FIXTURES, f), 'utf8')) as UpstreamTag)
    .sort((a, b) => compareVersions(a.tag, b.tag));
}

function targetOf(tag: UpstreamTag, source: UpstreamSource): PromqlTarget {
  const features = source.features.filter((f): f is PromqlFeature => (PROMQL_FEATURES as readonly string[]).includes(f));
  return {
    dialect: 'prometheus',
    version: tag.tag.replace(/^v/, ''),
    features: new Set(features),
    reason: `upstream tests of ${tag.tag} (${source.file})`,
  };
}

/** Why our answer differs from upstream's, or undefined when it agrees. */
function disagreement(c: UpstreamCase, target: PromqlTarget): string | undefined {
  const error = analyzeQuery(c.query, undefined, target).find((p) => p.severity === 'error');
  const at = error && Buffer.byteLength(c.query.slice(0, error.from));
  if (c.valid ? !error : error && (c.errorStart === undefined || c.errorStart === at)) return undefined;
  const ours = error ? `error at byte ${at}: ${error.message}` : 'accepts';
  const theirs = c.valid ? 'valid' : `error${c.errorStart === undefined ? '' : ` at byte ${c.errorStart}`}: ${c.message ?? ''}`;
  return `${c.source.file}:${c.source.line} ${JSON.stringify(c.query)}: upstream ${theirs} / ours ${ours}`;
}

describe('PromQL checker against Prometheus’ own parser tests, per release tag', () => {
  const tags = loadTags();
  const figures: string[] = [];
  after(() => console.log(`      agreement per tag:\n${figures.map((f) => `        ${f}`).join('\n')}`));

  it('has the extracted tags, each with both sources and their provenance', () => {
    assert.ok(tags.length >= 6, `only ${tags.length} tags in ${FIXTURES}`);
    for (const t of tags) {
      assert.match(t.commit, /^[0-9a-f]{40}$/);
      assert.deepEqual(
        t.sources.map((s) => s.file.split('/').pop()),
        ['parse_test.go', '*.test'],
      );
      for (const s of t.sources) assert.ok(s.cases.length > 100, `${t.tag} ${s.file}: ${s.cases.length} cases`);
    }
  });

  for (const tag of tags) {
    for (const source of tag.sources) {
      const key = `${tag.tag} ${source.file.includes('parse_test') ? 'parse_test.go' : 'testdata'}`;
      it(`${key}: agrees with upstream on at least ${FLOORS[key] ?? 0} of ${source.cases.length} cases`, function () {
        this.timeout(60000);
        const target = targetOf(tag, source);
        const differ = source.cases.map((c) => disagreement(c, target)).filter((d): d is string => d !== undefined);
        const agree = source.cases.length - differ.length;
        const invalid = source.cases.filter((c) => !c.valid).length;
        const floor = FLOORS[key];
        assert.ok(floor !== undefined, `no floor for ${key}: add the figure this test prints`);
        figures.push(`${key}: ${agree}/${source.cases.length}`);
        console.log(
          `      ${key} [${[...target.features].join(', ') || 'no features'}]: ${agree}/${source.cases.length} agree ` +
            `(${invalid} invalid upstream)${agree > floor ? `; above its floor ${floor}: raise it` : ''}`,
        );
        for (const d of differ) console.log(`        ${d}`);
        assert.ok(agree >= floor, `${key}: ${agree} agree, floor ${floor}`);
      });
    }
  }
});

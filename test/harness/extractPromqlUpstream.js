// Extracts Prometheus' own PromQL parser cases, per release tag, into test/fixtures/promql-upstream/<tag>.json: the
// oracle for the versions we have no binary of (test/unit/promqlUpstream.test.ts). Run once, by hand; the output is
// committed. Sources, read with `git show <tag>:<file>` from a clone of prometheus/prometheus:
// - promql/parser/parse_test.go, `var testExpr`: each case's `input`, whether it expects an error (`fail: true`), and
//   the error's message and byte offset where the case gives them;
// - promql/promqltest/testdata/*.test (promql/testdata before 2.53): every `eval*` query. The test framework parses
//   each one first and rejects the file if it does not parse, so they are all valid (eval_fail fails at evaluation).
// The feature flags each source runs with are read from TestParseExpressions and from promqltest's test.go.
// Usage: node test/harness/extractPromqlUpstream.js <prometheus repo> [tag...]
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const REPO_URL = 'https://github.com/prometheus/prometheus';
const DEFAULT_TAGS = ['v2.42.0', 'v2.53.0', 'v3.0.0', 'v3.5.0', 'v3.10.0', 'v3.14.0'];
const OUT = path.join(__dirname, '..', 'fixtures', 'promql-upstream');

// Go parser options -> `--enable-feature` names (src/server/promql/target.ts PROMQL_FEATURES).
const FLAGS = {
  EnableExperimentalFunctions: 'promql-experimental-functions',
  ExperimentalDurationExpr: 'promql-duration-expr',
  EnableExtendedRangeSelectors: 'promql-extended-range-selectors',
  EnableBinopFillModifiers: 'promql-binop-fill-modifiers',
};

const [repo, ...tagArgs] = process.argv.slice(2);
if (!repo) {
  console.error('usage: node test/harness/extractPromqlUpstream.js <prometheus repo> [tag...]');
  process.exit(2);
}
const git = (...args) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
const show = (tag, file) => git('show', `${tag}:${file}`);

/** Features set to true in a Go source fragment (`X = true` or `X: true`). */
function featuresIn(text) {
  return Object.entries(FLAGS)
    .filter(([name]) => new RegExp(`\\b${name}\\s*[:=]\\s*true`).test(text))
    .map(([, feature]) => feature);
}

/** Reads the Go string literal (or `+`-joined literals) at `at`; undefined when the value is not a plain literal. */
function goString(src, at) {
  let i = at;
  let out = '';
  for (;;) {
    while (/\s/.test(src[i])) i++;
    if (src[i] === '`') {
      const end = src.indexOf('`', i + 1);
      out += src.slice(i + 1, end);
      i = end + 1;
    } else if (src[i] === '"') {
      let j = i + 1;
      while (src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
      out += unquote(src.slice(i + 1, j));
      i = j + 1;
    } else return undefined;
    let k = i;
    while (src[k] === ' ' || src[k] === '\t') k++;
    if (src[k] !== '+') return { value: out, end: i };
    i = k + 1;
  }
}

/** Go interpreted-string escapes, on UTF-8 bytes (\xNN and octal escapes are bytes). */
function unquote(body) {
  const bytes = [];
  const push = (s) => bytes.push(...Buffer.from(s, 'utf8'));
  const simple = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, '\\': 92, '"': 34, "'": 39 };
  for (let i = 0; i < body.length; i++) {
    if (body[i] !== '\\') {
      const cp = body.codePointAt(i);
      push(String.fromCodePoint(cp));
      if (cp > 0xffff) i++;
      continue;
    }
    const c = body[++i];
    if (c in simple) bytes.push(simple[c]);
    else if (c === 'x') bytes.push(parseInt(body.slice(i + 1, (i += 2) + 1), 16));
    else if (c === 'u') push(String.fromCodePoint(parseInt(body.slice(i + 1, (i += 4) + 1), 16)));
    else if (c === 'U') push(String.fromCodePoint(parseInt(body.slice(i + 1, (i += 8) + 1), 16)));
    else if (/[0-7]/.test(c)) bytes.push(parseInt(body.slice(i, (i += 2) + 1), 8));
    else throw new Error(`unknown Go escape \\${c}`);
  }
  return Buffer.from(bytes).toString('utf8');
}

const lineAt = (src, offset) => src.slice(0, offset).split('\n').length;

function parseTestCases(tag) {
  const file = 'promql/parser/parse_test.go';
  const src = show(tag, file);
  const start = src.indexOf('var testExpr = []struct');
  const end = src.indexOf('\n}\n', start);
  const block = src.slice(start, end);
  const body = /\nfunc TestParseExpressions\(.*?\n}\n/s.exec(src)?.[0] ?? '';
  const features = featuresIn(body);
  const cases = [];
  const skipped = [];
  const inputs = [...block.matchAll(/\binput:\s*/g)].map((m) => m.index + m[0].length);
  inputs.forEach((at, n) => {
    const line = lineAt(src, start + at);
    const lit = goString(block, at);
    if (!lit) {
      skipped.push({ file, line, reason: `input is not a string literal: ${block.slice(at, at + 40).split('\n')[0]}` });
      return;
    }
    const rest = block.slice(lit.end, inputs[n + 1] ?? block.length);
    const fail = /\bfail:\s*true/.test(rest);
    const c = { query: lit.value, valid: !fail, source: { file, line } };
    if (fail) {
      const msg = /\b(?:errMsg:|Err:\s*(?:errors\.New|fmt\.Errorf)\()\s*(?=["`])/.exec(rest);
      const message = msg && goString(rest, msg.index + msg[0].length);
      if (message) c.message = message.value;
      const s = /PositionRange\{\s*Start:\s*(\d+)/.exec(rest);
      if (s) c.errorStart = Number(s[1]);
    }
    cases.push(c);
  });
  return { file, features, cases, skipped };
}

function promqltestCases(tag) {
  const dir = git('ls-tree', '--name-only', tag, 'promql/promqltest/testdata/').trim() ? 'promql/promqltest' : 'promql';
  const runner = show(tag, `${dir}/test.go`);
  const setup = [...runner.matchAll(/\nfunc RunBuiltinTests(?:WithStorage)?\(.*?\n}\n/gs)].map((m) => m[0]).join('');
  const features = featuresIn(setup + runnerOptions(runner));
  const files = git('ls-tree', '--name-only', tag, `${dir}/testdata/`)
    .trim()
    .split('\n')
    .filter((f) => f.endsWith('.test'));
  const evalLine =
    /^eval(?:_(?:fail|warn|ordered|info))?\s+(?:instant\s+(?:at\s+(?:.+?))?\s+(.+)|range\s+from\s+.+\s+to\s+.+\s+step\s+.+?\s+(.+))$/;
  const cases = [];
  const seen = new Set();
  for (const file of files) {
    show(tag, file)
      .split('\n')
      .forEach((raw, i) => {
        const m = evalLine.exec(raw.trim());
        const query = m && (m[1] ?? m[2]);
        // The same query recurs across load blocks: kept once, at its first place.
        if (query && !seen.has(query)) cases.push({ query, valid: true, source: { file, line: i + 1 } });
        if (query) seen.add(query);
      });
  }
  return { file: `${dir}/testdata/*.test`, features, cases, skipped: [] };
}

/** The parser options promqltest's engine parses with (3.x: a package-level `parser.Options{...}` literal). */
function runnerOptions(runner) {
  return [...runner.matchAll(/parser\.Options\{[^}]*\}/gs)].map((m) => m[0]).join('\n');
}

/** Indented JSON with one case a line, for readable diffs when a tag is extracted again. */
function serialize(out) {
  const sources = out.sources.map(({ cases, ...rest }) => {
    const head = JSON.stringify(rest).slice(0, -1);
    return `  ${head},"cases":[\n${cases.map((c) => `   ${JSON.stringify(c)}`).join(',\n')}\n  ]}`;
  });
  return `${JSON.stringify({ ...out, sources: [] }).slice(0, -3)}[\n${sources.join(',\n')}\n]}\n`;
}

fs.mkdirSync(OUT, { recursive: true });
for (const tag of tagArgs.length ? tagArgs : DEFAULT_TAGS) {
  const commit = git('rev-list', '-n', '1', tag).trim();
  const sources = [parseTestCases(tag), promqltestCases(tag)];
  const out = { repo: REPO_URL, tag, commit, extractedBy: 'test/harness/extractPromqlUpstream.js', sources };
  fs.writeFileSync(path.join(OUT, `${tag}.json`), serialize(out));
  console.log(
    `${tag}: ` +
      sources
        .map(
          (s) =>
            `${s.file} ${s.cases.length} cases (${s.cases.filter((c) => !c.valid).length} invalid, ${s.skipped.length} skipped; features: ${s.features.join(', ') || 'none'})`,
        )
        .join('; '),
  );
}

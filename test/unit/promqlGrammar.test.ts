// The PromQL TextMate grammar (syntaxes/promql.tmLanguage.json) tokenised by the same engine as VS Code
// (vscode-textmate + the Oniguruma wasm), over the guide's real queries; plus the language configuration and
// the snippets file as VS Code reads them.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import * as textmate from 'vscode-textmate';

const root = path.resolve(__dirname, '../../..');
const grammarPath = path.join(root, 'syntaxes/promql.tmLanguage.json');

interface Token {
  readonly text: string;
  readonly scopes: readonly string[];
}

let grammar: textmate.IGrammar;

/** Tokens of every line of `source` (the rule stack carries over, as in the editor). */
function tokenize(source: string): Token[] {
  const out: Token[] = [];
  let stack = textmate.INITIAL;
  for (const line of source.split('\n')) {
    const r = grammar.tokenizeLine(line, stack);
    for (const t of r.tokens) out.push({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes });
    stack = r.ruleStack;
  }
  return out;
}

/** The innermost scope of the (first, or nth) token whose text is exactly `text`. */
function scopeOf(tokens: readonly Token[], text: string, nth = 0): string {
  const found = tokens.filter((t) => t.text === text);
  assert.ok(found.length > nth, `no token "${text}" (#${nth}) in ${JSON.stringify(tokens.map((t) => t.text))}`);
  const scopes = found[nth].scopes;
  return scopes[scopes.length - 1];
}

function allScopes(tokens: readonly Token[], text: string): readonly string[] {
  const t = tokens.find((x) => x.text === text);
  assert.ok(t, `no token "${text}" in ${JSON.stringify(tokens.map((x) => x.text))}`);
  return t.scopes;
}

describe('PromQL TextMate grammar', () => {
  before(async () => {
    const wasm = fs.readFileSync(path.join(root, 'node_modules/vscode-oniguruma/release/onig.wasm'));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer);
    const registry = new textmate.Registry({
      onigLib: Promise.resolve({
        createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
        createOnigString: (s: string) => new oniguruma.OnigString(s),
      }),
      loadGrammar: async (scopeName) =>
        scopeName === 'source.promql' ? textmate.parseRawGrammar(fs.readFileSync(grammarPath, 'utf8'), grammarPath) : null,
    });
    const g = await registry.loadGrammar('source.promql');
    assert.ok(g, 'grammar loads');
    grammar = g;
  });

  it('is the grammar package.json contributes for the promql language', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    const lang = manifest.contributes.languages.find((l: { id: string }) => l.id === 'promql');
    assert.deepEqual(lang.extensions, ['.promql']);
    const g = manifest.contributes.grammars.find((x: { language: string }) => x.language === 'promql');
    assert.equal(g.scopeName, 'source.promql');
    assert.equal(path.resolve(root, g.path), grammarPath);
    assert.ok(fs.existsSync(path.resolve(root, lang.configuration)));
  });

  it('scopes metric names, functions, aggregations and the number after them (Top 10 processes)', () => {
    const t = tokenize('topk(10, scaph_process_power_consumption_microwatts / 1000000)');
    assert.equal(scopeOf(t, 'topk'), 'support.function.aggregation.promql');
    assert.equal(scopeOf(t, '10'), 'constant.numeric.float.promql');
    assert.equal(scopeOf(t, 'scaph_process_power_consumption_microwatts'), 'variable.other.metric.promql');
    assert.equal(scopeOf(t, '/'), 'keyword.operator.arithmetic.promql');
    assert.equal(scopeOf(t, '('), 'punctuation.section.parens.begin.promql');
  });

  it('scopes by-labels, label matchers, strings and range durations (CPU per core)', () => {
    const t = tokenize('100 - (avg by (cpu) (irate(node_cpu_seconds_total{mode="idle"}[5m])) * 100)');
    assert.equal(scopeOf(t, 'avg'), 'support.function.aggregation.promql');
    assert.equal(scopeOf(t, 'by'), 'keyword.other.modifier.promql');
    assert.equal(scopeOf(t, 'cpu'), 'entity.other.attribute-name.label.promql');
    assert.equal(scopeOf(t, 'irate'), 'support.function.builtin.promql');
    assert.equal(scopeOf(t, 'mode'), 'entity.other.attribute-name.label.promql');
    assert.ok(allScopes(t, 'mode').includes('meta.label-matchers.promql'));
    assert.equal(scopeOf(t, '='), 'keyword.operator.matcher.promql');
    assert.equal(scopeOf(t, 'idle'), 'string.quoted.double.promql');
    assert.equal(scopeOf(t, '5m'), 'constant.numeric.duration.promql');
    assert.ok(allScopes(t, '5m').includes('meta.range.promql'));
    assert.equal(scopeOf(t, '-'), 'keyword.operator.arithmetic.promql');
  });

  it('scopes every matcher operator', () => {
    const t = tokenize('up{job="a", instance!="b", name=~"c.*", cmdline!~".*docker.*"}');
    assert.equal(scopeOf(t, '='), 'keyword.operator.matcher.promql');
    assert.equal(scopeOf(t, '!='), 'keyword.operator.matcher.promql');
    assert.equal(scopeOf(t, '=~'), 'keyword.operator.matcher.promql');
    assert.equal(scopeOf(t, '!~'), 'keyword.operator.matcher.promql');
    assert.equal(scopeOf(t, 'cmdline'), 'entity.other.attribute-name.label.promql');
    assert.equal(scopeOf(t, ','), 'punctuation.separator.comma.promql');
  });

  it('scopes vector matching keywords and their label lists (Watts per container)', () => {
    const src = [
      '(sum by (name) (rate(container_cpu_usage_seconds_total{name!=""}[5m])) * on() group_left() (sum(scaph_host_power_microwatts) / 1000000))',
      '  / ignoring(instance) group_right(job) sum without (cpu) (rate(x[1m]))',
    ].join('\n');
    const t = tokenize(src);
    for (const kw of ['on', 'group_left', 'ignoring', 'group_right', 'without'])
      assert.equal(scopeOf(t, kw), 'keyword.other.modifier.promql', kw);
    assert.equal(scopeOf(t, 'name'), 'entity.other.attribute-name.label.promql');
    assert.equal(scopeOf(t, 'instance'), 'entity.other.attribute-name.label.promql');
    assert.equal(scopeOf(t, 'job'), 'entity.other.attribute-name.label.promql');
    assert.equal(scopeOf(t, 'sum', 1), 'support.function.aggregation.promql');
  });

  it('scopes comparison operators, bool, set operators, ^ and atan2', () => {
    const t = tokenize('a == bool b and c or d unless e > 1 >= 2 < 3 <= 4 != 5 ^ 2 atan2 f % 3');
    assert.equal(scopeOf(t, '=='), 'keyword.operator.comparison.promql');
    assert.equal(scopeOf(t, 'bool'), 'keyword.other.modifier.promql');
    for (const op of ['and', 'or', 'unless']) assert.equal(scopeOf(t, op), 'keyword.operator.logical.promql', op);
    for (const op of ['>', '>=', '<', '<=', '!=']) assert.equal(scopeOf(t, op), 'keyword.operator.comparison.promql', op);
    assert.equal(scopeOf(t, '^'), 'keyword.operator.arithmetic.promql');
    assert.equal(scopeOf(t, 'atan2'), 'keyword.operator.arithmetic.promql');
    assert.equal(scopeOf(t, '%'), 'keyword.operator.arithmetic.promql');
    // A metric that merely starts with a keyword stays a metric.
    assert.equal(scopeOf(tokenize('order_total or bool_x'), 'order_total'), 'variable.other.metric.promql');
    assert.equal(scopeOf(tokenize('order_total or bool_x'), 'bool_x'), 'variable.other.metric.promql');
  });

  it('scopes offset, @ with a timestamp, start() and end(), compound durations and subqueries', () => {
    const t = tokenize(
      'rate(http_requests_total[1h30m] offset 1d2h @ 1609746000) + max_over_time(deriv(x[5m])[30m:1m] @ start()) - y @ end()',
    );
    assert.equal(scopeOf(t, 'offset'), 'keyword.other.offset.promql');
    assert.equal(scopeOf(t, '1h30m'), 'constant.numeric.duration.promql');
    assert.equal(scopeOf(t, '1d2h'), 'constant.numeric.duration.promql');
    assert.equal(scopeOf(t, '@'), 'keyword.other.at.promql');
    assert.equal(scopeOf(t, '1609746000'), 'constant.numeric.float.promql');
    assert.equal(scopeOf(t, 'start'), 'support.function.at-modifier.promql');
    assert.equal(scopeOf(t, 'end'), 'support.function.at-modifier.promql');
    assert.equal(scopeOf(t, '30m'), 'constant.numeric.duration.promql');
    assert.equal(scopeOf(t, ':'), 'punctuation.separator.subquery.promql');
    assert.equal(scopeOf(t, '1m'), 'constant.numeric.duration.promql');
    assert.equal(scopeOf(tokenize('x[100ms]'), '100ms'), 'constant.numeric.duration.promql');
  });

  it('scopes hex, scientific, Inf and NaN numbers', () => {
    const t = tokenize('x > 0x1F + 1.5e-3 - .5 * 2E10 or y < Inf and z != -inf or w == NaN');
    assert.equal(scopeOf(t, '0x1F'), 'constant.numeric.hex.promql');
    assert.equal(scopeOf(t, '1.5e-3'), 'constant.numeric.float.promql');
    assert.equal(scopeOf(t, '.5'), 'constant.numeric.float.promql');
    assert.equal(scopeOf(t, '2E10'), 'constant.numeric.float.promql');
    assert.equal(scopeOf(t, 'Inf'), 'constant.language.infinity.promql');
    assert.equal(scopeOf(t, 'inf'), 'constant.language.infinity.promql');
    assert.equal(scopeOf(t, 'NaN'), 'constant.language.nan.promql');
    // ...but metrics named like them are metrics.
    assert.equal(scopeOf(tokenize('info_metric + nan_count{a="b"}'), 'info_metric'), 'variable.other.metric.promql');
    assert.equal(scopeOf(tokenize('info_metric + nan_count{a="b"}'), 'nan_count'), 'variable.other.metric.promql');
  });

  it('scopes the three string kinds and their escapes', () => {
    const t = tokenize('label_replace(up, "dst", \'a\\\'b\', "src", `raw\\d+`) + x{a="q\\"uote\\n"}');
    assert.equal(scopeOf(t, 'label_replace'), 'support.function.builtin.promql');
    assert.equal(scopeOf(t, 'dst'), 'string.quoted.double.promql');
    assert.equal(scopeOf(t, "\\'"), 'constant.character.escape.promql');
    assert.ok(allScopes(t, "\\'").includes('string.quoted.single.promql'));
    assert.equal(scopeOf(t, 'raw\\d+'), 'string.quoted.other.raw.promql', 'no escapes in backticks');
    assert.equal(scopeOf(t, '\\"'), 'constant.character.escape.promql');
    assert.equal(scopeOf(t, '\\n'), 'constant.character.escape.promql');
    assert.equal(scopeOf(t, '"', 0), 'punctuation.definition.string.begin.promql');
  });

  it('scopes # comments, on their own line and after a query, but not # inside strings', () => {
    const t = tokenize('# Puissance totale de l\'hôte\nscaph_host_power_microwatts / 1000000 # en W\nup{a="#not"}');
    assert.equal(scopeOf(t, '#'), 'punctuation.definition.comment.promql');
    assert.ok(allScopes(t, " Puissance totale de l'hôte").includes('comment.line.number-sign.promql'));
    assert.ok(allScopes(t, ' en W').includes('comment.line.number-sign.promql'));
    assert.equal(scopeOf(t, 'scaph_host_power_microwatts'), 'variable.other.metric.promql', 'the comment ends with its line');
    assert.equal(scopeOf(t, '#not'), 'string.quoted.double.promql');
  });

  it('scopes recording-rule names with colons and Grafana variables', () => {
    const t = tokenize('job:http_requests:rate5m + sum(increase(scaph_host_energy_microjoules[$__range])) * $cost');
    assert.equal(scopeOf(t, 'job:http_requests:rate5m'), 'variable.other.metric.promql');
    assert.equal(scopeOf(t, '$__range'), 'variable.other.template.promql');
    assert.equal(scopeOf(t, '$cost'), 'variable.other.template.promql');
  });

  it('does not take a function name used as a metric for a function', () => {
    const t = tokenize('rate + sum');
    assert.equal(scopeOf(t, 'rate'), 'variable.other.metric.promql');
    assert.equal(scopeOf(t, 'sum'), 'variable.other.metric.promql');
  });
});

describe('PromQL language configuration', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const lang = manifest.contributes.languages.find((l: { id: string }) => l.id === 'promql');
  const config = JSON.parse(fs.readFileSync(path.resolve(root, lang.configuration), 'utf8'));

  it('has # line comments, the three bracket pairs and auto-closing quotes', () => {
    assert.equal(config.comments.lineComment, '#');
    assert.deepEqual(config.brackets, [
      ['{', '}'],
      ['[', ']'],
      ['(', ')'],
    ]);
    const opens = config.autoClosingPairs.map((p: { open: string }) => p.open);
    for (const o of ['{', '[', '(', '"', "'", '`']) assert.ok(opens.includes(o), `auto-closes ${o}`);
  });

  it('has a word pattern that keeps recording-rule names (with colons) and durations whole', () => {
    const re = new RegExp(config.wordPattern, 'g');
    const words = 'sum(job:http_requests:rate5m[1h30m]) / scaph_host_power_microwatts'.match(re);
    assert.deepEqual(words, ['sum', 'job:http_requests:rate5m', '1h30m', 'scaph_host_power_microwatts']);
  });
});

describe('PromQL snippets file', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const entry = manifest.contributes.snippets.find((s: { language: string }) => s.language === 'promql');
  const snippets = JSON.parse(fs.readFileSync(path.resolve(root, entry.path), 'utf8')) as Record<
    string,
    { prefix: string | string[]; body: string | string[]; description?: string }
  >;

  it("has the guide's queries, each with a prefix, a body and a description, and unique prefixes", () => {
    const names = Object.keys(snippets);
    assert.ok(names.length >= 8, `${names.length} snippets`);
    const prefixes = new Set<string>();
    for (const [name, s] of Object.entries(snippets)) {
      assert.ok(s.description && s.description.length > 10, `${name} has a description`);
      assert.ok(s.body.length > 0, `${name} has a body`);
      for (const p of typeof s.prefix === 'string' ? [s.prefix] : s.prefix) {
        assert.ok(!prefixes.has(p), `prefix ${p} is unique`);
        prefixes.add(p);
      }
    }
    const bodies = Object.values(snippets)
      .map((s) => (Array.isArray(s.body) ? s.body.join('\n') : s.body))
      .join('\n');
    for (const metric of [
      'scaph_host_power_microwatts',
      'scaph_process_power_consumption_microwatts',
      'scaph_host_energy_microjoules',
      'node_cpu_seconds_total',
      'container_cpu_usage_seconds_total',
    ]) {
      assert.ok(bodies.includes(metric), `a snippet uses ${metric}`);
    }
  });
});

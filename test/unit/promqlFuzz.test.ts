// Robustness of the PromQL diagnostics: over 10,000 generated, mutated and hostile inputs from a fixed seed
// (garbage, lone surrogates, CRLF, 5,000-deep nesting, huge documents), analysis never throws, every range lies
// inside the input, there is at most one error per query, and each analysis answers within a bound:
// 200 ms for inputs up to 10,000 characters, 3 s beyond (up to 1 MB).
import { strict as assert } from 'node:assert';
import { performance } from 'node:perf_hooks';
import { analyzeDocument, analyzeQuery } from '../../src/server/promql/diagnostics';
import type { Problem } from '../../src/server/promql/types';
import { AGGREGATIONS, FUNCTIONS } from '../../src/server/promql/functions';
import type { MetricInfo, MetricLookup } from '../../src/server/promql/types';
import { readCorpus } from '../stack/promqlCorpus';
import { prng } from '../fixtures/prng';

const SEED = 0x0971_7017;
const NORMAL_SIZE = 10_000;
const NORMAL_BOUND_MS = 200;
const HUGE_BOUND_MS = 3000;

const INFOS: MetricInfo[] = [
  { name: 'scaph_host_power_microwatts', type: 'gauge', unit: 'microwatts', help: '', source: 'catalogue' },
  { name: 'scaph_host_energy_microjoules', type: 'counter', unit: 'microjoules', help: '', source: 'catalogue' },
  { name: 'node_cpu_seconds_total', type: 'counter', unit: 'seconds', help: '', source: 'catalogue' },
];
const METRICS: MetricLookup = {
  get: (name) => INFOS.find((m) => m.name === name),
  isUnknown: (name) => name.startsWith('scaph_') && !INFOS.some((m) => m.name === name),
};

class Gen {
  constructor(readonly r: () => number) {}
  int(n: number): number {
    return Math.floor(this.r() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  chance(p: number): boolean {
    return this.r() < p;
  }

  private readonly metrics = [
    'foo',
    'up',
    'scaph_host_power_microwatts',
    'scaph_host_energy_microjoules',
    'node_cpu_seconds_total',
    'a:b:c',
    'by',
    'offset',
  ];
  private readonly ops = ['+', '-', '*', '/', '%', '^', 'atan2', '==', '!=', '>', '<', '>=', '<=', 'and', 'or', 'unless'];
  private readonly durations = ['5m', '1h30m', '30s', '1d', '2w', '1y', '100ms', '0s', '5', '5hs'];
  private readonly strings = ['"a"', "'b'", '`c`', '"\\n\\t\\\\"', '"\\u00e9"', '"é日本"', '"\\q"', '"unterminated', '".*"', '"("'];
  private readonly blanks = [' ', '', '  ', '\t', '\n', '\r\n', ' # comment\n'];

  /** Mostly well-formed pieces (the first `good`), sometimes a broken one. */
  private some(xs: readonly string[], good: number): string {
    return this.chance(0.9) ? xs[this.int(good)] : this.pick(xs);
  }

  private ws(): string {
    return this.chance(0.8) ? ' ' : this.pick(this.blanks);
  }

  selector(): string {
    const name = this.chance(0.9) ? this.some(this.metrics, 6) : '';
    if (name && this.chance(0.5)) return name;
    const n = this.int(3);
    const ms = Array.from(
      { length: n },
      () => `${this.pick(['a', 'job', 'le', '__name__'])}${this.pick(['=', '!=', '=~', '!~'])}${this.some(this.strings, 6)}`,
    );
    return `${name}{${ms.join(',')}}`;
  }

  expr(depth: number): string {
    if (depth <= 0) return this.chance(0.7) ? this.selector() : this.pick(['1', '0.5', '1e6', '-2', 'Inf', 'NaN', '0x1F', ...this.strings]);
    const d = depth - 1;
    switch (this.int(9)) {
      case 0: {
        const f = this.pick([...FUNCTIONS.values()]);
        const n = f.args.length + (this.chance(0.2) ? this.int(3) - 1 : 0);
        const args = Array.from({ length: Math.max(0, n) }, (_, i) => {
          const t = f.args[Math.min(i, f.args.length - 1)];
          return t === 'matrix'
            ? `${this.selector()}[${this.some(this.durations, 7)}]`
            : t === 'string'
              ? this.some(this.strings, 6)
              : this.expr(d);
        });
        return `${f.name}(${args.join(',' + this.ws())})`;
      }
      case 1: {
        const a = this.pick([...AGGREGATIONS.values()]);
        const mod = this.chance(0.5) ? `${this.pick(['by', 'without'])} (${this.pick(['', 'a', 'a, b', 'le,'])})` : '';
        const args = a.param ? `${a.param === 'string' ? '"v"' : '3'}, ${this.expr(d)}` : this.expr(d);
        return this.chance(0.5) ? `${a.name} ${mod} (${args})` : `${a.name}(${args}) ${mod}`;
      }
      case 2: {
        const mod = this.pick(['', 'bool ', 'on(a) ', 'ignoring(a) group_left ', 'on(a) group_right(b) ']);
        return `${this.expr(d)}${this.ws()}${this.pick(this.ops)} ${mod}${this.expr(d)}`;
      }
      case 3:
        return `(${this.expr(d)})`;
      case 4:
        return `${this.selector()}[${this.some(this.durations, 7)}]`;
      case 5:
        return `${this.expr(d)}[${this.some(this.durations, 7)}:${this.pick(['', '1m', '30s'])}]`;
      case 6:
        return `${this.expr(d)} offset ${this.pick(['', '-'])}${this.some(this.durations, 7)}`;
      case 7:
        return `${this.expr(d)} @ ${this.pick(['100', 'start()', 'end()', '-1', '1e20', 'inf'])}`;
      default:
        return `${this.pick(['-', '+'])}${this.expr(d)}`;
    }
  }

  private readonly alphabet = [
    '(',
    ')',
    '[',
    ']',
    '{',
    '}',
    ',',
    '"',
    "'",
    '`',
    '\\',
    '#',
    '\n',
    '\r',
    '\r\n',
    ':',
    '=',
    '~',
    '!',
    '@',
    ' ',
    'é',
    '日',
    '\ud800',
    '\udc00',
    '😀',
    '\0',
    'by',
    'offset',
  ];

  mutate(s: string): string {
    let out = s;
    const edits = 1 + this.int(4);
    for (let i = 0; i < edits; i++) {
      const at = this.int(out.length + 1);
      switch (this.int(5)) {
        case 0:
          out = out.slice(0, at) + this.pick(this.alphabet) + out.slice(at);
          break;
        case 1:
          out = out.slice(0, at) + out.slice(at + 1 + this.int(3));
          break;
        case 2: {
          const from = this.int(out.length + 1);
          out = out.slice(0, at) + out.slice(from, from + this.int(20)) + out.slice(at);
          break;
        }
        case 3:
          out = out.slice(0, at);
          break;
        default:
          out = out.slice(0, at) + String.fromCharCode(this.int(0x10000)) + out.slice(at);
      }
    }
    return out;
  }

  garbage(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(this.chance(0.5) ? 0x20 + this.int(0x5f) : this.int(0x10000));
    return s;
  }
}

function specials(g: Gen, corpus: readonly string[]): string[] {
  const deep = 5000;
  const doc = Array.from({ length: 2000 }, (_, i) => (i % 4 === 3 ? '' : corpus[i % corpus.length].replace(/\n\s*\n/g, '\n'))).join('\n');
  return [
    '('.repeat(deep) + 'foo' + ')'.repeat(deep),
    '('.repeat(deep) + 'foo',
    'foo' + ')'.repeat(deep),
    'sum('.repeat(deep) + 'foo' + ')'.repeat(deep),
    'rate('.repeat(deep) + 'foo[5m]' + ')'.repeat(deep),
    '-'.repeat(deep) + 'foo',
    '['.repeat(deep),
    '{'.repeat(deep),
    Array.from({ length: deep }, (_, i) => `foo${i}`).join(' + '),
    Array.from({ length: deep }, (_, i) => `foo${i}`).join(' ^ '),
    'foo' + ' offset 5m'.repeat(deep),
    'foo' + ' @ 1'.repeat(deep),
    'foo' + '[5m:]'.repeat(deep),
    `"${'a'.repeat(100_000)}"`,
    'a'.repeat(100_000),
    `foo{a="${'\\n'.repeat(50_000)}"}`,
    '\r\n'.repeat(50_000) + 'foo +',
    '# comment\n'.repeat(20_000),
    g.garbage(1_000_000),
    '\ud800'.repeat(10_000),
    doc,
  ];
}

function checkProblems(input: string, problems: Problem[], perQuery: boolean): void {
  assert.ok(Array.isArray(problems));
  for (const p of problems) {
    assert.ok(p.from >= 0 && p.from <= p.to && p.to <= input.length, `range ${p.from}-${p.to} outside 0-${input.length}`);
    assert.ok(['error', 'warning', 'hint'].includes(p.severity));
    assert.ok(typeof p.message === 'string' && p.message.length > 0);
    assert.ok(typeof p.code === 'string' && p.code.length > 0);
  }
  if (perQuery) assert.ok(problems.filter((p) => p.severity === 'error').length <= 1, 'at most one error per query');
}

describe('PromQL diagnostics fuzz (fixed seed)', function () {
  this.timeout(600_000);

  it('never throws, keeps ranges inside the input, and answers within the bounds', () => {
    const g = new Gen(prng(SEED));
    const corpus = readCorpus();
    const inputs: { text: string; doc: boolean }[] = [];
    for (let i = 0; i < 4000; i++) inputs.push({ text: g.expr(1 + g.int(5)), doc: false });
    for (let i = 0; i < 5000; i++) inputs.push({ text: g.mutate(g.chance(0.5) ? g.pick(corpus) : g.expr(3)), doc: false });
    for (let i = 0; i < 1000; i++) inputs.push({ text: g.garbage(g.int(300)), doc: false });
    for (let i = 0; i < 200; i++)
      inputs.push({
        text: Array.from({ length: 1 + g.int(8) }, () => g.mutate(g.pick(corpus))).join(g.pick(['\n\n', '\r\n\r\n', '\n# c\n\n'])),
        doc: true,
      });
    for (const text of specials(g, corpus)) inputs.push({ text, doc: text.includes('\n\n') });

    // Warm up the JIT so the first timings measure the analysis, not compilation.
    for (let i = 0; i < 200; i++) analyzeQuery(corpus[i % corpus.length], METRICS);

    const normal: number[] = [];
    const huge: number[] = [];
    let slowest = { ms: 0, text: '' };
    let parsed = 0;
    for (const { text, doc } of inputs) {
      const t0 = performance.now();
      let problems: Problem[];
      try {
        problems = doc ? analyzeDocument(text, METRICS) : analyzeQuery(text, METRICS);
      } catch (err) {
        assert.fail(`threw on ${JSON.stringify(text.slice(0, 200))}: ${(err as Error).stack}`);
      }
      const ms = performance.now() - t0;
      checkProblems(text, problems, !doc);
      if (!problems.some((p) => p.code === 'syntax' || p.code === 'too-complex')) parsed++;
      (text.length > NORMAL_SIZE ? huge : normal).push(ms);
      if (text.length <= NORMAL_SIZE && ms > slowest.ms) slowest = { ms, text };
    }
    const stats = (xs: number[]): string => {
      const s = [...xs].sort((a, b) => a - b);
      const q = (p: number): string => (s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0).toFixed(2);
      return `n=${s.length} p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${(s[s.length - 1] ?? 0).toFixed(2)} ms`;
    };
    console.log(
      `      ${inputs.length} inputs (${parsed} parse, the rest have a syntax error); up to ${NORMAL_SIZE} chars: ${stats(normal)}; larger (to 1 MB): ${stats(huge)}`,
    );
    assert.ok(inputs.length >= 10_000);
    assert.ok(
      Math.max(...normal) < NORMAL_BOUND_MS,
      `slowest normal input took ${slowest.ms.toFixed(1)} ms: ${JSON.stringify(slowest.text.slice(0, 200))}`,
    );
    assert.ok(Math.max(...huge) < HUGE_BOUND_MS, `slowest huge input took ${Math.max(...huge).toFixed(1)} ms`);
  });
});

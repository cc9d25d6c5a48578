// Completion, hover and signature help follow the PromQL target: a function the target refuses (too new,
// removed, or experimental without its flag) is not offered, and hover and signature help say what it needs.
// The function table is injected with gates of the shape helper A fills in for every function.
import * as assert from 'node:assert/strict';
import type { CompletionItem } from 'vscode-languageserver';
import { Completer } from '../../src/server/promql/completion';
import { FUNCTIONS } from '../../src/server/promql/functions';
import { hover } from '../../src/server/promql/hover';
import { MetricStore } from '../../src/server/promql/metrics';
import { signatureHelp } from '../../src/server/promql/signature';
import { DEFAULT_TARGET, type PromqlTarget } from '../../src/server/promql/target';
import { type PromqlFeature } from '../../src/shared/promqlTarget';
import type { FunctionSpec } from '../../src/server/promql/types';

const target = (version: string, features: PromqlFeature[] = []): PromqlTarget => ({
  dialect: 'prometheus',
  version,
  features: new Set(features),
  reason: `test: Prometheus ${version}`,
});

const base = (name: string): FunctionSpec => {
  const fn = FUNCTIONS.get(name);
  if (!fn) throw new Error(`no ${name} in the function table`);
  return fn;
};

/** The real table plus gates: holt_winters removed in 3.0, limitk-like newcomers, an experimental one. */
const TABLE: ReadonlyMap<string, FunctionSpec> = new Map([
  ...FUNCTIONS,
  ['holt_winters', { ...base('abs'), name: 'holt_winters', removedIn: '3.0.0' }],
  [
    'double_exponential_smoothing',
    { ...base('abs'), name: 'double_exponential_smoothing', since: '3.0.0', feature: 'promql-experimental-functions' },
  ],
  ['info', { ...base('abs'), name: 'info', since: '3.0.0', feature: 'promql-experimental-functions' }],
  ['ts_of_max_over_time', { ...base('abs'), name: 'ts_of_max_over_time', since: '3.5.0', feature: 'promql-experimental-functions' }],
  [
    'mad_over_time',
    { ...base('abs'), name: 'mad_over_time', since: '2.50.0', feature: 'promql-experimental-functions', stableSince: '3.9.0' },
  ],
  ['too_new', { ...base('abs'), name: 'too_new', since: '3.9.0' }],
]);

describe('PromQL completion, hover and signature help follow the target', () => {
  const store = new MetricStore();
  const labels = async (t: PromqlTarget, text = 'sum(', table = TABLE): Promise<string[]> => {
    const completer = new Completer(store, () => t, table);
    return (await completer.complete(text, text.length)).items.map((i: CompletionItem) => i.label);
  };

  it('offers only the functions the target accepts', async () => {
    const old = await labels(target('2.42.0'));
    assert.ok(old.includes('holt_winters'), 'holt_winters before 3.0');
    assert.ok(!old.includes('too_new') && !old.includes('info'), 'nothing newer than the target');
    const v35 = await labels(target('3.5.3'));
    assert.ok(!v35.includes('holt_winters'), 'removed in 3.0');
    assert.ok(!v35.includes('too_new'), 'since 3.9');
    assert.ok(!v35.includes('info') && !v35.includes('ts_of_max_over_time'), 'experimental, flag not enabled');
    assert.ok(v35.includes('rate') && v35.includes('abs'), 'ungated functions stay');
    const flagged = await labels(target('3.5.3', ['promql-experimental-functions']));
    assert.ok(flagged.includes('info') && flagged.includes('ts_of_max_over_time') && flagged.includes('mad_over_time'));
    const stable = await labels(target('3.9.0'));
    assert.ok(stable.includes('mad_over_time') && stable.includes('too_new'), 'stable from 3.9 without the flag');
  });

  it('rebuilds its list when the target changes', async () => {
    let t = target('3.5.3');
    const completer = new Completer(store, () => t, TABLE);
    const at = async (): Promise<string[]> => (await completer.complete('sum(', 4)).items.map((i) => i.label);
    assert.ok(!(await at()).includes('info'));
    t = target('3.5.3', ['promql-experimental-functions']);
    assert.ok((await at()).includes('info'));
  });

  it('says the gate in the documentation of an offered gated function', async () => {
    const completer = new Completer(store, () => target('3.5.3', ['promql-experimental-functions']), TABLE);
    const item = (await completer.complete('sum(', 4)).items.find((i) => i.label === 'info');
    assert.match(
      JSON.stringify(item?.documentation),
      /since Prometheus 3\.0\.0 · experimental \(needs --enable-feature=promql-experimental-functions\)/,
    );
  });

  it('hover on a function the target refuses says what it needs', async () => {
    const say = async (q: string, t: PromqlTarget): Promise<string> => (await hover(q, 1, store, t, TABLE))?.markdown ?? '';
    const exp = await say('info(up)', target('3.5.3'));
    assert.match(exp, /experimental \(needs --enable-feature=promql-experimental-functions\)/);
    assert.match(exp, /Not available here \(not enabled\)/);
    assert.match(await say('too_new(up)', target('3.5.3')), /since Prometheus 3\.9\.0[\s\S]*too new[\s\S]*Prometheus 3\.9\.0 or later/);
    assert.match(await say('holt_winters(up)', target('3.5.3')), /removed in 3\.0\.0[\s\S]*Prometheus before 3\.0\.0/);
    const ok = await say('info(up)', target('3.5.3', ['promql-experimental-functions']));
    assert.match(ok, /experimental/);
    assert.doesNotMatch(ok, /Not available/);
    assert.doesNotMatch(await say('abs(up)', target('3.5.3')), /Prometheus|Not available/, 'no gate, nothing said');
  });

  it('signature help says it too', () => {
    const sig = signatureHelp('too_new(', 8, target('3.5.3'), TABLE);
    assert.match(sig?.documentation ?? '', /Not available here \(too new\)\*\*: needs Prometheus 3\.9\.0 or later/);
    assert.doesNotMatch(signatureHelp('too_new(', 8, target('3.9.1'), TABLE)?.documentation ?? '', /Not available/);
  });

  it('without a target, follows the pinned Prometheus', async () => {
    const completer = new Completer(store, undefined, TABLE);
    const items = (await completer.complete('sum(', 4)).items.map((i) => i.label);
    assert.equal(DEFAULT_TARGET.version, '3.5.5');
    assert.ok(items.includes('rate') && !items.includes('holt_winters') && !items.includes('info'));
  });
});

// statusView: the status bar text, tone and Markdown tooltip for each monitor state.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CostSettings, md, statusView } from '../../src/core/power/statusView';
import type { PowerSample, PowerStatus } from '../../src/shared/power';

const COST: CostSettings = { costPerKWh: 0.15, currency: 'EUR', carbonIntensity: 475 };
const SINCE = '09:00';
const T0 = Date.UTC(2025, 0, 15, 9, 30, 0);

const raplSample: PowerSample = {
  time: T0,
  watts: 20.04,
  source: 'rapl',
  estimated: false,
  zones: { 'package-0': 15, 'package-0/dram': 2.5, 'package-1': 5.04 },
  detail: 'RAPL, sum of 2 packages',
};
const estimateSample: PowerSample = {
  time: T0,
  watts: 12.345,
  source: 'estimate',
  estimated: true,
  zones: { cpu: 12.345 },
  detail: 'estimate: Teads curve, TDP 20 W, CPU 12%',
};

function status(over: Partial<PowerStatus>): PowerStatus {
  return { state: 'live', mode: 'auto', reason: 'auto: Using RAPL', energyJoules: 3.6e6, since: T0 - 3600_000, ...over };
}

describe('statusView', () => {
  it('live estimate: "$(zap) ≈" and the tooltip says it is an estimate', () => {
    const v = statusView(status({ source: 'estimate', last: estimateSample, reason: 'auto: Using the estimate' }), COST, SINCE);
    assert.ok(v.text.startsWith('$(zap) ≈'), v.text);
    assert.equal(v.text, '$(zap) ≈12.3 W');
    assert.equal(v.tone, 'normal');
    assert.match(v.tooltip, /\*\*estimate\*\*, not a measurement/);
    assert.equal(v.ariaLabel, 'OptiVolt host power ≈12.3 W estimated, live');
  });

  it('live RAPL: a plain value, no ≈ anywhere', () => {
    const v = statusView(status({ source: 'rapl', last: raplSample }), COST, SINCE);
    assert.equal(v.text, '$(zap) 20.0 W');
    assert.equal(v.tone, 'normal');
    assert.ok(!v.text.includes('≈') && !v.tooltip.includes('≈'));
    assert.ok(!v.tooltip.includes('estimate'), v.tooltip);
    assert.equal(v.ariaLabel, 'OptiVolt host power 20.0 W, live');
  });

  it('stale: dim, keeps the last value and says when it was read', () => {
    const v = statusView(status({ state: 'stale', source: 'rapl', last: raplSample, reason: 'Cannot read energy_uj' }), COST, SINCE);
    assert.equal(v.tone, 'dim');
    assert.equal(v.text, '$(zap) 20.0 W $(debug-disconnect)');
    assert.ok(v.tooltip.includes(`_Last value from ${new Date(T0).toLocaleTimeString()}, no fresh reading since._`), v.tooltip);
    assert.ok(v.tooltip.includes('(stale, mode auto)'));
  });

  it('error without a value: "$(zap) – W" and tone error', () => {
    const v = statusView(status({ state: 'error', source: undefined, last: undefined, reason: 'No power source works' }), COST, SINCE);
    assert.equal(v.text, '$(zap) – W');
    assert.equal(v.tone, 'error');
    assert.ok(v.tooltip.includes('Source: **none** (error, mode auto)'), v.tooltip);
    assert.ok(!v.tooltip.includes('| Zone |'));
    assert.equal(v.ariaLabel, 'OptiVolt error');
  });

  it('error with a previous value keeps it beside an error icon', () => {
    const v = statusView(status({ state: 'error', source: 'rapl', last: raplSample }), COST, SINCE);
    assert.equal(v.text, '$(zap) 20.0 W $(error)');
    assert.equal(v.tone, 'error');
  });

  it('starting: a spinner', () => {
    assert.equal(statusView(status({ state: 'starting', last: undefined }), COST, SINCE).text, '$(sync~spin) OptiVolt');
    assert.equal(statusView(status({ state: 'starting', last: raplSample }), COST, SINCE).text, '$(sync~spin) 20.0 W');
  });

  it('tooltip: zones table, reason, detail, energy/cost/CO2 line and command links', () => {
    const reason = 'Cannot read /sys/class/powercap/intel-rapl:0/energy_uj (chmod o+r)';
    const v = statusView(status({ source: 'rapl', last: raplSample, reason }), COST, SINCE);
    const lines = v.tooltip.split('\n');
    assert.equal(lines[0], '$(zap) **20\\.0 W** host power');
    for (const row of [
      '| Zone | Watts |',
      '|:--|--:|',
      '| package\\-0 | 15\\.0 W |',
      '| package\\-0/dram | 2\\.5 W |',
      '| package\\-1 | 5\\.0 W |',
    ]) {
      assert.ok(lines.includes(row), `missing row ${row}\n${v.tooltip}`);
    }
    assert.ok(lines.includes(md(reason)), v.tooltip);
    assert.ok(v.tooltip.includes('energy\\_uj \\(chmod o\\+r\\)'), 'reason is Markdown-escaped');
    assert.ok(lines.includes('RAPL, sum of 2 packages'));
    assert.ok(lines.includes('Since 09:00: **1\\.00 kWh** · 0\\.15 EUR · 475\\.0 g CO2e'), v.tooltip);
    assert.equal(
      lines.at(-1),
      '[Power view](command:optivolt.showPower) · [Details](command:optivolt.showPowerDetails) · [Change source](command:optivolt.selectPowerSource) · [Log](command:optivolt.showLog)',
    );
  });

  it('links only to contributed commands', () => {
    const manifest = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as {
      contributes: { commands: Array<{ command: string }> };
    };
    const contributed = new Set(manifest.contributes.commands.map((c) => c.command));
    const links = [...statusView(status({}), COST, SINCE).tooltip.matchAll(/\(command:([\w.]+)\)/g)].map((m) => m[1]);
    assert.equal(links.length, 4);
    for (const id of links) assert.ok(contributed.has(id), `${id} is not contributed`);
  });

  it('md escapes Markdown specials', () => {
    assert.equal(md('a_b*c[d](e)#f|g'), 'a\\_b\\*c\\[d\\]\\(e\\)\\#f\\|g');
    assert.equal(md('plain words'), 'plain words');
  });
});

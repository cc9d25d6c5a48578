// One money format for every surface (issue 19: "0.00 EUR", "< 0.000001 EUR" and "0.0000013 EUR" in one tool):
// src/shared/money.ts, and each surface that can run in plain Node, checked to show a cost through it.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { currencyFormatter } from '../../media/common/format';
import { formatCost } from '../../src/core/energy/cost';
import { statusView } from '../../src/core/power/statusView';
import { formatMoney } from '../../src/shared/money';
import type { PowerStatus } from '../../src/shared/power';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');

describe('money format (one rule, every surface)', () => {
  describe('formatMoney', () => {
    it('two decimals for EUR from a cent up, whatever the size', () => {
      assert.equal(formatMoney(0.01, 'EUR'), '0.01 EUR');
      assert.equal(formatMoney(0.15, 'EUR'), '0.15 EUR');
      assert.equal(formatMoney(1234.567, 'EUR'), '1234.57 EUR');
    });

    it('two significant figures below a cent, never a misleading 0.00 or a "<"', () => {
      assert.equal(formatMoney(0.0099, 'EUR'), '0.0099 EUR');
      assert.equal(formatMoney(0.001234, 'EUR'), '0.0012 EUR');
      assert.equal(formatMoney(0.0000013, 'EUR'), '0.0000013 EUR');
      assert.equal(formatMoney(1.2835e-7, 'EUR'), '0.00000013 EUR');
      assert.equal(formatMoney(3e-12, 'EUR'), '0.0000000000030 EUR');
      for (const a of [1e-3, 1e-5, 1e-7, 1e-9, 4.9e-3]) assert.doesNotMatch(formatMoney(a, 'EUR'), /^(0\.00 |<)/, String(a));
    });

    it('rounds up to a cent without writing 0.010', () => {
      assert.equal(formatMoney(0.00996, 'EUR'), '0.01 EUR');
      assert.equal(formatMoney(0.00994, 'EUR'), '0.0099 EUR');
    });

    it('0.00 is kept for a cost of exactly nothing', () => {
      assert.equal(formatMoney(0, 'EUR'), '0.00 EUR');
    });

    it("follows the currency's own decimals (JPY none, KWD three)", () => {
      assert.equal(formatMoney(12.4, 'JPY'), '12 JPY');
      assert.equal(formatMoney(0.4, 'JPY'), '0.40 JPY');
      assert.equal(formatMoney(1.23456, 'KWD'), '1.235 KWD');
      assert.equal(formatMoney(0.0004, 'KWD'), '0.00040 KWD');
    });

    it('shows a code Intl does not know as given, with two decimals', () => {
      assert.equal(formatMoney(0.15, 'XTS'), '0.15 XTS');
      assert.equal(formatMoney(0.15, 'EURO'), '0.15 EURO');
      assert.equal(formatMoney(0.000012, '€'), '0.000012 €');
    });

    it('digits in one form whatever the locale, no grouping, a dash for a missing amount', () => {
      assert.equal(formatMoney(98765.4, 'USD'), '98765.40 USD');
      assert.equal(formatMoney(Number.NaN, 'EUR'), '– EUR');
      assert.equal(formatMoney(Number.POSITIVE_INFINITY, 'EUR'), '– EUR');
    });
  });

  describe('surfaces', () => {
    const amounts = [0, 0.0000013, 0.0004, 0.0099, 0.15, 12.345];

    it('core formatCost (status bar details, Energy Sessions, notifications, CLI) is formatMoney', () => {
      for (const a of amounts) assert.equal(formatCost(a, 'EUR'), formatMoney(a, 'EUR'));
    });

    it("the power view's cost cell is formatMoney (a dash when there is no figure)", () => {
      const cell = currencyFormatter('EUR');
      for (const a of amounts) assert.equal(cell(a), formatMoney(a, 'EUR'));
      assert.equal(cell(Number.NaN), '–');
    });

    it("the status bar tooltip's cost is formatMoney", () => {
      // 0.03 J at 0.15 EUR/kWh: 1.25e-9 EUR.
      const status: PowerStatus = { state: 'starting', mode: 'auto', reason: 'test', energyJoules: 0.03, since: 0 };
      const v = statusView(status, { costPerKWh: 0.15, currency: 'EUR', carbonIntensity: 475 }, '09:00');
      assert.ok(v.tooltip.includes(' · 0\\.0000000013 EUR · '), v.tooltip);
    });

    it('`optivolt measure` (dist/cli.js) prints the cost of a short run with its two significant figures', function () {
      this.timeout(20000);
      const r = spawnSync(process.execPath, [CLI, 'measure', '--source', 'estimate', '--baseline', '0', '--', process.execPath, '-e', ''], {
        encoding: 'utf8',
        timeout: 15000,
      });
      assert.equal(r.status, 0, r.stderr);
      const m = /^ {2}cost: (\S+) EUR at 0\.15 EUR\/kWh/m.exec(r.stderr);
      assert.ok(m, r.stderr);
      // A program's few joules cost about 1e-7 EUR: shown as such, not "< 0.000001" nor 0.00.
      assert.match(m[1], /^0\.0*[1-9]\d$/, r.stderr);
    });
  });
});

// Energy -> kWh, cost and CO2, and the shared number formatting.
import { strict as assert } from 'node:assert';
import { energyFigures, formatCo2, formatCost, formatEnergy, formatWatts } from '../../src/core/energy/cost';

const close = (actual: number, expected: number, eps = 1e-12): void =>
  assert.ok(Math.abs(actual - expected) <= eps, `expected ${expected}, got ${actual}`);

describe('energy cost and formatting', () => {
  describe('energyFigures', () => {
    it('3.6e6 J is 1 kWh, costed and converted to CO2', () => {
      const e = energyFigures(3.6e6, 0.15, 475);
      assert.equal(e.joules, 3.6e6);
      assert.equal(e.kWh, 1);
      close(e.cost, 0.15);
      assert.equal(e.co2Grams, 475);
    });

    it('scales linearly for small amounts', () => {
      const e = energyFigures(7200, 0.2, 400); // 2 Wh
      close(e.kWh, 0.002);
      close(e.cost, 0.0004);
      close(e.co2Grams, 0.8);
    });

    it('never yields negative cost or CO2', () => {
      const e = energyFigures(-100, 0.15, 475);
      assert.equal(e.kWh, 0);
      assert.equal(e.cost, 0);
      assert.equal(e.co2Grams, 0);
    });

    it('zero price and zero intensity give zero', () => {
      const e = energyFigures(3.6e6 * 5, 0, 0);
      assert.equal(e.kWh, 5);
      assert.equal(e.cost, 0);
      assert.equal(e.co2Grams, 0);
    });
  });

  describe('formatWatts', () => {
    it('one decimal in W below 1 kW, two in kW above', () => {
      assert.equal(formatWatts(0), '0.0 W');
      assert.equal(formatWatts(2.44), '2.4 W');
      assert.equal(formatWatts(12.345), '12.3 W');
      assert.equal(formatWatts(999.9), '999.9 W');
      assert.equal(formatWatts(1000), '1.00 kW');
      assert.equal(formatWatts(1534), '1.53 kW');
    });
    it('shows a dash for non-finite values', () => {
      assert.equal(formatWatts(Number.NaN), '– W');
      assert.equal(formatWatts(Number.POSITIVE_INFINITY), '– W');
    });
  });

  describe('formatEnergy', () => {
    it('J below 1 Wh, then Wh, then kWh', () => {
      assert.equal(formatEnergy(0), '0.00 J');
      assert.equal(formatEnergy(5), '5.00 J');
      assert.equal(formatEnergy(42.4), '42 J');
      assert.equal(formatEnergy(3599), '3599 J');
      assert.equal(formatEnergy(3600), '1.00 Wh');
      assert.equal(formatEnergy(36000), '10.0 Wh');
      assert.equal(formatEnergy(3600 * 999.9), '999.9 Wh');
      assert.equal(formatEnergy(3.6e6), '1.00 kWh');
      assert.equal(formatEnergy(3.6e6 * 2.5), '2.50 kWh');
    });
  });

  describe('formatCost', () => {
    it("the currency's decimals from one minor unit, two significant figures below, 0.00 only for nothing", () => {
      assert.equal(formatCost(0, 'EUR'), '0.00 EUR');
      assert.equal(formatCost(1.5, 'EUR'), '1.50 EUR');
      assert.equal(formatCost(12.345, 'USD'), '12.35 USD');
      assert.equal(formatCost(0.15, 'EUR'), '0.15 EUR');
      assert.equal(formatCost(0.05, 'EUR'), '0.05 EUR');
      assert.equal(formatCost(0.0004, 'EUR'), '0.00040 EUR');
      assert.equal(formatCost(0.00000137, 'EUR'), '0.0000014 EUR');
      assert.equal(formatCost(0.000001, 'GBP'), '0.0000010 GBP');
      // Was "< 0.000001 GBP": a short run costs that little, and says how little.
      assert.equal(formatCost(4.8e-8, 'GBP'), '0.000000048 GBP');
    });
  });

  describe('formatCo2', () => {
    it('g below 1 kg, then kg', () => {
      assert.equal(formatCo2(0), '0.00 g CO2e');
      assert.equal(formatCo2(0.8), '0.80 g CO2e');
      assert.equal(formatCo2(12.34), '12.3 g CO2e');
      assert.equal(formatCo2(475), '475.0 g CO2e');
      assert.equal(formatCo2(1500), '1.50 kg CO2e');
    });
  });
});

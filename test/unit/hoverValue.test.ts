// The hover's live values read as numbers a person writes: no "8.50689e+6 µW" (toPrecision's exponent form).
import { strict as assert } from 'node:assert';
import { formatLiveValue } from '../../src/server/promql/hover';

describe('PromQL hover: live value formatting', () => {
  it('a Scaphandre host power in plain notation, with Watts beside it', () => {
    assert.equal(formatLiveValue(8506890.5, 'microwatts'), '8506891 µW (8.51 W)');
    assert.equal(formatLiveValue(8506894, 'microwatts'), '8506894 µW (8.51 W)');
  });
  it('whole from 1e5 up, else six significant digits, trailing zeros dropped; tiny values keep an exponent', () => {
    assert.equal(formatLiveValue(0.123456789, undefined), '0.123457');
    assert.equal(formatLiveValue(2.5, undefined), '2.5');
    assert.equal(formatLiveValue(123456789.25, undefined), '123456789');
    assert.equal(formatLiveValue(12345.678, undefined), '12345.7');
    assert.equal(formatLiveValue(1.2345678e-7, undefined), '1.23457e-7');
    assert.equal(formatLiveValue(Number.NaN, undefined), 'NaN');
    assert.equal(formatLiveValue(3.2e9, 'microjoules'), '3200000000 µJ (3200.0 J)');
  });
});

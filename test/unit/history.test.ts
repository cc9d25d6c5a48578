// HostHistory (the last hour of host power: energy, cost, CO2, W per % CPU) and IdleLevel (idle power for active-only).
import { strict as assert } from 'node:assert';
import { HostHistory } from '../../src/core/attribution/history';
import { IDLE_WINDOW_MS, IdleLevel } from '../../src/core/attribution/idleLevel';
import type { HostPoint } from '../../src/shared/attribution';

const close = (actual: number, expected: number, eps = 1e-9): void =>
  assert.ok(Math.abs(actual - expected) <= eps, `expected ${expected}, got ${actual}`);

const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;
const pt = (t: number, watts: number): HostPoint => ({ t, watts, zones: { 'package-0': watts } });

describe('HostHistory', () => {
  it('keeps points in order and returns copies without the cpu field', () => {
    const h = new HostHistory();
    h.push(pt(T0, 10), 0.5);
    h.push(pt(T0 + 2000, 12));
    assert.deepEqual(h.all(), [pt(T0, 10), pt(T0 + 2000, 12)]);
  });

  it('drops points older than one hour (the boundary point stays)', () => {
    const h = new HostHistory();
    h.push(pt(T0, 1));
    h.push(pt(T0 + 1000, 2));
    h.push(pt(T0 + HOUR, 3));
    assert.deepEqual(
      h.all().map((p) => p.watts),
      [1, 2, 3],
      'exactly one hour old is kept',
    );
    h.push(pt(T0 + HOUR + 1, 4));
    assert.deepEqual(
      h.all().map((p) => p.watts),
      [2, 3, 4],
    );
    h.push(pt(T0 + 3 * HOUR, 5));
    assert.deepEqual(
      h.all().map((p) => p.watts),
      [5],
    );
  });

  it('ignores a point at the same time (or earlier) than the last one', () => {
    const h = new HostHistory();
    h.push(pt(T0, 10));
    h.push(pt(T0, 99));
    h.push(pt(T0 - 1000, 98));
    assert.deepEqual(h.all(), [pt(T0, 10)]);
  });

  it('lastHour energy: trapezoids (10 W for 60 s at 2 s spacing = 600 J), with cost and CO2', () => {
    const h = new HostHistory();
    for (let i = 0; i <= 30; i++) h.push(pt(T0 + i * 2000, 10));
    const lh = h.lastHour(0.25, 400);
    close(lh.joules, 600);
    close(lh.cost, (600 / 3.6e6) * 0.25, 1e-15);
    close(lh.co2Grams, (600 / 3.6e6) * 400, 1e-12);
  });

  it('lastHour energy: a ramp integrates as trapezoids, not rectangles', () => {
    const h = new HostHistory();
    h.push(pt(T0, 0));
    h.push(pt(T0 + 10_000, 20));
    close(h.lastHour(0, 0).joules, 100);
  });

  it('lastHour energy: gaps over 60 s are skipped (a pause), a 60 s gap is counted', () => {
    const h = new HostHistory();
    h.push(pt(T0, 10));
    h.push(pt(T0 + 2000, 10)); // 20 J
    h.push(pt(T0 + 2000 + 61_000, 10)); // gap: skipped
    h.push(pt(T0 + 2000 + 61_000 + 2000, 10)); // 20 J
    close(h.lastHour(0, 0).joules, 40);
    h.push(pt(T0 + 2000 + 61_000 + 2000 + 60_000, 10)); // exactly 60 s: 600 J
    close(h.lastHour(0, 0).joules, 640);
  });

  it('lastHour of an empty or one-point history is zero', () => {
    const h = new HostHistory();
    assert.deepEqual(h.lastHour(0.25, 400), { joules: 0, cost: 0, co2Grams: 0 });
    h.push(pt(T0, 50), 0.5);
    assert.equal(h.lastHour(0.25, 400).joules, 0);
  });

  it('wattsPerCpuPercent = mean W / mean CPU% over the points that have CPU (setCpu or push)', () => {
    const h = new HostHistory();
    h.push(pt(T0, 10));
    h.push(pt(T0 + 2000, 20));
    h.push(pt(T0 + 4000, 1000)); // no CPU known: not in the means
    h.setCpu(T0, 0.25);
    h.setCpu(T0 + 2000, 0.75);
    close(h.lastHour(0, 0).wattsPerCpuPercent!, 15 / 50);
    h.push(pt(T0 + 6000, 30), 0.5);
    close(h.lastHour(0, 0).wattsPerCpuPercent!, 20 / 50);
  });

  it('setCpu of an unknown time changes nothing', () => {
    const h = new HostHistory();
    h.push(pt(T0, 10));
    h.setCpu(T0 + 1, 0.5);
    h.setCpu(T0 - 1, 0.5);
    assert.equal(h.lastHour(0, 0).wattsPerCpuPercent, undefined);
  });

  it('wattsPerCpuPercent is undefined at 0% CPU (and without CPU data)', () => {
    const h = new HostHistory();
    h.push(pt(T0, 10));
    h.push(pt(T0 + 2000, 10));
    assert.equal(h.lastHour(0, 0).wattsPerCpuPercent, undefined);
    assert.equal('wattsPerCpuPercent' in h.lastHour(0, 0), false);
    h.setCpu(T0, 0);
    h.setCpu(T0 + 2000, 0);
    assert.equal(h.lastHour(0, 0).wattsPerCpuPercent, undefined);
  });
});

describe('IdleLevel', () => {
  it('is 0 before any sample', () => {
    assert.equal(new IdleLevel().watts, 0);
  });

  it('the model idle wins over observed minima', () => {
    const l = new IdleLevel();
    l.observe(5, undefined, T0);
    l.observe(30, 12, T0 + 1000);
    assert.equal(l.watts, 12);
  });

  it('without a model idle: the minimum over the last 10 minutes', () => {
    const l = new IdleLevel();
    l.observe(20, undefined, T0);
    l.observe(12, undefined, T0 + 1000);
    l.observe(15, undefined, T0 + 2000);
    l.observe(25, undefined, T0 + 3000);
    assert.equal(l.watts, 12);
  });

  it('older minima expire after 10 minutes, the next lowest takes over', () => {
    const l = new IdleLevel();
    l.observe(20, undefined, T0);
    l.observe(12, undefined, T0 + 1000);
    l.observe(15, undefined, T0 + 2000);
    l.observe(25, undefined, T0 + 1000 + IDLE_WINDOW_MS); // the 12 W sample is exactly 10 min old: kept
    assert.equal(l.watts, 12);
    l.observe(30, undefined, T0 + 1001 + IDLE_WINDOW_MS);
    assert.equal(l.watts, 15);
    l.observe(40, undefined, T0 + 2001 + 2 * IDLE_WINDOW_MS);
    assert.equal(l.watts, 40, 'everything older than 10 minutes is gone');
  });

  it('falls back to the observed minimum when the model idle goes away', () => {
    const l = new IdleLevel();
    l.observe(18, 3, T0);
    assert.equal(l.watts, 3);
    l.observe(22, undefined, T0 + 1000);
    assert.equal(l.watts, 18);
  });

  it('ignores NaN and negative readings', () => {
    const l = new IdleLevel();
    l.observe(9, undefined, T0);
    l.observe(NaN, undefined, T0 + 1000);
    l.observe(-1, undefined, T0 + 2000);
    assert.equal(l.watts, 9);
  });
});

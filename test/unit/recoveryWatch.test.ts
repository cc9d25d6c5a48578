// RecoveryWatch (src/core/prometheus/recoveryWatch.ts), with an injected clock: the delays between probes grow,
// a successful probe calls back once, and stop() leaves no timer and ignores a probe still in flight.
import { strict as assert } from 'node:assert';
import { RecoveryWatch } from '../../src/core/prometheus/recoveryWatch';

/** Timers the test fires by hand, in the order they were set. */
class ManualTimers {
  readonly pending = new Map<number, { fn: () => void; ms: number }>();
  private next = 0;
  readonly set = (fn: () => void, ms: number): unknown => {
    this.pending.set(++this.next, { fn, ms });
    return this.next;
  };
  readonly clear = (h: unknown): void => void this.pending.delete(h as number);
  /** Fires the only pending timer and returns its delay. */
  fire(): number {
    assert.equal(this.pending.size, 1, 'one timer pending');
    const [id, t] = [...this.pending][0];
    this.pending.delete(id);
    t.fn();
    return t.ms;
  }
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('RecoveryWatch', () => {
  it('probes after 1 s, then 2, 4, 8 ... at most the cap, and calls back once when a probe succeeds', async () => {
    const timers = new ManualTimers();
    const answers = [false, false, false, false, false, true];
    let ups = 0;
    const w = new RecoveryWatch(
      async () => answers.shift()!,
      () => ups++,
      { firstDelayMs: 1000, maxDelayMs: 10000, setTimer: timers.set, clearTimer: timers.clear },
    );
    w.start();
    assert.equal(w.active, true);
    const delays: number[] = [];
    while (timers.pending.size) {
      delays.push(timers.fire());
      await settle();
    }
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 10000, 10000]);
    assert.equal(ups, 1);
    assert.equal(w.active, false);
  });

  it('counts a probe that throws as down', async () => {
    const timers = new ManualTimers();
    let ups = 0;
    const w = new RecoveryWatch(
      async () => Promise.reject(new Error('ECONNREFUSED')),
      () => ups++,
      { setTimer: timers.set, clearTimer: timers.clear },
    );
    w.start();
    timers.fire();
    await settle();
    assert.equal(ups, 0);
    assert.equal(w.active, true);
    assert.equal(timers.pending.size, 1, 'probing goes on');
    w.dispose();
  });

  it('stop() clears the timer; start() again begins from the first delay', async () => {
    const timers = new ManualTimers();
    const w = new RecoveryWatch(
      async () => false,
      () => assert.fail('not up'),
      { firstDelayMs: 500, setTimer: timers.set, clearTimer: timers.clear },
    );
    w.start();
    timers.fire();
    await settle();
    assert.equal([...timers.pending.values()][0].ms, 1000);
    w.stop();
    assert.equal(timers.pending.size, 0);
    assert.equal(w.active, false);
    w.start();
    assert.equal([...timers.pending.values()][0].ms, 500);
    w.start(); // already running: keeps its one timer
    assert.equal(timers.pending.size, 1);
    w.dispose();
  });

  it('a probe in flight when the watch stops is aborted and its answer ignored', async () => {
    const timers = new ManualTimers();
    let release: (up: boolean) => void = () => undefined;
    let seen: AbortSignal | undefined;
    let ups = 0;
    const w = new RecoveryWatch(
      (signal) => {
        seen = signal;
        return new Promise<boolean>((r) => (release = r));
      },
      () => ups++,
      { setTimer: timers.set, clearTimer: timers.clear },
    );
    w.start();
    timers.fire();
    w.stop();
    assert.equal(seen?.aborted, true);
    release(true);
    await settle();
    assert.equal(ups, 0);
    assert.equal(timers.pending.size, 0);
  });
});

// MonitorDemand: the monitor runs while any holder exists, and only then.
import { strict as assert } from 'node:assert';
import { MonitorDemand, Runnable } from '../../src/core/power/monitorDemand';

/** A monitor that records its starts and stops, and is idempotent like PowerMonitor. */
class FakeMonitor implements Runnable {
  running = false;
  calls: string[] = [];
  start(): void {
    this.calls.push('start');
    this.running = true;
  }
  stop(): void {
    this.calls.push('stop');
    this.running = false;
  }
}

describe('MonitorDemand', () => {
  it('starts nothing until someone acquires', () => {
    const m = new FakeMonitor();
    const d = new MonitorDemand(m);
    assert.equal(m.running, false);
    assert.deepEqual(m.calls, []);
    assert.equal(d.active, false);
  });

  it('starts the monitor on the first acquire, and only then', () => {
    const m = new FakeMonitor();
    const d = new MonitorDemand(m);
    d.acquire('statusBar');
    assert.equal(m.running, true);
    d.acquire('powerView');
    assert.deepEqual(m.calls, ['start'], 'a second holder does not start it again');
    assert.deepEqual(d.reasons, ['statusBar', 'powerView']);
  });

  it('stops the monitor after the last release, not before', () => {
    const m = new FakeMonitor();
    const d = new MonitorDemand(m);
    const a = d.acquire('statusBar');
    const b = d.acquire('details');
    a.dispose();
    assert.equal(m.running, true, 'one holder left');
    assert.deepEqual(d.reasons, ['details']);
    b.dispose();
    assert.equal(m.running, false);
    assert.deepEqual(m.calls, ['start', 'stop']);
    assert.equal(d.active, false);
  });

  it('ignores a second release of the same handle (it does not drop another holder)', () => {
    const m = new FakeMonitor();
    const d = new MonitorDemand(m);
    const a = d.acquire('powerView');
    const b = d.acquire('powerView'); // two holders may share a reason: each handle counts on its own
    a.dispose();
    a.dispose();
    assert.equal(m.running, true, 'b still holds the monitor');
    assert.deepEqual(d.reasons, ['powerView']);
    b.dispose();
    b.dispose();
    assert.deepEqual(m.calls, ['start', 'stop'], 'stopped once');
  });

  it('starts again when acquired after everyone released', () => {
    const m = new FakeMonitor();
    const d = new MonitorDemand(m);
    d.acquire('measurements').dispose();
    const again = d.acquire('measurements');
    assert.equal(m.running, true);
    assert.deepEqual(m.calls, ['start', 'stop', 'start']);
    again.dispose();
    assert.equal(m.running, false);
  });

  it('releases in any order', () => {
    const m = new FakeMonitor();
    const d = new MonitorDemand(m);
    const hs = ['a', 'b', 'c'].map((r) => d.acquire(r));
    hs[1].dispose();
    hs[2].dispose();
    assert.equal(m.running, true);
    hs[0].dispose();
    assert.equal(m.running, false);
  });

  it('dispose stops the monitor; later releases and acquires do nothing', () => {
    const m = new FakeMonitor();
    const d = new MonitorDemand(m);
    const a = d.acquire('statusBar');
    d.dispose();
    assert.equal(m.running, false);
    assert.equal(d.active, false);
    a.dispose();
    const late = d.acquire('powerView');
    assert.equal(m.running, false, 'nothing starts once the extension is gone');
    late.dispose();
    assert.deepEqual(m.calls, ['start', 'stop']);
  });
});

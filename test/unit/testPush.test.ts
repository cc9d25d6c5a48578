// What `optivolt test --push` sends: the heaviest N tests and the rest summed as "(other tests)", so a suite of any
// size adds at most N + 1 test series per run; --push-minimal keeps the tests.
import { strict as assert } from 'node:assert';
import { minimalSamples, OTHER_TESTS, testSamples } from '../../src/core/push/pushResults';
import { parseTestArgs } from '../../src/cli/test';

const figures = { energyJoules: 10, durationSeconds: 2, source: 'rapl', estimated: false, exitCode: 0, runs: 1 };

describe('optivolt test --push samples', () => {
  it('top N tests by label, the rest as (other tests), same-named tests summed', () => {
    const tests = [
      { suite: 's', name: 'a', joules: 5 },
      { suite: 's', name: 'b', joules: 3 },
      { suite: '', name: 'c', joules: 1 },
      { suite: 's', name: 'b', joules: 0.5 },
      { suite: 's', name: 'd', joules: 0.25 },
    ];
    const t = testSamples(figures, tests, 2, 0).filter((s) => s.name === 'optivolt_test_energy_joules');
    assert.deepEqual(
      t.map((s) => [s.labels.test, s.value]),
      [
        ['s > a', 5],
        ['s > b', 3],
        [OTHER_TESTS, 1.75],
      ],
    );
    const all = testSamples(figures, tests, 10, 0).filter((s) => s.name === 'optivolt_test_energy_joules');
    assert.deepEqual(
      all.map((s) => [s.labels.test, s.value]),
      [
        ['s > a', 5],
        ['s > b', 3.5],
        ['c', 1],
        ['s > d', 0.25],
      ],
    );
    assert.ok(minimalSamples(testSamples(figures, tests, 2, 0)).some((s) => s.name === 'optivolt_test_energy_joules'));
  });

  it('parses --push-tests with its bounds', () => {
    const a = parseTestArgs(['--push-remote-write', 'http://127.0.0.1:9/api/v1/write', '--push-tests', '7', '--', 'npm', 'test']);
    assert.ok(a !== 'help' && a.pushTests === 7 && a.push?.targets.length === 1);
    const d = parseTestArgs(['--', 'npm', 'test']);
    assert.ok(d !== 'help' && d.pushTests === 100 && d.push === undefined);
    assert.throws(() => parseTestArgs(['--push', 'http://127.0.0.1:9', '--push-tests', '0', '--', 'x']), /--push-tests/);
  });
});

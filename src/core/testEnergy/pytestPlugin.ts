/** The pytest plugin's module name: loaded through PYTEST_PLUGINS (pytest's config/__init__.py reads it, comma-separated). */
export const PYTEST_PLUGIN_MODULE = 'optivolt_test_energy';

/**
 * A pure-Python pytest plugin (nothing to install): pytest_runtest_protocol wraps each test item's setup, call and
 * teardown, timed with time.monotonic_ns() (CLOCK_MONOTONIC on Linux, the measurement timeline's clock) and the
 * process's CPU time (os.times). One JSON line per test to OPTIVOLT_TEST_DIR/tests-<pid>.jsonl, the format of the
 * Node hooks; pytest-xdist's workers inherit the environment and load it too.
 */
export const PYTEST_PLUGIN_SOURCE = `# Written by optivolt test: records each test item's time window in this process.
import atexit
import json
import os
import time

import pytest

_DIR = os.environ.get('OPTIVOLT_TEST_DIR')
_OUT = os.path.join(_DIR, 'tests-%d.jsonl' % os.getpid()) if _DIR else None
_WROTE = [False]


def _cpu_us():
    t = os.times()
    return int((t.user + t.system) * 1e6)


def _write(rec):
    if not _OUT:
        return
    rec = dict(rec, pid=os.getpid())
    try:
        with open(_OUT, 'a', encoding='utf-8') as f:
            f.write(json.dumps(rec) + '\\n')
    except OSError:
        pass


@atexit.register
def _at_exit():
    if _WROTE[0]:
        _write({'exit': True, 'cpuUs': _cpu_us()})


_OUTCOMES = {}


def pytest_runtest_logreport(report):
    prev = _OUTCOMES.get(report.nodeid)
    if report.failed:
        _OUTCOMES[report.nodeid] = 'failed'
    elif report.skipped and prev != 'failed':
        _OUTCOMES[report.nodeid] = 'skipped'
    elif report.when == 'call' and prev is None:
        _OUTCOMES[report.nodeid] = 'passed'


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    start = time.monotonic_ns() // 1000
    cpu0 = _cpu_us()
    yield
    end = time.monotonic_ns() // 1000
    rel, lineno, _ = item.location
    parts = item.nodeid.split('::')
    _WROTE[0] = True
    _write({
        'framework': 'pytest',
        'name': item.name,
        'suite': ' > '.join(parts[1:-1]),
        'file': str(getattr(item, 'path', None) or getattr(item, 'fspath', rel)),
        'line': (lineno + 1) if isinstance(lineno, int) else None,
        'outcome': _OUTCOMES.pop(item.nodeid, 'unknown'),
        'startUs': start,
        'endUs': end,
        'cpuUs': _cpu_us() - cpu0,
    })
`;

/**
 * The Python sampler, standard library only, loaded at start-up as `sitecustomize` (a folder put first on
 * PYTHONPATH; site.py imports sitecustomize after the site folders are on sys.path, then this module loads the
 * sitecustomize it shadows, so a distribution's own one still runs).
 *
 * It samples on CPU time: signal.setitimer(ITIMER_PROF) sends SIGPROF each `interval` of the process's CPU time, so
 * a sleeping program is not sampled (the idle time is not charged to code). Python runs signal handlers on the main
 * thread between bytecodes, so each sample is the main thread's stack; other threads' CPU is charged to it (said in
 * the profile's limits). Each sample keeps time.monotonic() (CLOCK_MONOTONIC on Linux, the clock of the energy
 * intervals) and the stack as (function, file, first line) frames plus the leaf's current line. At exit (atexit,
 * so also after sys.exit and an uncaught exception, not after a fatal signal) it writes python-<pid>.json, renamed
 * into place. A forked child starts afresh with its own timer (setitimer is not inherited across fork) and writes
 * its file in os._exit, which forked children (multiprocessing's workers) end with and which skips atexit. SIGTERM
 * and SIGHUP, where the program leaves them at their default, write the file and then end the process by the same
 * signal (Python runs the handler between bytecodes: a long call into C delays it until it returns).
 */
export const PYTHON_SITECUSTOMIZE_SOURCE = `# Written by optivolt profile: a CPU-time sampling profiler (standard library only). See pythonSampler.ts.
import os as _ov_os
import sys as _ov_sys


def _ov_start():
    import atexit, json, signal, threading, time
    out = _ov_os.environ.get('OPTIVOLT_PROFILE_DIR')
    if not out or threading.current_thread() is not threading.main_thread() or not hasattr(signal, 'setitimer'):
        return
    try:
        interval = max(100, int(_ov_os.environ.get('OPTIVOLT_PROFILE_INTERVAL_US', '1000'))) / 1e6
    except ValueError:
        interval = 0.001
    state = {'frames': {}, 'stacks': {}, 'samples': [], 'pid': _ov_os.getpid()}
    limit = 2000000

    def frame_id(code):
        key = (code.co_name, code.co_filename, code.co_firstlineno)
        f = state['frames'].get(key)
        if f is None:
            f = state['frames'][key] = len(state['frames'])
        return f

    def on_prof(signum, frame):
        if frame is None or len(state['samples']) >= limit:
            return
        line = frame.f_lineno
        ids = []
        while frame is not None:
            ids.append(frame_id(frame.f_code))
            frame = frame.f_back
        ids.reverse()
        key = tuple(ids)
        s = state['stacks'].get(key)
        if s is None:
            s = state['stacks'][key] = len(state['stacks'])
        state['samples'].append((time.monotonic(), s, line))

    def write():
        if state['pid'] != _ov_os.getpid() or state.get('written'):
            return
        state['written'] = True
        try:
            signal.setitimer(signal.ITIMER_PROF, 0)
        except Exception:
            pass
        frames = [None] * len(state['frames'])
        for (name, filename, first), i in state['frames'].items():
            frames[i] = [name, filename, first]
        stacks = [None] * len(state['stacks'])
        for key, i in state['stacks'].items():
            stacks[i] = list(key)
        t = _ov_os.times()
        doc = {'format': 'optivolt-python-samples', 'version': 1, 'pid': state['pid'], 'intervalUs': round(interval * 1e6),
               'cpuUs': round((t[0] + t[1]) * 1e6),
               'frames': frames, 'stacks': stacks, 'samples': [[round(t * 1e6), s, l] for t, s, l in state['samples']]}
        path = _ov_os.path.join(out, 'python-%d.json' % state['pid'])
        tmp = path + '.tmp'
        try:
            with open(tmp, 'w') as f:
                json.dump(doc, f, separators=(',', ':'))
            _ov_os.replace(tmp, path)
        except Exception:
            try:
                _ov_os.remove(tmp)
            except Exception:
                pass

    def begin():
        state['pid'] = _ov_os.getpid()
        state['written'] = False
        state['frames'].clear()
        state['stacks'].clear()
        del state['samples'][:]
        try:
            signal.signal(signal.SIGPROF, on_prof)
            signal.setitimer(signal.ITIMER_PROF, interval, interval)
        except Exception:
            pass

    begin()
    atexit.register(write)
    # Forked children (multiprocessing's workers, os.fork) end with os._exit, which skips atexit: write first.
    real_exit = _ov_os._exit

    def exit_now(code):
        try:
            write()
        finally:
            real_exit(code)

    _ov_os._exit = exit_now

    # SIGTERM and SIGHUP end a Python process without atexit (multiprocessing's Pool.terminate, a supervisor): where
    # the program left them at their default, write, then die by the same signal as it would have.
    def on_ending(signum, frame):
        write()
        signal.signal(signum, signal.SIG_DFL)
        _ov_os.kill(_ov_os.getpid(), signum)

    for name in ('SIGTERM', 'SIGHUP'):
        sig = getattr(signal, name, None)
        if sig is not None and signal.getsignal(sig) == signal.SIG_DFL:
            signal.signal(sig, on_ending)
    if hasattr(_ov_os, 'register_at_fork'):
        _ov_os.register_at_fork(after_in_child=begin)


def _ov_chain():
    # The sitecustomize this one shadows (e.g. Debian's /usr/lib/python3.X/sitecustomize.py).
    import importlib.machinery, importlib.util
    here = _ov_os.path.dirname(_ov_os.path.abspath(__file__))
    rest = [p for p in _ov_sys.path if _ov_os.path.abspath(p or '.') != here]
    spec = importlib.machinery.PathFinder.find_spec('sitecustomize', rest)
    if spec is None or spec.loader is None or _ov_os.path.abspath(spec.origin or '') == _ov_os.path.abspath(__file__):
        return
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)


try:
    _ov_start()
finally:
    _ov_chain()
`;

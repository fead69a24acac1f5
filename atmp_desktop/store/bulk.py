"""Whole-project work (a milestone, a merge, a restore) without the garbage collector's passes meanwhile.

Such work builds a project-sized set of new dicts, lists and strings that stay alive until it ends. CPython
starts a full collection each time the objects surviving its younger passes reach a quarter of those already
in the oldest generation, and a full pass walks every object of the open project too: at large 4x a merge
met 8 full passes (~150 ms each, 1.2 s of its 3.6 s CPU) against 3 small ones at 1x, which made its time grow
faster than the project. What this work leaves behind is freed by reference counting alone (it makes no
reference cycles; tests/test_store_bulk.py checks that), so pausing the passes frees nothing later and
leaves the peak memory as it was.

The pause is process-wide (CPython has one collector) and nests: the outermost one restores the collector
as it found it, also when the work raises. Another thread's garbage waits for the next pass after it.
"""
from __future__ import annotations

import contextlib
import gc
import threading

_lock = threading.Lock()
_depth = 0
_resume = False


@contextlib.contextmanager
def no_gc_passes():
    global _depth, _resume
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _resume:
                gc.enable()

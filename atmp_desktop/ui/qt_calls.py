"""Count the calls Python makes into Qt (a profiler hook), for tests and `make bench`.

The window's cost per edit is mostly Qt calls (each `setText`, `setVisible`, `setToolTip` ...); on the
PySide6 6.12 / Python 3.11 binding every void call also leaked a reference to None, which is how refreshing
the whole window per edit aborted the interpreter. `with QtCallCounter() as c: ...; c.calls` gives the
number; `c.names` which methods.
"""
from __future__ import annotations

import sys
from collections import Counter

_IS_QT: dict[type, bool] = {}


def _is_qt(cls: type) -> bool:
    found = _IS_QT.get(cls)
    if found is None:
        found = _IS_QT[cls] = any(k.__module__.startswith(("PySide6", "shiboken6")) for k in cls.__mro__)
    return found


class QtCallCounter:
    def __init__(self):
        self.calls = 0
        self.names: Counter = Counter()
        self._previous = None

    def _profile(self, frame, event, arg):
        if event == "c_call":
            owner = getattr(arg, "__self__", None)
            if owner is not None and _is_qt(type(owner)):
                self.calls += 1
                self.names[getattr(arg, "__qualname__", "?")] += 1

    def __enter__(self) -> "QtCallCounter":
        self._previous = sys.getprofile()
        sys.setprofile(self._profile)
        return self

    def __exit__(self, *exc) -> None:
        sys.setprofile(self._previous)

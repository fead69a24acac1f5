"""Start-up self-check of the installed Qt binding.

PySide6/shiboken6 6.12.0 on Python 3.11 drops one reference to `None` on every Qt call that returns nothing
(`setText`, `setVisible` ...). `None` starts with about 20,000 references, so the interpreter aborts with
`Fatal Python error: none_dealloc` after a few edits. pyproject.toml keeps that combination off users'
machines; this check catches any other build that behaves the same, before the user types anything.
On Python 3.12 and newer `None` is immortal and its reference count does not move.
"""
from __future__ import annotations

import sys

PROBE_CALLS = 1000


def none_references_lost(calls: int = PROBE_CALLS) -> int:
    """How many references to None `calls` void Qt calls lose (0 on a sound binding). Needs a QApplication."""
    from PySide6.QtWidgets import QLabel
    label = QLabel()
    before = sys.getrefcount(None)
    for _ in range(calls):
        label.setText("x")
    lost = before - sys.getrefcount(None)
    label.deleteLater()
    return lost


def binding_problem(lost: int | None = None, calls: int = PROBE_CALLS) -> str | None:
    """One sentence naming the problem and the fix, or None when the binding is sound."""
    if lost is None:
        lost = none_references_lost(calls)
    if lost < calls // 2:
        return None
    import PySide6
    return (f"The installed Qt binding (PySide6 {PySide6.__version__} on Python "
            f"{sys.version_info.major}.{sys.version_info.minor}) loses a reference to None on every call and "
            "would crash the window after a few edits; reinstall with "
            "\"pip install 'pyside6-essentials<6.12'\" or run the app on Python 3.12 or newer.")

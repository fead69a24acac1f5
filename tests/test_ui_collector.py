"""The garbage collector's pass after an edit (MainWindow._collect_after_edit): what the edits of a large
table leave alive is kept out of later passes, so that no full pass over all of it lands inside some later
edit (~50-60 ms at large 4x), and garbage cycles left by anything else are still freed; and the other work
moved out of the session's first edit into idle time."""
from __future__ import annotations

import gc
import weakref

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest


class _Node:
    pass


def test_an_edit_is_followed_by_a_pass_that_frees_cycles_and_freezes_what_lives(window, qtbot, sample_project):
    path = sample_project("car-t")
    assert window.open_path(path)
    enabled = gc.isenabled()
    gc.disable()  # only the window's own pass may collect from here on
    try:
        cycle = _Node()
        cycle.me = cycle
        freed = weakref.ref(cycle)
        del cycle
        frozen = gc.get_freeze_count()
        window.go_to_step("product")
        box = window.page("product").editors["product.invented_name"].edit
        QTest.mouseClick(box, Qt.LeftButton)
        QTest.keyClick(box, Qt.Key_A, Qt.ControlModifier)
        QTest.keyClicks(box, "Leukocel 3")
        QTest.keyClick(box, Qt.Key_Return)
        assert freed() is not None  # not inside the edit
        qtbot.waitUntil(lambda: freed() is None, timeout=2000)
        assert gc.get_freeze_count() > frozen
    finally:
        if enabled:
            gc.enable()
    window._saved(wait=True)
    assert window.project.snapshot().get("product.invented_name") == "Leukocel 3"


def test_the_map_an_edit_reads_is_built_while_the_window_is_idle(window, qtbot, sample_project):
    """Which conditions read which fields (ui/affected.py): built in the idle slices after the open, so the
    session's first edit does not build it (~4 ms, the largest part of the first edit's extra time)."""
    from atmp_desktop.ui import affected
    affected._DEPENDENCIES.clear()
    assert window.open_path(sample_project("car-t"))
    qtbot.waitUntil(lambda: affected._DEPENDENCIES.get(id(window.forms), (None,))[0] is window.forms,
                    timeout=5000)  # no edit was made

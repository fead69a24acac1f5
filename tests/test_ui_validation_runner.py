"""The findings dock's background check when the window goes away while it runs."""
import threading

import shiboken6
from PySide6.QtCore import QObject

from atmp_desktop.ui import findings


def test_a_check_still_running_when_its_window_is_deleted_ends_quietly(qtbot, monkeypatch, capfd):
    """A script that ends with the window open (or an interpreter shutting down) deletes the runner while a
    check runs; the check must finish without 'Signal source has been deleted' from the worker thread."""
    gate, finished = threading.Event(), threading.Event()

    def slow_validate(forms, snap):
        gate.wait(10)
        finished.set()
        return []

    monkeypatch.setattr(findings, "load_validate", lambda: slow_validate)
    owner = QObject()
    runner = findings.ValidationRunner(None, owner)
    runner.request(object(), immediately=True)
    check = runner._future
    threading.Timer(0.2, gate.set).start()
    del runner
    shiboken6.delete(owner)  # the runner goes with its window while the check is still running
    check.result(timeout=10)  # the check ran to its end and reported (into a signal object still alive)
    assert finished.is_set()
    err = capfd.readouterr().err
    assert "RuntimeError" not in err and "deleted" not in err, err

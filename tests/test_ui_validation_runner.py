"""The findings dock's background check when the window goes away while it runs."""
import threading

import pytest
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


def test_a_check_waits_while_the_window_has_its_own_idle_work_then_runs_the_latest(qtbot, monkeypatch):
    """While the window builds pages in idle time the check (CPU-bound Python on another thread, sharing the
    GIL) is held back; it stays pending, and when the window says it is idle the latest request runs, once."""
    seen = []
    monkeypatch.setattr(findings, "load_validate", lambda: lambda forms, snap: seen.append(snap) or [])
    runner = findings.ValidationRunner(None)
    busy = [True]
    runner.yield_to = lambda: busy[0]
    runner.request("first", immediately=True)
    runner.request("second", immediately=True)
    qtbot.wait(400)  # longer than the debounce: a held check is asked again, and still waits
    assert seen == [] and runner.pending()
    runner.resume()  # the window still busy: nothing starts
    qtbot.wait(50)
    assert seen == [] and runner.pending()
    busy[0] = False
    runner.resume()
    qtbot.waitUntil(lambda: not runner.pending(), timeout=5000)
    runner.wait()
    assert seen == ["second"]


def test_the_first_check_of_an_opened_project_runs_after_its_pages_are_built(window, sample_project, qtbot,
                                                                            monkeypatch):
    """At large 4x a check running beside the prebuilding froze the window for up to a second (the window's
    thread waiting for the GIL); the pages come first now, and the findings are still those of the project."""
    from atmp_desktop.core.validation import Finding
    pages_at_check = []

    def validate(forms, snap):
        pages_at_check.append(set(window.pages))
        return [Finding("REQ-01", "error", f"INN is {snap.get('product.inn')}.", "", "product.inn", "product", "K")]

    monkeypatch.setattr(findings, "load_validate", lambda: validate)
    assert window.open_path(sample_project("car-t"))
    qtbot.waitUntil(window._prebuild.isActive, timeout=5000)
    window.validation.request(window.snap, immediately=True)  # as an edit right after opening would
    qtbot.waitUntil(lambda: window.findings_dock.tree.topLevelItemCount() == 1, timeout=10000)
    steps = {s.id for s in window.forms.steps}
    assert pages_at_check and all(seen == steps for seen in pages_at_check)
    inn = window.project.snapshot().get("product.inn")
    assert inn and window.findings_dock.tree.topLevelItem(0).text(1) == f"INN is {inn}."
    assert window.pages["product"].editors["product.inn"].value() == inn


@pytest.mark.parametrize("held_by", ["debounce", "prebuilding"])
def test_a_check_still_to_come_when_the_project_closes_never_runs_or_shows(window, sample_project, qtbot,
                                                                          monkeypatch, held_by):
    """Closing a project forgets the check its last edit asked for, whether still in its debounce or waiting for
    the pages to prebuild: it would have listed the closed project's findings on the start screen (and in the
    next project until its own check came)."""
    checked = []
    monkeypatch.setattr(findings, "load_validate", lambda: lambda forms, snap: checked.append(snap) or [])
    assert window.open_path(sample_project("car-t"))
    if held_by == "prebuilding":
        qtbot.waitUntil(window._prebuild.isActive, timeout=5000)
        window.validation.wait()  # (on a busy machine the opening's own check may have started before this)
        checked.clear()
    window.validation.request(window.snap, immediately=held_by == "prebuilding")
    assert window.validation.pending() and checked == []
    window.close_project()
    qtbot.wait(2 * findings.DEBOUNCE_MS + 200)
    assert checked == [] and not window.validation.pending()
    assert window.findings == [] and window.findings_dock.tree.topLevelItemCount() == 0


def test_a_check_overtaken_by_an_edit_stops_and_only_the_latest_findings_are_shown(qtbot, monkeypatch):
    """A check whose snapshot is no longer the latest (the user edited meanwhile) stops instead of holding the
    GIL beside the window until its end; the process's switch interval, shortened while a check runs so the
    window's thread gets the GIL back at once, is as it was afterwards."""
    import sys
    before = sys.getswitchinterval()
    stopped, intervals = [], []

    def validate(forms, snap, stop=None):
        intervals.append(sys.getswitchinterval())
        if snap == "first":
            for _ in range(10_000):  # a long check: it ends only when told to stop
                if stop():
                    stopped.append(snap)
                    return []
                threading.Event().wait(0.001)
        return [snap]

    monkeypatch.setattr(findings, "load_validate", lambda: validate)
    runner = findings.ValidationRunner(None)
    shown = []
    runner.updated.connect(lambda found, error: shown.append(found))
    runner.request("first", immediately=True)
    qtbot.waitUntil(lambda: bool(intervals), timeout=5000)  # running
    runner.request("second", immediately=True)
    qtbot.waitUntil(lambda: bool(shown), timeout=5000)
    runner.wait()
    assert stopped == ["first"] and shown == [["second"]]
    assert intervals == pytest.approx([findings.CHECK_SWITCH_INTERVAL] * 2)
    assert sys.getswitchinterval() == before


def test_validate_stops_between_rules_when_asked(forms):
    from atmp_desktop.core.validation import validate
    from atmp_desktop.core.project import ProjectSnapshot
    snap = ProjectSnapshot(meta={"title": "x"}, values={})
    assert validate(forms, snap)  # an empty project has findings (required fields)
    asked = []
    assert validate(forms, snap, stop=lambda: asked.append(1) or True) == [] and asked == [1]
    assert validate(forms, snap, stop=lambda: False) == validate(forms, snap)

"""A bug inside the window (ui/errors.py; docs/reliability.md, "Exceptions inside the window"): the user sees one
sentence, the project file keeps exactly what was saved, the traceback goes to a bounded log, the window takes
the next edit; nothing that Qt calls lets an exception escape into Qt (PySide6 6.11 crashes on a few of them)."""
import importlib
import inspect
import os
import pkgutil
import subprocess
import sys
import threading

import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from atmp_desktop import APP_NAME
from atmp_desktop.core.forms import default_forms
from atmp_desktop.store import ProjectFile
from atmp_desktop.ui import errors
from tests.test_ui_saving import type_name  # the product's name, typed and Return
from tests.test_ui_startup import _PROBE_AT_FIRST_PAINT, _PROBE_HEAD


@pytest.fixture
def handler(monkeypatch):
    """The app-wide handler as run_gui installs it, with this test's own log state; the hooks before it (pytest-qt's)
    are put back afterwards."""
    for name, value in (("log", None), ("seen", {}), ("pending", False), ("box", None),
                        ("box_at", float("-inf")), ("previous", None)):
        monkeypatch.setattr(errors._State, name, value)
    restore = errors.install()
    yield errors.log_dir() / errors.LOG_FILE
    restore()
    if errors._State.log is not None:
        errors._State.log.close()
    for box in boxes():
        assert box.close()  # Esc and the close box close it too


def boxes():
    """The app's message boxes on screen."""
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


def told(qtbot, window):
    """Wait for the notice; the texts the user sees (boxes, status bar)."""
    qtbot.waitUntil(lambda: bool(boxes()), timeout=5000)
    return [b.text() for b in boxes()], window.statusBar().currentMessage()


def stored(path):
    with ProjectFile.open(path, default_forms(), read_only=True) as p:
        return p.snapshot().values


def fails_once(monkeypatch, owner, name):
    """`owner.name` raises the first time it is called, then works."""
    real = getattr(owner, name)
    calls = []

    def once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("injected fault in " + name)
        return real(*args, **kwargs)
    monkeypatch.setattr(owner, name, once)
    return calls


def test_a_bug_in_the_store_during_a_typed_edit_is_one_sentence_and_leaves_the_file_as_it_was(
        window, empty_project, qtbot, handler, monkeypatch):
    window.open_path(empty_project)
    type_name(window, qtbot, "Lumacel")
    window.project.wait_saved()
    before = empty_project.read_bytes()
    undo_before = window.project.undo_label
    calls = fails_once(monkeypatch, ProjectFile, "_audit")  # inside the edit's transaction, after the write
    editor = type_name(window, qtbot, "Vexacel")
    assert calls
    texts, status = told(qtbot, window)
    assert texts == [errors.sentence()] and status == errors.sentence(log=False)
    assert "Traceback" not in texts[0] and "(the details for support are in ~/.local/share/atmp-desktop/logs/errors.log)" in texts[0]
    log = handler.read_text()
    assert "RuntimeError: injected fault in _audit" in log and "in _write" in log and "in once" in log
    window.project.wait_saved()
    assert empty_project.read_bytes() == before  # rolled back: byte-for-byte what it was
    assert window.project.undo_label == undo_before  # no undo step for what was not saved
    assert editor.edit.text() == "Lumacel"  # the field shows what is saved, not what failed
    assert window.snap.get("product.invented_name") == "Lumacel"
    # the user carries on: the next edit is saved, and undo takes back exactly that edit
    type_name(window, qtbot, "Vexacel")
    window.project.wait_saved()
    assert stored(empty_project)["product"]["invented_name"] == "Vexacel"
    window.undo()
    window.project.wait_saved()
    assert stored(empty_project)["product"]["invented_name"] == "Lumacel"


def test_a_bug_in_the_refresh_after_an_edit_keeps_exactly_the_saved_change_and_the_window_catches_up(
        window, empty_project, qtbot, handler, monkeypatch):
    window.open_path(empty_project)
    type_name(window, qtbot, "Lumacel")
    window.project.wait_saved()
    before = stored(empty_project)
    calls = fails_once(monkeypatch, type(window), "_after_change")
    type_name(window, qtbot, "Vexacel")
    assert calls
    texts, _status = told(qtbot, window)
    assert texts == [errors.sentence()]
    window.project.wait_saved()
    after = stored(empty_project)
    assert after["product"]["invented_name"] == "Vexacel"  # the committed change, and nothing else
    after["product"] = {**after["product"], "invented_name": "Lumacel"}
    assert after == before
    assert "RuntimeError: injected fault in _after_change" in handler.read_text()
    qtbot.waitUntil(lambda: window.snap.get("product.invented_name") == "Vexacel", timeout=5000)
    type_name(window, qtbot, "Ozacel")
    window.project.wait_saved()
    assert stored(empty_project)["product"]["invented_name"] == "Ozacel"


def test_a_delegate_paint_that_fails_on_every_paint_gives_one_message_and_a_bounded_log(
        window, sample_project, qtbot, handler, monkeypatch):
    """The navigator's rows are painted by StepDelegate.paint; it fails for every row on every paint. Each
    repaint is asked for from Python, where PySide 6.11 keeps an override's exception to raise later and
    crashes from the third (docs/reliability.md): 200 repaints of ~10 failing rows."""
    window.open_path(sample_project("car-t"))
    from atmp_desktop.ui import style
    muted = style.muted

    def broken(_palette):
        raise ValueError("no muted colour")
    monkeypatch.setattr(style, "muted", broken)
    for _ in range(200):
        window.navigator.viewport().repaint()
    count = sum(errors._State.seen.values())
    assert count >= 400  # several rows per paint failed, and the window went on
    texts, status = told(qtbot, window)
    qtbot.wait(50)  # the notices queued by later errors have come and gone
    assert len(boxes()) == 1 and texts == [errors.sentence()] and status == errors.sentence(log=False)
    log = handler.read_text()
    assert log.count("Traceback") == 1 and "ValueError: no muted colour" in log
    assert len(log) < 8000  # one traceback and a line at the 10th, 100th, 1000th time
    assert "the same error again (100 times so far)" in log
    assert window.navigator.isVisible() and window.project is not None
    # the step still works: typing into the project saves
    monkeypatch.setattr(style, "muted", muted)
    type_name(window, qtbot, "Vexacel")
    window.project.wait_saved()
    assert stored(window.project.path)["product"]["invented_name"] == "Vexacel"


class FailingFilter(QObject):
    """An event filter like the window's own (AfterFirstPaint, _PaintWatch), failing on every paint."""
    paints = 0

    @errors.qt_safe(False)
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Paint:
            FailingFilter.paints += 1
            raise KeyError("paint")
        return False


def test_an_event_filter_that_fails_on_every_paint_of_the_window_is_survived(window, qtbot, handler):
    watcher = FailingFilter(window)
    watched = [window, *window.findChildren(QWidget)[:30]]  # several filters fail in each repaint
    for w in watched:
        w.installEventFilter(watcher)
    FailingFilter.paints = 0
    for _ in range(200):
        window.repaint()
    assert FailingFilter.paints >= 200
    told(qtbot, window)
    assert len(boxes()) == 1
    assert handler.read_text().count("Traceback") == 1
    for w in watched:
        w.removeEventFilter(watcher)


def test_an_exception_on_a_worker_thread_is_logged_and_told(window, qtbot, handler):
    def work():
        raise OSError("worker gave up")
    t = threading.Thread(target=work, name="checks")
    t.start()
    t.join()
    texts, _ = told(qtbot, window)
    assert texts == [errors.sentence()]
    assert "(thread checks)" in handler.read_text() and "OSError: worker gave up" in handler.read_text()


def test_the_log_is_bounded_across_many_different_errors(handler, monkeypatch):
    monkeypatch.setattr(errors, "_notify", lambda: None)
    for i in range(3000):
        try:
            exec(compile(f"raise ValueError('error number {i}')", f"<case {i}>", "exec"))
        except ValueError:
            errors.report(*sys.exc_info())
    files = list(handler.parent.glob(errors.LOG_FILE + "*"))
    assert {f.name for f in files} == {errors.LOG_FILE, errors.LOG_FILE + ".1"}
    assert all(f.stat().st_size <= errors.MAX_LOG_BYTES + 4096 for f in files)
    assert "error number 2999" in handler.read_text()


# Not Qt virtuals, so not wrapped: QWidget.find is a static look-up by window id (ours is the Find action);
# QThread.run runs on its own thread with no Python caller below it (an exception there goes to sys.excepthook).
NOT_CALLED_BY_QT_WITH_A_PYTHON_CALLER = {"main_window.MainWindow.find", "export_dialog.ExportThread.run"}


def test_every_method_of_ours_that_qt_calls_lets_no_exception_escape():
    """Each method of a ui/ class that overrides a Qt method is wrapped in qt_safe: an override that raises
    inside a Qt call made from Python is the trigger of the PySide 6.11 crash."""
    import atmp_desktop.ui as ui
    found, bare = [], []
    for m in pkgutil.iter_modules(ui.__path__):
        module = importlib.import_module(f"atmp_desktop.ui.{m.name}")
        for cname, cls in vars(module).items():
            if not inspect.isclass(cls) or cls.__module__ != module.__name__:
                continue
            qt = [b for b in cls.__mro__ if b.__module__.startswith(("PySide6", "shiboken6"))]
            for name, fn in vars(cls).items():
                if inspect.isfunction(fn) and not name.startswith("__") and any(name in vars(b) for b in qt):
                    key = f"{m.name}.{cname}.{name}"
                    found.append(key)
                    if not hasattr(fn, "__wrapped__") and key not in NOT_CALLED_BY_QT_WITH_A_PYTHON_CALLER:
                        bare.append(key)
    assert len(found) >= 40  # the enumeration sees our overrides
    assert bare == []


def test_a_hard_crash_of_the_app_leaves_the_python_stack_in_crash_log_and_is_told_at_the_next_launch(
        sample_project, tmp_path):
    """faulthandler writes to crash.log in the user data folder; a launch that segfaults (here on purpose, at
    the first paint of the project) leaves there the Python stack that crashed, and the next launch tells the
    user in one sentence, once."""
    crash = "            ctypes.string_at(0)\n"
    probe = (_PROBE_HEAD.replace("import sys\n", "import ctypes, faulthandler, sys\n") +
             "            from atmp_desktop.ui import errors\n"
             "            print('CRASHLOG', faulthandler.is_enabled(), errors.crash_log_path(), flush=True)\n"
             + crash + _PROBE_AT_FIRST_PAINT)
    line = probe[:probe.index(crash)].count("\n") + 1
    env = {k: v for k, v in os.environ.items() if k != "PYTHONFAULTHANDLER"}
    env.update(QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / ".config"),
               XDG_DATA_HOME=str(tmp_path / ".local" / "share"))
    out = subprocess.run([sys.executable, "-c", probe, str(sample_project("car-t"))], env=env,
                         capture_output=True, text=True, timeout=120)
    crash_log = tmp_path / ".local" / "share" / "atmp-desktop" / "logs" / errors.CRASH_FILE
    assert f"CRASHLOG True {crash_log}" in out.stdout, out.stderr[-2000:]
    assert out.returncode == -11
    text = crash_log.read_text()
    assert text.startswith(f"--- {APP_NAME} ") and "started" in text
    assert "Fatal Python error: Segmentation fault" in text
    assert f'line {line} in eventFilter' in text  # the Python frame that crashed
    assert "Segmentation fault" not in out.stderr  # the user's terminal (if any) is not where it goes
    # the next launch says so in one sentence once the project is on screen; the one after that does not
    told = ("import sys\n"
            "from atmp_desktop.ui import app, errors\n"
            "real = errors._box\n"
            "errors._box = lambda window, text: (print('TOLD', text, flush=True), real(window, text))[1]\n"
            "sys.exit(app.run_gui(sys.argv[1]))\n")
    env["ATMP_DESKTOP_QUIT_AFTER_OPEN"] = "1"
    again = sample_project("car-t", "again.atmp")
    for expected in (True, False):
        out = subprocess.run([sys.executable, "-c", told, str(again)], env=env,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0 and "window shown, project open" in out.stdout, out.stderr[-2000:]
        assert ("TOLD The app closed unexpectedly the last time it ran; your changes were saved as you made them, "
                "but check the last one (the crash report for support is in "
                "~/.local/share/atmp-desktop/logs/crash.log)." in out.stdout) is expected, out.stdout
    assert crash_log.read_text().count("--- ") == 3  # a line per launch


def test_a_check_that_stops_on_a_bug_is_said_in_the_findings_dock_and_logged(window, empty_project, qtbot,
                                                                              handler, monkeypatch):
    """The catch-alls that tell their own sentence (a check, an export, a change bundle, the flow layout) also
    leave the traceback in errors.log, and no second message."""
    from atmp_desktop.ui import findings as findings_module

    def broken(forms, snap):
        raise RuntimeError("rule exploded")
    monkeypatch.setattr(findings_module, "load_validate", lambda: broken)
    window.open_path(empty_project)
    window.validation.request(window.snap, immediately=True)
    qtbot.waitUntil(lambda: "could not run" in window.findings_dock.summary.text(), timeout=5000)
    log = handler.read_text()
    assert "RuntimeError: rule exploded" in log and "in broken" in log and "(thread " in log
    qtbot.wait(50)
    assert boxes() == []


def test_an_exception_python_cannot_raise_is_logged_and_not_told(window, qtbot, handler):
    class Leaky:
        def __del__(self):
            raise ValueError("in a destructor")
    Leaky()  # freed at once; Python can only report what its __del__ raised
    assert "ValueError: in a destructor" in handler.read_text() and "(ignored in <" in handler.read_text()
    qtbot.wait(50)
    assert boxes() == []


def test_help_open_log_folder_makes_the_folder_and_opens_it_in_the_file_manager(window, monkeypatch):
    from PySide6.QtGui import QDesktopServices
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    folder = errors.log_dir()
    assert not folder.exists()  # a first launch: nothing has been logged yet
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    [action] = [a for a in help_menu.actions() if a.text() == "Open &Log Folder"]
    action.trigger()
    assert folder.is_dir()
    assert [(u.scheme(), u.toLocalFile()) for u in opened] == [("file", str(folder))]  # offline: a local folder
    action.trigger()  # again, the folder now there
    assert len(opened) == 2 and opened[1] == opened[0]

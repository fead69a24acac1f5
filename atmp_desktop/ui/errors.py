"""What the window does when our own code fails inside it: the user sees one sentence and goes on, their data
stays as saved, and the traceback goes to a log (docs/reliability.md, "Exceptions inside the window").

Qt calls our Python code: slots, timers, event filters, paint and event overrides, item models, delegates. With
PySide6 6.11 an exception escaping one of them goes one of two ways:
- run by the event loop itself (and inside processEvents or a dialog's exec): handed to `sys.excepthook` at
  once; Qt goes on with a default answer (nothing painted, an empty cell, False). Slots always go this way.
- an *override* run inside a Qt call our Python code made (`grab`, `show`, `resizeRowsToContents`, a layout,
  `QTest.qWait`): kept by shiboken to be raised when that call returns. A second one in the same call then
  runs with the first still set: exceptions are lost, unrelated overrides fail with SystemError, and the
  interpreter crashes (SIGSEGV) at the next Qt call from Python, or within the same call from the third on.
  So no override of ours lets an exception escape: `qt_safe`.

`install()` (run_gui, before the window is built) sends every exception that reaches the event loop, on any
thread, to `report`: the traceback to errors.log in the user data folder (bounded; a repeating error is
written once, then counted), the sentence to the status bar and, at most once a minute, to a small non-modal
box; and `faulthandler` writes the Python stacks of a hard crash to crash.log beside it, which the next
launch reads after its first paint to say so once (`tell_last_crash`). Nothing is opened, imported or named
before the first error, but the crash log.
"""
from __future__ import annotations

import sys
import threading  # (both loaded before the first paint anyway)
import traceback

from PySide6.QtCore import QTimer

from atmp_desktop import APP_NAME, __version__

LOG_FILE = "errors.log"
CRASH_FILE = "crash.log"
MAX_LOG_BYTES = 256 * 1024  # per file; the one older copy (".1") makes at most twice this on disk, per log
BOX_EVERY_S = 60.0          # a repeating error (a paint, a timer) updates the status bar, not a new box
NOTICE_MS = 30_000
_MAX_KINDS = 200            # distinct errors remembered for counting repeats


def log_dir():
    """Where the logs live: `logs/` in the user data folder (`~/.local/share/atmp-desktop/logs` on Linux),
    beside the backups."""
    from atmp_desktop.core.paths import user_data_dir
    return user_data_dir() / "logs"


def sentence(log: bool = True) -> str:
    """What the user is told; `log`: with where the details are (the box; the status bar has no room)."""
    where = f" (the details for support are in {_shown(log_dir() / LOG_FILE)})" if log else ""
    return ("Something went wrong inside the app and your last action may not have been completed; your saved "
            f"work is safe, so check that last change and carry on{where}.")


def _shown(path) -> str:
    """A path as the user reads it: under the home folder as ~/... (not on Windows, where ~ means nothing)."""
    from pathlib import Path
    if sys.platform != "win32":
        try:
            return "~/" + path.relative_to(Path.home()).as_posix()
        except ValueError:
            pass
    return str(path)


# ------------------------------------------------------------------ the decorator for what Qt calls
def qt_safe(default=None, fallback=None):
    """For a method Qt calls (an override, a model's data, a delegate): an exception in it is reported as one
    that reached the event loop (`swallowed`) and Qt gets `default` (or what `fallback(*args)` returns: the
    base class's method) instead of the exception. Qt always passes positional arguments."""
    def wrap(method):
        def safe(*args):
            try:
                return method(*args)
            except Exception as exc:
                swallowed()
                # the failed frames' locals go now (a QPainter left active in a paintEvent ends here), even
                # if a hook keeps the traceback
                traceback.clear_frames(exc.__traceback__)
                if fallback is not None:
                    try:
                        return fallback(*args)
                    except Exception:
                        swallowed()
                return default
        safe.__name__, safe.__qualname__, safe.__doc__ = method.__name__, method.__qualname__, method.__doc__
        safe.__module__ = method.__module__
        safe.__wrapped__ = method
        return safe
    return wrap


def swallowed() -> None:
    """Hand the exception being handled to `sys.excepthook`: in the app `report` (logged, told), in a test
    pytest-qt's (the test fails), so a bug caught by `qt_safe` is never hidden."""
    try:
        sys.excepthook(*sys.exc_info())
    except Exception:
        pass


def logged() -> None:
    """Write the exception being handled to errors.log (and stderr, the first time) without telling the user:
    for a catch-all that tells its own sentence (a check or an export that stopped on a bug)."""
    kind, value, tb = sys.exc_info()
    try:
        thread = threading.current_thread()
        where = None if thread is threading.main_thread() else f"thread {thread.name}"
        if _log_exception(kind, value, tb, where):
            _print(kind, value, tb)
    except Exception:
        pass


# ------------------------------------------------------------------ the app-wide handler
class _State:
    log = None            # errors.log, opened at the first error
    crash = None          # the file faulthandler writes to (kept open for the life of the process)
    crash_before = None   # crash.log's size before this launch's line
    seen: dict = {}       # error kind -> how many times
    pending = False       # a notice is on its way to the window
    box = None            # the open message box
    box_at = float("-inf")
    previous = None       # the hooks before install()


_LOCK = threading.Lock()  # errors of worker threads are logged too


def install():
    """Route exceptions that reach the event loop (sys.excepthook, threading.excepthook) to `report`, those
    Python cannot raise (sys.unraisablehook) to the log, and write hard crashes to crash.log. Returns the function that puts the previous hooks back (run_gui calls it
    when the loop ends; faulthandler stays on)."""
    if _State.previous is not None:
        return lambda: None
    _State.previous = (sys.excepthook, threading.excepthook, sys.unraisablehook)
    sys.excepthook = report
    threading.excepthook = _thread_report
    sys.unraisablehook = _unraisable
    _crash_log()

    def uninstall() -> None:
        if _State.previous is not None:
            sys.excepthook, threading.excepthook, sys.unraisablehook = _State.previous
            _State.previous = None
    return uninstall


def report(kind, value, tb, where: str | None = None) -> None:
    """sys.excepthook: log the traceback, tell the user in one sentence (on the window's next turn: this may
    run in the middle of a paint or on a worker thread), and let the window go on."""
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, value, tb)
        return
    try:
        if _log_exception(kind, value, tb, where):
            _print(kind, value, tb)
        _notify()
    except Exception:  # the handler must never fail in turn: fall back to Python's own
        sys.__excepthook__(kind, value, tb)


def _unraisable(args) -> None:
    """sys.unraisablehook (an exception Python itself cannot raise: in a __del__, a weakref callback, at
    garbage collection): logged, and printed as Python would, but not told: nothing the user did failed."""
    try:
        if args.exc_type is not None and _log_exception(args.exc_type, args.exc_value, args.exc_traceback,
                                                        f"ignored in {args.object!r:.100}" if args.object
                                                        is not None else None):
            sys.__unraisablehook__(args)
    except Exception:
        pass


def _thread_report(args) -> None:
    if args.exc_type is SystemExit:
        return
    report(args.exc_type, args.exc_value, args.exc_traceback, f"thread {getattr(args.thread, 'name', '?')}")


def _print(kind, value, tb) -> None:
    """The first time of each error, the traceback on stderr too (a developer's terminal; None without a
    console)."""
    if sys.stderr is not None:
        try:
            sys.__excepthook__(kind, value, tb)
        except Exception:
            pass


# ------------------------------------------------------------------ the logs
def _rotate(path) -> None:
    """Keep a log bounded: past MAX_LOG_BYTES it becomes `NAME.1` (replacing the older copy)."""
    import os
    try:
        if os.stat(path).st_size > MAX_LOG_BYTES:
            os.replace(path, str(path) + ".1")
    except OSError:
        pass


def _open(name: str):
    folder = log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    _rotate(path)
    return open(path, "a", encoding="utf-8", errors="replace")


def _stamp() -> str:
    import time
    return time.strftime("%Y-%m-%d %H:%M:%S")


def _crash_log() -> None:
    """faulthandler on crash.log: a segmentation fault or an abort leaves the Python stack of every thread
    there. A developer's `python -X faulthandler` (or pytest, which enables it) keeps it on stderr."""
    import faulthandler
    import os
    if faulthandler.is_enabled() or _State.crash is not None:
        return
    try:
        f = _open(CRASH_FILE)
        _State.crash_before = f.tell()  # where the launches before this one end (see last_run_crashed)
        f.write(f"{_LAUNCH}{APP_NAME} {__version__} started {_stamp()}, pid {os.getpid()}\n")
        f.flush()
        faulthandler.enable(f, all_threads=True)
        _State.crash = f
    except OSError:
        faulthandler.enable()  # no log folder: stderr, as `python -X faulthandler`


_LAUNCH = "--- "  # how crash.log's line of each launch begins


def last_run_crashed() -> bool:
    """Whether the launch before this one ended in a hard crash: crash.log holds a fatal error after that
    launch's line (read after the first paint; only the file's last 64 KB)."""
    path = log_dir() / CRASH_FILE
    try:
        with open(path, "rb") as f:
            end = _State.crash_before if _State.crash_before is not None else f.seek(0, 2)
            start = max(0, end - 65536)
            f.seek(start)
            tail = f.read(end - start)
    except OSError:
        return False
    last = tail.rfind(b"\n" + _LAUNCH.encode())
    if last < 0 and not tail.startswith(_LAUNCH.encode()):
        return False
    return b"Fatal Python error" in tail[last + 1:]


def tell_last_crash() -> None:
    """After the first paint: when the last launch crashed, say so in one sentence (once: the next launch's
    line follows it)."""
    if last_run_crashed():
        _box(_main_window(), crash_sentence())


def crash_sentence() -> str:
    return ("The app closed unexpectedly the last time it ran; your changes were saved as you made them, but "
            "check the last one (the crash report for support is in "
            f"{_shown(log_dir() / CRASH_FILE)}).")


def crash_log_path():
    """The file faulthandler writes to, or None when it writes to stderr (or is off)."""
    f = _State.crash
    return None if f is None else f.name


def _kind(kind, tb) -> str:
    """One error, wherever it repeats: its type and the line that raised it."""
    last = tb
    while last is not None and last.tb_next is not None:
        last = last.tb_next
    where = f"{last.tb_frame.f_code.co_filename}:{last.tb_lineno}" if last is not None else "?"
    return f"{kind.__name__} at {where}"


def _log_exception(kind, value, tb, where: str | None = None) -> bool:
    """Append the error to errors.log: in full the first time, then one line at the 10th, 100th, ... time (a
    paint that fails on every repaint writes a few lines, not megabytes). True the first time."""
    with _LOCK:
        key = _kind(kind, tb)
        count = _State.seen[key] = _State.seen.get(key, 0) + 1
        if len(_State.seen) > _MAX_KINDS:
            _State.seen = {key: count}
        if count == 1:
            text = "".join(traceback.format_exception(kind, value, tb))
            entry = f"=== {_stamp()} {key}{f' ({where})' if where else ''}\n{text}"
        elif _power_of_ten(count):
            entry = f"=== {_stamp()} {key}: the same error again ({count:,} times so far): {value!r:.200}\n"
        else:
            return False
        _write_log(entry)
        return count == 1


def _power_of_ten(n: int) -> bool:
    while n >= 10 and n % 10 == 0:
        n //= 10
    return n == 1


def _write_log(entry: str) -> None:
    try:
        if _State.log is None:
            import platform

            import PySide6
            _State.log = _open(LOG_FILE)
            _State.log.write(f"--- {APP_NAME} {__version__}, Python {platform.python_version()}, PySide6 "
                             f"{PySide6.__version__}, {platform.platform()}, log opened {_stamp()}\n")
        _State.log.write(entry)
        _State.log.flush()
        if _State.log.tell() > MAX_LOG_BYTES:  # a long session rotates too
            _State.log.close()
            _State.log = None
    except OSError:
        _State.log = None  # no log folder or a full disk: the user is still told, stderr still has it


# ------------------------------------------------------------------ telling the user
def _notify() -> None:
    """Show the sentence on the window's next turn, from whatever thread or paint we are in."""
    if _State.pending:
        return
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance()
    if app is None:
        return
    _State.pending = True
    QTimer.singleShot(0, app, _show)  # (with a context object: runs on the GUI thread, from any thread)


def _main_window():
    from PySide6.QtWidgets import QApplication, QMainWindow
    active = QApplication.activeWindow()
    if isinstance(active, QMainWindow):
        return active
    windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMainWindow) and w.isVisible()]
    return windows[0] if windows else active


def _show() -> None:
    _State.pending = False
    try:
        _tell()
    except Exception:  # logged, never told (telling would fail again, in a loop)
        _log_exception(*sys.exc_info())


def _tell() -> None:
    import time
    text = sentence()
    window = _main_window()
    status = getattr(window, "statusBar", None)
    if status is not None:
        status().showMessage(sentence(log=False), NOTICE_MS)
    now = time.monotonic()
    box = _State.box
    if (box is not None and _visible(box)) or now - _State.box_at < BOX_EVERY_S:
        return
    _State.box, _State.box_at = _box(window, text), now


def _box(window, text: str):
    """A small non-modal message box: the sentence, OK and Open Log Folder."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox
    box = QMessageBox(QMessageBox.Warning, APP_NAME, text, QMessageBox.Ok, window)
    box.setWindowModality(Qt.NonModal)  # the user carries on; nothing waits for an answer
    box.setAttribute(Qt.WA_DeleteOnClose)
    folder = box.addButton("Open Log Folder", QMessageBox.ActionRole)
    folder.clicked.connect(open_log_folder)
    box.setEscapeButton(QMessageBox.Ok)  # (with two buttons Qt finds none, and would refuse Esc and the close box)
    box.show()
    return box


def _visible(box) -> bool:
    try:
        return box.isVisible()
    except RuntimeError:  # closed and deleted (WA_DeleteOnClose)
        return False


def open_log_folder() -> None:
    """The logs folder in the file manager (Help > Open Log Folder, the error box's button); made if missing."""
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QDesktopServices
    folder = log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

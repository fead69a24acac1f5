"""Entry point of the window: `run_gui(path_or_None) -> exit code` (called by `atmp-desktop gui`)."""
from __future__ import annotations

import gc
import os
import sys

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

from atmp_desktop import APP_NAME, __version__


def _answer_pyside_scan_by_name() -> None:
    """PySide6 reads the source of every module imported after it (shibokensupport.feature's
    `_mod_uses_pyside`: inspect.getsource, looking for "PySide6", so that its opt-in `from __feature__ import
    snake_case` can switch per module): ~0.12 ms of CPU per module, ~15 ms for the ~125 modules a launch
    imports (a known start-up tax of PySide6, cf. napari issue 8584). For the modules whose answer is known
    without reading them — ours outside ui/ (core, store, cli: none mentions PySide6) and the standard
    library — the same answer (False) is given from the name; our ui/ modules are answered from their file's
    bytes (the scan's own test, without inspect's line cache: 1.6 -> 0.2 ms for the 15 a launch imports);
    everything else is still read. Nothing changes when PySide6 is laid out differently (the function is then
    not found)."""
    feature = sys.modules.get("shibokensupport.feature")
    scan = getattr(feature, "_mod_uses_pyside", None)
    if not callable(scan) or getattr(scan, "by_name", False):
        return
    stdlib = _stdlib_dir()

    def uses_pyside(module) -> bool:
        name = getattr(module, "__name__", None) or ""
        if name.startswith("atmp_desktop.") and not name.startswith("atmp_desktop.ui"):
            return False
        file = getattr(module, "__file__", None) or ""
        if name.startswith("atmp_desktop.ui") and file.endswith(".py"):
            try:
                with open(file, "rb") as fh:
                    return b"PySide6" in fh.read()  # our sources are UTF-8: the same test as on the text
            except OSError:
                pass
        if stdlib and file.startswith(stdlib) and "-packages" + os.sep not in file:
            return False
        return scan(module)
    uses_pyside.by_name = True
    uses_pyside.original = scan
    feature._mod_uses_pyside = uses_pyside


def _stdlib_dir() -> str | None:
    """The standard library's folder (sysconfig's "stdlib" path, without importing sysconfig: ~1.5 ms), or
    None in a frozen app, whose standard library is not a folder of its own."""
    if getattr(sys, "frozen", False):
        return None
    return os.path.dirname(os.__file__) + os.sep


_answer_pyside_scan_by_name()

from atmp_desktop.ui.errors import qt_safe  # noqa: E402 (after the line above: else PySide reads its source, ~3.5 M instructions)


def make_app(argv: list[str] | None = None, icon: bool = True) -> QApplication:
    """The application (made once). `icon=False`: without the window icon, which a launch sets once its window
    is on screen (naming QIcon makes PySide build its 157 enum members, ~11 M instructions)."""
    app = QApplication.instance()
    if app is None:
        # Fusion from the start (the same look on every platform; honours the palette in dark mode), chosen by
        # the command line: asking for app.style() from Python makes PySide build QStyle's enums (~6 ms)
        app = QApplication([*(argv if argv is not None else sys.argv[:1]), "-style", "Fusion"])
    elif app.style().name().lower() != "fusion":  # (making a second Fusion style costs ~10 ms of start-up)
        app.setStyle("Fusion")
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName("atmp-desktop")
    app.setDesktopFileName("atmp-desktop")  # Wayland and task bars match the window to the .desktop file
    if icon:
        app.setWindowIcon(app_icon())
    return app


def app_icon():
    """The application icon (window, task bar, About box), from the PNGs rendered from the SVG."""
    from PySide6.QtGui import QIcon
    from atmp_desktop.core.paths import resources_dir
    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256):
        path = resources_dir() / "icons" / f"atmp-desktop-{size}.png"
        if path.is_file():
            icon.addFile(str(path))
    return icon


class AfterFirstPaint(QObject):
    """Runs `action` on the event-loop turn after the watched window next paints (or after `fallback_ms` when
    it does not paint, e.g. minimised or behind a message box)."""

    def __init__(self, window, action, fallback_ms: int | None = None):
        super().__init__(window)
        self.action = action
        if fallback_ms is not None:
            QTimer.singleShot(fallback_ms, self, self.fire)

    @qt_safe(False)
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Paint and self.action is not None:
            obj.removeEventFilter(self)
            QTimer.singleShot(0, self, self.fire)
        return False

    def fire(self) -> None:
        action, self.action = self.action, None
        if action is not None:
            action()


def _critical(parent, text: str) -> None:
    # QMessageBox is looked up here, not imported at the top: PySide builds a class's enum types when the class
    # is first named, and a launch that works never shows this box (~2 M instructions)
    from PySide6.QtWidgets import QMessageBox
    QMessageBox.critical(parent, APP_NAME, text)


def run_gui(path: str | None = None) -> int:
    # No garbage-collector passes until the project is on screen: start-up allocates ~40,000 objects (Qt's
    # enum types, forms, the first page) and each pass over them is time the user waits for the window
    # (~15-20 ms of the launch); nothing made before the first paint is garbage worth collecting.
    collecting = gc.isenabled()
    gc.disable()
    from atmp_desktop.ui import errors
    restore_hooks = errors.install()  # a bug from here on is logged and told in one sentence (ui/errors.py)
    app = make_app(icon=False)  # the icon once the window is on screen (after_project_paint)
    from atmp_desktop.ui.binding_check import binding_problem
    problem = binding_problem()
    if problem:  # refuse now, in one sentence, rather than abort during the user's edits
        print(problem, file=sys.stderr)
        app.setWindowIcon(app_icon())
        _critical(None, problem)
        if collecting:
            gc.enable()
        restore_hooks()
        return 2
    from atmp_desktop.ui.main_window import MainWindow
    # a launch with a project: the first paint says what is opening; the start screen is not built for it
    window = MainWindow(opening=path or None)

    def broken(what: str, exc: Exception) -> None:
        _critical(window, f"The {what} definitions are broken and the app cannot start: {exc}")
        app.exit(2)

    def after_first_paint() -> None:
        # the window is on screen; now load the forms, build the workspace and open the project
        from atmp_desktop.core.forms import FormError
        try:
            window.ensure_workspace()
        except FormError as exc:
            broken("form", exc)
            return
        if path:
            window.first_screen_only = True  # the step's fields below the window follow the first paint
            window.help.feeds_later = True   # and the help's "This step feeds" (the document definitions)
            opened = window.open_path(path)
            window.status.showMessage(f"Opened {path}" if opened else "", 4000)
            if not opened:
                window.show_start_screen()
        window.installEventFilter(AfterFirstPaint(window, load_documents, fallback_ms=500))
        if collecting:  # once the project (or the start screen) has painted
            window.installEventFilter(AfterFirstPaint(window, gc.enable, fallback_ms=500))
        # installed last, so the first to see that paint: its action runs first on the turn after it
        window.installEventFilter(AfterFirstPaint(window, after_project_paint, fallback_ms=500))

    def after_project_paint() -> None:
        # what a user can need at once but the first paint of the project (or the start screen) does not show:
        # the menus' shortcuts (MainWindow._after_first_paint) and the window icon
        window._after_first_paint()
        app.setWindowIcon(app_icon())

    def load_documents() -> None:
        # the document definitions, checked against the forms, on the turn after the project (or the start
        # screen) is on screen: before the user acts, nothing on screen but the help's "This step feeds" needs
        # them, and loading them is ~20 ms of the wait for the window
        from atmp_desktop.core.definitions import DefinitionError, default_definitions
        try:
            default_definitions()
        except DefinitionError as exc:
            broken("document", exc)
            return
        window.documents_ready()
        errors.tell_last_crash()  # (crash.log read now, not before the window is on screen)
        if os.environ.get("ATMP_DESKTOP_QUIT_AFTER_OPEN"):  # smoke test of the frozen app (.ci/run, bench)
            print(f"window shown{', project open' if window.project is not None else ''}", flush=True)
            QTimer.singleShot(0, app.quit)

    window.installEventFilter(AfterFirstPaint(window, after_first_paint))
    window.show()
    try:
        return app.exec()
    finally:
        if collecting:  # however the loop ended (a window closed before it painted the project, tests)
            gc.enable()
        restore_hooks()

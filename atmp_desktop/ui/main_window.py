"""The main window: step navigator, one page per step with Back/Next, field help, findings, menus.

Every edit goes straight to the project file (one transaction, one undo step); there is no Save. After each
change the window takes a fresh snapshot and recomputes completeness, visibility and (debounced) findings.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

# `QtCore.Qt` is looked up at call time on purpose: the first import of the Qt namespace builds ~100 enum
# types (about 15 ms) that the first paint of the start screen does not need. So are the dialogs
# (`QtWidgets.QMessageBox`, `QFileDialog`, `QDialog`): PySide builds a class's enum types when it is first named,
# and the first paint shows none of them (~5 M instructions).
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import QByteArray, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QApplication, QHBoxLayout, QLabel, QMainWindow, QPushButton, QScrollArea,
    QSplitter, QStackedWidget, QVBoxLayout, QWidget,
)

from atmp_desktop import APP_NAME

if TYPE_CHECKING:
    from atmp_desktop.core.changes import ChangeSet
    from atmp_desktop.core.forms import FormSet
    from atmp_desktop.core.project import ProjectSnapshot
    from atmp_desktop.store import ProjectFile
    from atmp_desktop.ui.step_page import StepPage
    from atmp_desktop.ui.start_screen import StartScreen
from atmp_desktop.ui.settings import Settings
from atmp_desktop.ui.style import role
from atmp_desktop.ui.errors import open_log_folder, qt_safe

# Built on first use (after the first paint): the step pages, navigator, help panel and findings dock need
# the forms and pull in most of the UI code, none of which the start screen needs.
_WORKSPACE_ATTRS = frozenset({"navigator", "page_stack", "back_button", "next_button", "position_label", "help",
                              "splitter", "findings_dock", "sections_dock", "validation", "_prebuild"})

FILE_FILTER = "ATMP projects (*.atmp)"
WATCH_MS = 2000  # how often the open file is checked for changes made by another program
PREBUILD_SLICE_MS = 15  # idle-time page building works in slices this long, so the window never freezes
# the rest of a page on screen: Qt shows and lays out what a slice added in the same turn (text layout of the
# rich-text boxes, tables' headers), ~2-3x the time spent building it
FINISH_SLICE_MS = 5
BACKUP_AFTER_PAINT_MS = 1000  # the backup of the opened file: a second after the first paint, when idle
ROWS_SLICE = 1000  # stored table rows fetched per idle turn after the first paint (~1-2 ms at large 4x)
COLLECT_AFTER_EDIT_MS = 50  # after an edit is on screen, before a person can type the next one
INDEX_SLICE = 10_000  # then table rows indexed per idle turn (~3 ms; a table's index is built in one go)


class MainWindow(QMainWindow):
    def __init__(self, forms: FormSet | None = None, settings: Settings | None = None, opening=None):
        """`opening`: the path of a project about to be opened (a launch): the first paint says so and the
        start screen is not built unless that project does not open."""
        super().__init__()
        self._forms = forms
        self._workspace_built = False
        # a launch binds the menus' shortcuts once its project (or the start screen) is on screen (run_gui),
        # any other window at its first paint (event)
        self._shortcuts_later = opening is not None
        self.settings = settings or Settings()
        self.project: "ProjectFile | None" = None
        self.snap: ProjectSnapshot | None = None
        self.pages: dict[str, StepPage] = {}        # complete pages
        self._building: dict[str, StepPage] = {}     # pages being prebuilt in slices
        self.current_step: str | None = None
        self.findings: list = []
        self._problems: dict[str, str] = {}  # field path -> why its typed text is not saved
        self._write_error = ""               # why the last write failed ("" when it worked)
        # an edit's commit (the disk's syncs) runs behind the window (ProjectFile.commit_behind); its end
        # arrives here through a queued signal of a parentless object the commit thread keeps alive
        self._commits = _CommitSignals()
        self._commits.done.connect(self._saved)
        self.setWindowTitle(APP_NAME)
        self.resize(1280, 820)

        self.stack = QStackedWidget(self)
        self.setCentralWidget(self.stack)
        self._build_menus()
        self.status = self.statusBar()
        self.saved_label = QLabel("", self)
        self.status.addPermanentWidget(self.saved_label)
        QApplication.instance().focusChanged.connect(self._focus_changed)
        self._restore_geometry()
        self._fit_to_screen()
        if opening is None:
            self._show_start()
        else:
            self.show_opening(opening)
            self._update_actions()

    @property
    def start(self) -> StartScreen:
        """The start screen, built on first use (a launch that opens a project never needs it)."""
        screen = self.__dict__.get("_start")
        if screen is None:
            from atmp_desktop.ui.start_screen import StartScreen
            screen = self._start = StartScreen(self)
            screen.new_requested.connect(self.new_project)
            screen.open_requested.connect(self.open_dialog)
            screen.recent_chosen.connect(self.open_path)
            screen.sample_chosen.connect(self.open_sample)
            self.stack.addWidget(screen)
            if self._shortcuts_applied:
                screen.finish_setup()
        return screen

    # ================================================================== construction
    @property
    def forms(self) -> FormSet:
        if self._forms is None:
            from atmp_desktop.core.forms import default_forms
            self._forms = default_forms()
        return self._forms

    def __getattr__(self, name: str):
        # only called when normal lookup fails: the lazily built workspace parts
        if name in _WORKSPACE_ATTRS and not self.__dict__.get("_workspace_built", True):
            self.ensure_workspace()
            return getattr(self, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def ensure_workspace(self) -> None:
        """Build the step workspace and findings dock (once)."""
        if self._workspace_built:
            return
        self._workspace_built = True
        if not self._shortcuts_later:
            self._after_first_paint()
        from atmp_desktop.ui.findings import FindingsDock, ValidationRunner
        self.stack.addWidget(self._build_workspace())
        self.findings_dock = FindingsDock(self.forms, self)
        self.findings_dock.activated.connect(self.go_to_finding)
        self.addDockWidget(QtCore.Qt.BottomDockWidgetArea, self.findings_dock)
        self.resizeDocks([self.findings_dock], [_dock_height(self.height())], QtCore.Qt.Vertical)
        self.findings_dock.hide()
        from atmp_desktop.ui.sections_dock import SectionsDock
        self.sections_dock = SectionsDock(self.forms, lambda: self.project, self)
        self.sections_dock.jump_requested.connect(self.go_to_field)
        self.sections_dock.message.connect(lambda text: self.status.showMessage(text, 6000))
        self.sections_dock.changed.connect(self._after_change)
        self.addDockWidget(QtCore.Qt.BottomDockWidgetArea, self.sections_dock)
        self.tabifyDockWidget(self.findings_dock, self.sections_dock)
        self.sections_dock.hide()
        self.validation = ValidationRunner(self.forms, self)
        self.validation.updated.connect(self._findings_updated)
        self._watch = QTimer(self)  # notice when another program changes the open file
        self._watch.setInterval(WATCH_MS)
        self._watch.timeout.connect(self._watch_file)
        self._prebuild = QTimer(self)  # build the other pages while the user reads the first one
        self._prebuild.setInterval(10)
        self._prebuild.timeout.connect(self._build_next_page)
        self._finishing = QTimer(self)  # the rest of a page first shown as its first screen (go_to_step)
        self._finishing.setInterval(0)
        self._finishing.timeout.connect(self._finish_next_slice)
        self._rows = QTimer(self)  # the stored rows of tables not read yet, fetched in idle slices (store.deferred)
        self._rows.setInterval(1)  # not 0: while the integrity check runs on its thread a slice returns at once
        self._rows.timeout.connect(self._read_rows_slice)
        self._collect = QTimer(self)  # a garbage-collector pass once an edit is on screen (_collect_after_edit)
        self._collect.setSingleShot(True)
        self._collect.setInterval(COLLECT_AFTER_EDIT_MS)
        self._collect.timeout.connect(self._collect_after_edit)
        # the pages first, then the checks (ui/findings.py: a check beside them would make them wait for the GIL)
        self.validation.yield_to = lambda: self._prebuild.isActive() or self._finishing.isActive()
        self.view_menu.addSeparator()
        # own actions, not the docks' toggle actions: those take the dock's changing title ("Findings (12)")
        # and so could carry no mnemonic
        self.act_findings = self._dock_action("&Findings", self.findings_dock, "Ctrl+Shift+F")
        self.act_sections = self._dock_action("CTD &Sections", self.sections_dock, "Ctrl+Shift+C")  # S: Save As
        self._restore_workspace_state()

    def _dock_action(self, text: str, dock, keys: str) -> QAction:
        act = _new_action(text, self)
        act.setCheckable(True)
        self._shortcut_specs.append((act, (keys,)))
        if self._shortcuts_applied:
            self._bind_shortcuts([(act, (keys,))])
        dock.toggleViewAction().toggled.connect(act.setChecked)
        act.triggered.connect(lambda on: (dock.setVisible(on), on and dock.raise_()))
        self.view_menu.addAction(act)
        return act

    def _build_workspace(self) -> QWidget:
        from atmp_desktop.ui.help_panel import HelpPanel
        from atmp_desktop.ui.navigator import Navigator
        self.navigator = Navigator(self.forms, self)
        self.navigator.step_chosen.connect(lambda step_id: self.go_to_step(step_id, first_screen=True))
        self.navigator.tab_out.connect(self._focus_first_field)
        self.page_stack = QStackedWidget(self)
        self.back_button = _button("< &Back", self)
        self.next_button = _button("&Next >", self)
        self.back_button.clicked.connect(lambda: self.step_by(-1))
        self.next_button.clicked.connect(lambda: self.step_by(1))
        self.position_label = QLabel(self)
        role(self.position_label, "hint")
        bar = QHBoxLayout()
        bar.setContentsMargins(20, 6, 20, 10)
        bar.addWidget(self.position_label)
        bar.addStretch(1)
        bar.addWidget(self.back_button)
        bar.addWidget(self.next_button)
        centre = QWidget(self)
        col = QVBoxLayout(centre)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(0)
        col.addWidget(self._build_file_banner(centre))
        col.addWidget(self.page_stack, 1)
        col.addLayout(bar)
        self.help = HelpPanel(self)
        self.splitter = QSplitter(QtCore.Qt.Horizontal, self)
        self.splitter.setObjectName("workspaceSplitter")
        self.splitter.addWidget(self.navigator)
        self.splitter.addWidget(centre)
        self.splitter.addWidget(self.help)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setSizes([260, 760, 280])
        self.splitter.setChildrenCollapsible(False)
        return self.splitter

    def _build_file_banner(self, parent: QWidget) -> QWidget:
        """A banner above the step: why the project is read-only, or that another program changed it."""
        from atmp_desktop.ui.style import BANNER_CSS
        self.file_banner = QWidget(parent)
        self.file_banner.setObjectName("fileBanner")
        row = QHBoxLayout(self.file_banner)
        row.setContentsMargins(20, 10, 20, 0)
        self.file_banner_text = QLabel(self.file_banner)
        self.file_banner_text.setWordWrap(True)
        self.file_banner_text.setStyleSheet(BANNER_CSS)
        self.file_banner_button = _button("Save a &Copy…", self.file_banner)
        self.file_banner_button.setAutoDefault(False)
        self.file_banner_button.clicked.connect(self.save_as)
        self.file_banner_hide = _button("&Don't Warn Again for This File", self.file_banner)
        self.file_banner_hide.setAutoDefault(False)
        self.file_banner_hide.clicked.connect(self._hide_location_notice)
        self.file_banner_hide.hide()
        row.addWidget(self.file_banner_text, 1)
        row.addWidget(self.file_banner_button)
        row.addWidget(self.file_banner_hide)
        self.file_banner.hide()
        return self.file_banner

    def _show_file_banner(self, text: str, offer_copy: bool, offer_hide: bool = False) -> None:
        self.file_banner_text.setText(text)
        self.file_banner_button.setVisible(offer_copy)
        self.file_banner_hide.setVisible(offer_hide)
        self.file_banner.setVisible(bool(text))

    def _location_notice(self, project) -> str:
        """What to say when the file is in a folder other computers share (store.location), unless the writer
        asked not to be told again for this file."""
        from atmp_desktop.store.location import shared_location
        from atmp_desktop.ui.settings import path_key
        hidden = self.settings.value(path_key("location_notice_hidden", project.path), "")
        where = None if hidden else shared_location(project.path)
        if where is None:
            return ""
        return (f"“{project.path.name}” is in {where}. The lock that keeps a second person out while you work "
                "does not reach other computers there: if a colleague edits it at the same time, one of you "
                "loses work. Edit it only while nobody else has it open, or send colleagues a copy "
                "(File ▸ Send a Copy) and merge theirs (Review ▸ Merge a Colleague's Copy).")

    def _hide_location_notice(self) -> None:
        from atmp_desktop.ui.settings import path_key
        if self.project is not None:
            self.settings.set_value(path_key("location_notice_hidden", self.project.path), "1")
        self._show_file_banner("", False)

    def _action(self, menu, text, slot, keys: tuple[str, ...] = (), tip="") -> QAction:
        """A menu action; `keys` ("Ctrl+E", or "std:New" for a platform standard key) are bound after the
        first paint by _after_first_paint."""
        act = _new_action(text, self)
        if keys:
            self._shortcut_specs.append((act, keys))
        if tip:
            act.setStatusTip(tip)
        act.triggered.connect(slot)
        menu.addAction(act)
        return act

    def _after_first_paint(self) -> None:
        """Work the first paint does not need: binding the menu shortcuts and finishing the start screen.
        Both touch Qt's enum types, whose first use builds about a hundred Python enums (~30 ms); naming
        QKeySequence alone builds its 76 enum members (~8 M instructions), so a launch binds them on the turn
        after its project is on screen (run_gui: before any key the user presses then is handled)."""
        if self._shortcuts_applied:
            return
        self._shortcuts_applied = True
        if "_start" in self.__dict__:
            self.start.finish_setup()
        self._bind_shortcuts(self._shortcut_specs)
        for act in (self.act_undo, self.act_redo):
            act.setShortcutContext(QtCore.Qt.ApplicationShortcut)

    @staticmethod
    def _bind_shortcuts(specs) -> None:
        keys_of = QtGui.QKeySequence
        for act, keys in specs:
            sequences: list = []
            for key in keys:
                if key.startswith("std:"):
                    found = keys_of.keyBindings(getattr(keys_of.StandardKey, key[4:]))
                else:
                    found = [keys_of(key)]
                sequences += [k for k in found if not k.isEmpty() and k not in sequences]
            act.setShortcuts(sequences)

    def _build_menus(self) -> None:
        self._shortcut_specs: list[tuple[QAction, tuple[str, ...]]] = []
        self._shortcuts_applied = False
        bar = self.menuBar()
        m = bar.addMenu("&File")
        self.act_new = self._action(m, "&New Project…", self.new_project, ("std:New",))
        self.act_open = self._action(m, "&Open…", self.open_dialog, ("std:Open",))
        self.recent_menu = m.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        m.addSeparator()
        self.act_save = self._action(m, "&Save", self.save, ("std:Save",),
                                     "Every change is saved as you make it; this confirms it")
        self.act_save_as = self._action(m, "Save &As…", self.save_as, ("std:SaveAs",),
                                        "Copy the project to a new file and continue there")
        self.act_export = self._action(m, "&Export Documents…", self.export, ("Ctrl+E",))
        m.addSeparator()
        self.act_backups = self._action(m, "&Backups…", lambda: _rescue().show_backups(self), (),
                                        "This project's automatic backups: look at one, or restore it")
        m.addSeparator()
        # some platforms define no standard key for these; the usual ones are added
        self.act_close = self._action(m, "&Close Project", self.close_project, ("std:Close", "Ctrl+W"))
        self.act_quit = self._action(m, "&Quit", self.close, ("std:Quit", "Ctrl+Q"))
        self.act_quit.setMenuRole(QAction.QuitRole)

        m = bar.addMenu("&Edit")
        self.act_undo = self._action(m, "&Undo", self.undo, ("std:Undo",))
        self.act_redo = self._action(m, "&Redo", self.redo, ("std:Redo", "Ctrl+Shift+Z", "Ctrl+Y"))
        m.addSeparator()
        from atmp_desktop.ui import clipboard
        self.act_cut = self._action(m, "Cu&t", lambda: clipboard.act(self, "cut"), ("std:Cut",))
        self.act_copy = self._action(m, "&Copy", lambda: clipboard.act(self, "copy"), ("std:Copy",))
        self.act_paste = self._action(m, "&Paste", lambda: clipboard.act(self, "paste"), ("std:Paste",))
        self.act_select_all = self._action(m, "Select &All", lambda: clipboard.act(self, "selectAll"),
                                           ("std:SelectAll",))
        m.addSeparator()
        self.act_find = self._action(m, "&Find…", self.find, ("std:Find", "Ctrl+F"),
                                     "Search labels, help, values and CTD codes of the whole project")
        m.addSeparator()
        # Edit > Figures… (issue 12); the panel's module (image checks, the definitions) loads when it opens
        self.act_figures = self._action(m, "&Figures…", lambda: _figures_ui().open_panel(self), ("Ctrl+Shift+G",),
                                        "Attach vector maps, facility plans and other figures to the dossier")
        self.act_undo.triggered.connect(self._follow_figure_panel)  # an open panel shows what undo/redo did
        self.act_redo.triggered.connect(self._follow_figure_panel)

        m = self.view_menu = bar.addMenu("&View")
        self.act_prev = self._action(m, "&Previous Step", lambda: self.step_by(-1), ("Alt+Left",))
        self.act_next = self._action(m, "Ne&xt Step", lambda: self.step_by(1), ("Alt+Right",))

        m = bar.addMenu("&Help")
        self.act_guide = self._action(m, "&User Guide", self.show_guide, ("std:HelpContents", "F1"),
                                      "The user guide, opened at the topic of the current step")
        self.act_log_folder = self._action(m, "Open &Log Folder", open_log_folder, (),
                                           "The folder of errors.log and crash.log, to send to support")
        m.addSeparator()
        self._action(m, "&About " + APP_NAME, self.about).setMenuRole(QAction.AboutRole)
        from atmp_desktop.ui import share_menu
        share_menu.install(self)  # File > Send a Copy and the Review menu (issue 13)

    def _follow_figure_panel(self) -> None:
        panel = self.__dict__.get("_figure_panel")
        if panel is not None and panel.isVisible():
            panel.refresh()

    @qt_safe(False)
    def event(self, event) -> bool:
        # (events arrive during construction too, before the menus exist)
        if self.__dict__.get("_shortcuts_applied") is False and event.type() == QtCore.QEvent.Paint \
                and not self._shortcuts_later:
            QTimer.singleShot(0, self._after_first_paint)  # the window is on screen
        return super().event(event)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = self.settings.recent_files()
        for i, path in enumerate(files, start=1):
            act = self.recent_menu.addAction(f"&{i % 10} {Path(path).name}")
            act.setToolTip(path)
            act.setStatusTip(path)
            act.triggered.connect(lambda _c=False, p=path: self.open_path(p))
        if not files:
            self.recent_menu.addAction("No recent projects").setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("&Clear List", self._clear_recent)

    def _clear_recent(self) -> None:
        self.settings.clear_recent()
        if self.project is None:
            self.start.set_recent([])

    # ================================================================== state of the window
    def _show_start(self) -> None:
        self.start.set_recent(self.settings.recent_files())
        self.stack.setCurrentWidget(self.start)
        if self._workspace_built:
            self.findings_dock.hide()
            self.sections_dock.hide()
        self._update_actions()
        self._update_title()

    def show_opening(self, path) -> None:
        """Before the first paint of a launch that opens `path`: a quiet page saying so, instead of a start
        screen that would be replaced a moment later (reading the samples' titles alone takes ~20 ms)."""
        label = QLabel(f"Opening “{Path(path).name}” …", self)
        label.setAlignment(QtCore.Qt.AlignCenter)
        role(label, "hint")
        self.stack.addWidget(label)
        self.stack.setCurrentWidget(label)
        self.status.showMessage(f"Opening {path} …")

    def show_start_screen(self) -> None:
        """Back to the start screen when the project given at launch did not open."""
        if self.project is None:
            self._show_start()

    def _update_title(self) -> None:
        if self.project is None:
            self.setWindowTitle(APP_NAME)
            return
        ro = " [read-only]" if self.project.read_only else ""
        self.setWindowTitle(f"{self.project.path.name}{ro} — {APP_NAME}")

    def _update_actions(self) -> None:
        has = self.project is not None
        writable = has and not self.project.read_only
        undo = self.project.undo_label if writable else None
        redo = self.project.redo_label if writable else None
        state = (has, undo, redo)
        if state == self.__dict__.get("_actions_state"):
            return  # an edit usually changes only the undo label
        self._actions_state = state
        from atmp_desktop.ui import share_menu
        share_menu.update_actions(self)
        for act in (self.act_save, self.act_save_as, self.act_export, self.act_close, self.act_prev,
                    self.act_next, self.act_find, self.act_backups):
            act.setEnabled(has)
        self.act_undo.setEnabled(bool(undo))
        self.act_redo.setEnabled(bool(redo))
        self.act_undo.setText(f"&Undo {undo}" if undo else "&Undo")
        self.act_redo.setText(f"&Redo {redo}" if redo else "&Redo")

    def _restore_geometry(self) -> None:
        geo = self.settings.value("geometry")
        if isinstance(geo, QByteArray) and not geo.isEmpty():
            self.restoreGeometry(geo)

    def _fit_to_screen(self) -> None:
        """Open inside the screen's available area (a 1366x768 laptop, 125 % scaling): never larger than it,
        never partly off it, with room for the title bar the window manager adds."""
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None:
            return
        avail = screen.availableGeometry()
        frame_w, frame_h = 16, 48  # borders and title bar, before the window manager has told us
        w = min(self.width(), avail.width() - frame_w)
        h = min(self.height(), avail.height() - frame_h)
        if (w, h) != (self.width(), self.height()):
            self.resize(w, h)
        x = min(max(self.x(), avail.left()), avail.right() - w - frame_w + 1)
        y = min(max(self.y(), avail.top()), avail.bottom() - h - frame_h + 1)
        if (x, y) != (self.x(), self.y()):
            self.move(x, y)

    def _restore_workspace_state(self) -> None:
        state = self.settings.value("window_state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        sizes = self.settings.value("splitter")
        if isinstance(sizes, QByteArray) and not sizes.isEmpty():
            self.splitter.restoreState(sizes)

    def _save_geometry(self) -> None:
        self.settings.set_value("geometry", self.saveGeometry())
        if self._workspace_built:
            self.settings.set_value("window_state", self.saveState())
            self.settings.set_value("splitter", self.splitter.saveState())
        self.settings.sync()

    # ================================================================== opening and closing
    def open_path(self, path: str | Path, read_only: bool = False, break_lock: bool = False) -> bool:
        """Open a project; lock, damage and format problems are explained (with a way out), never raised."""
        # imported here, not at the top: the store pulls in sqlite-utils, which need not delay the first paint
        from atmp_desktop.store import (
            DamagedFileError, ForeignSchemaError, OversizedValueError, ProjectFile, ProjectFileError,
            ProjectLockedError,
        )
        path = Path(path)
        if self.project is not None and _same_file(path, self.project.path) and read_only == self.project.read_only:
            self.status.showMessage(f"“{path.name}” is already open.", 4000)
            return True
        self._commit_pending()
        try:  # the current project stays open until the new one has opened
            # the tables' rows after the first paint (store/deferred.py; _read_rows_slice)
            project = ProjectFile.open(path, self.forms, read_only=read_only, break_lock=break_lock,
                                       defer_rows=True)
        except ProjectLockedError as exc:
            choice = _rescue().offer_lock(self, path, exc)
            return bool(choice) and self.open_path(path, read_only=choice == "read-only", break_lock=choice == "break")
        except (ForeignSchemaError, OversizedValueError) as exc:  # a clean copy keeps its values
            return _rescue().offer_clean_copy(self, path, exc)
        except DamagedFileError as exc:
            return _rescue().offer_backups(self, path, exc)
        except ProjectFileError as exc:
            QtWidgets.QMessageBox.critical(self, "Cannot open project", _sentence(str(exc)))
            return False
        except OSError as exc:
            QtWidgets.QMessageBox.critical(
                self, "Cannot open project", f"“{path.name}” could not be read "
                f"({getattr(exc, 'strerror', None) or exc}); check the file and your access to its folder.")
            return False
        if not self.close_project():
            project.close()
            return False
        self._attach(project)
        if project.backup_path:
            QtWidgets.QMessageBox.information(
                self, "Project upgraded",
                f"“{path.name}” was saved by an older version and has been upgraded. A copy of the original "
                f"was kept as “{project.backup_path.name}” in the same folder.")
        return True

    def _use(self, project: "ProjectFile") -> None:
        """The project the window edits: its edits' commits run behind the window."""
        self.project = project
        project.commit_behind = not project.read_only
        project.on_saved = self._commits.done.emit

    def _attach(self, project: "ProjectFile") -> None:
        self.ensure_workspace()
        launch = self.__dict__.pop("first_screen_only", False)  # a launch: what fills the screen, the rest after
        self._use(project)
        self.snap = project.snapshot()
        for page in list(self.pages.values()) + list(self._building.values()):
            self.page_stack.removeWidget(page)
            page.deleteLater()
        self.pages.clear()
        self._building.clear()
        self.current_step = None
        last = self.settings.value(f"last_step/{project.path.name}", "")
        first = last if last in {s.id for s in self.forms.steps} else self.forms.steps[0].id
        # chosen before the workspace shows: a list view shown with no current row selects its first one,
        # which would build that step's page too
        self.navigator.select_step(first)
        self.stack.setCurrentWidget(self.splitter)
        if self.findings_dock.isHidden():
            self.findings_dock.show()
            self.resizeDocks([self.findings_dock], [_dock_height(self.height())], QtCore.Qt.Vertical)
        if self.sections_dock.isHidden():
            self.sections_dock.show()  # a tab beside the findings, which stay in front
            self.findings_dock.raise_()
        self._refresh_states()
        from atmp_desktop.ui import share_menu
        share_menu.after_change(self)
        if launch:
            self._show_page(first, self._first_screen(first))
        else:
            self.go_to_step(first)
        self.findings_dock.expect_findings()
        self.validation.request(self.snap)  # after the debounce, so the first paint does not wait for the checks
        # once this page is on screen: its lower fields (a launch), the GC freeze, then the other pages
        _after_paint(self.pages[first], lambda: self._project_painted(first))
        _after_paint(self.pages[first], lambda: QTimer.singleShot(BACKUP_AFTER_PAINT_MS, self, self._backup_if_due))
        self._update_title()
        self._update_actions()
        self._write_error = ""
        self._update_saved_label()
        if project.read_only:
            reason = (project.read_only_reason or "it was opened read-only").rstrip(".")
            self._show_file_banner(f"“{project.path.name}” is open read-only: {reason}. Nothing you "
                                   "change here can be saved; save a copy to continue editing.", True)
        else:
            notice = self._location_notice(project)
            self._show_file_banner(notice, False, offer_hide=bool(notice))
        self._watch.start()
        if launch:  # the recent list is written to disk (two fsyncs) once the project is on screen
            _after_paint(self.pages[first], lambda: self.settings.add_recent(project.path))
        else:
            self.settings.add_recent(project.path)

    def close_project(self) -> bool:
        if self.project is None:
            return True
        self._commit_pending()
        self._saved(wait=True)  # Close and Quit wait for the last change to be on disk
        if self.current_step:
            self.settings.set_value(f"last_step/{self.project.path.name}", self.current_step)
        for step_id, page in self.pages.items():  # for the first screen of the next launch (_first_screen)
            if page.complete:
                self.settings.set_value(f"page_width/{step_id}", page.form_area.minimumSizeHint().width())
        self.validation.cancel()  # a check still to come would show this project's findings after it closed
        self._watch.stop()
        self._rows.stop()
        self._collect.stop()
        self._show_file_banner("", False)
        self.project.close()
        self.project = None
        self.snap = None
        import gc
        gc.unfreeze()  # what was kept out of the GC passes for this project may now be collected
        self.help.show_field(None)
        self.findings = []
        self.findings_dock.show_findings([], None)
        self.navigator.reset_states()
        self._problems.clear()
        self._update_saved_label()
        self._show_start()
        return True

    def open_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Open project", self.settings.folder(), FILE_FILTER)
        if path:
            self.open_path(path)

    def open_sample(self, name: str) -> bool:
        from atmp_desktop.store import ProjectFileError
        from atmp_desktop.samples import fresh_sample_copy
        try:
            target = fresh_sample_copy(name, self.forms)  # never a copy the user has edited or has open
        except (ProjectFileError, KeyError, OSError, ValueError) as exc:
            QtWidgets.QMessageBox.critical(self, "Cannot open sample",
                                           f"The sample “{name}” could not be copied: {exc}")
            return False
        return self.open_path(target)

    def new_project(self) -> bool:
        from atmp_desktop.store import ProjectFile, ProjectFileError
        from atmp_desktop.ui.new_project import NewProjectDialog
        dialog = NewProjectDialog(self.forms, self)
        while True:  # a cancelled save dialog goes back to the answers, not away from them
            if dialog.exec() != QtWidgets.QDialog.Accepted:
                return False
            document = dialog.document()
            suggested = (document.get("project", {}).get("title") or "New project").replace("/", "-")
            path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Save new project as",
                                                            str(Path(self.settings.folder()) / f"{suggested}.atmp"),
                                                            FILE_FILTER)
            if path:
                break
        path = Path(path)
        if path.suffix != ".atmp":
            path = path.with_suffix(".atmp")
        held = _held_elsewhere(path) if path.exists() else ""
        if self.project is not None and _same_file(path, self.project.path):
            held = "this window"
        if held:  # never replace a project someone has open
            QtWidgets.QMessageBox.critical(self, "Cannot create project", f"“{path.name}” is open in {held}, so it "
                                           "is not replaced; choose another name for the new project.")
            return False
        try:  # the current project stays open until the new one opens
            ProjectFile.create(path, self.forms, document=document, overwrite=path.exists()).close()
        except ProjectFileError as exc:
            QtWidgets.QMessageBox.critical(self, "Cannot create project", _sentence(str(exc)))
            return False
        except OSError as exc:
            QtWidgets.QMessageBox.critical(self, "Cannot create project",
                                           f"“{path.name}” could not be written ({exc.strerror or exc}); choose a "
                                           "folder you can write to.")
            return False
        return self.open_path(path)

    def save_as(self) -> None:
        from atmp_desktop.store import ProjectFileError
        if self.project is None:
            return
        self._commit_pending()
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Save project as", str(self.project.path), FILE_FILTER)
        if not path:
            return
        target = Path(path)
        if target.suffix != ".atmp":
            target = target.with_suffix(".atmp")
        step = self.current_step
        self._saved(wait=True)  # (a change that could not be saved is reported before the copy is made without it)
        try:
            new = self.project.save_as(target)  # the copy opens for editing, even from a read-only original
        except ProjectFileError as exc:  # e.g. the target is open in another window: it is left alone
            QtWidgets.QMessageBox.critical(self, "Cannot save a copy", _sentence(str(exc)))
            return
        except OSError as exc:
            QtWidgets.QMessageBox.critical(self, "Cannot save a copy",
                                           f"The project could not be copied to “{target.name}” "
                                           f"({exc.strerror or exc}); choose another folder or name.")
            return
        self._use(new)
        self.snap = new.snapshot()
        self._show_file_banner("", False)
        self._update_saved_label()
        self.settings.add_recent(new.path)
        for page in self.pages.values():
            page.set_read_only(new.read_only)
        self._refresh_states()  # the sections dock becomes editable in the copy
        self._update_title()
        self._update_actions()
        if step:
            self.go_to_step(step)
        self.status.showMessage(f"Now working in {new.path.name}", 5000)

    def save(self) -> None:
        """Ctrl+S in an app that saves every change: write what is still being typed and say so."""
        if self.project is None:
            return
        self._commit_pending()
        self._saved(wait=True)
        if self.project.read_only:
            self.status.showMessage(f"“{self.project.path.name}” is open read-only, so nothing can change here. "
                                    "Use File ▸ Save As to make an editable copy.", 8000)
        elif self._write_error or self._problems:
            self.status.showMessage("Not everything is saved: " + (self._write_error or next(iter(
                self._problems.values()))), 8000)
        else:
            self.status.showMessage(f"All changes are saved in “{self.project.path.name}”: every change is "
                                    "written as you make it.", 6000)

    def find(self) -> None:
        if self.project is None:
            return
        from atmp_desktop.ui.search import SearchDialog
        dialog = self.__dict__.get("_search")
        if dialog is None:
            dialog = self._search = SearchDialog(self.forms, self)
            dialog.chosen.connect(self.go_to_field)
        dialog.search_in(self.snap)

    def show_guide(self) -> None:
        from atmp_desktop.ui.guide import GuideWindow
        guide = self.__dict__.get("_guide")
        if guide is None:
            guide = self._guide = GuideWindow(self)
        guide.show_topic(self.current_step if self.project is not None else "start")

    @qt_safe()
    def closeEvent(self, event) -> None:
        self.close_project()
        self._save_geometry()
        super().closeEvent(event)

    # ================================================================== steps
    def page(self, step_id: str) -> StepPage:
        """The page of a step, built on first use (keeps start-up fast); a page half-built in idle time, or
        the launch's first screen, is finished now."""
        page = self.pages.get(step_id)
        if page is None or not page.complete:
            page = page or self._building.pop(step_id, None) or self._new_page(step_id)
            page.build(self.snap)
            self._page_ready(step_id, page)
        return page

    def _first_screen(self, step_id: str) -> StepPage:
        """A launch's first page with only the fields that fill the window, finished as it should look (which
        fields show, placeholders, read-only); `page()` adds the fields below on the turn after it paints.
        Building the fields nobody sees yet was a third of the time from launch to the project on screen."""
        from atmp_desktop.ui import logic
        page = self._new_page(step_id)
        snap = self.snap
        # the window's height less the findings dock: more than the page's area (menus, status bar, Back/Next
        # and the step's title take the rest), so the screen is always full
        page.build(snap, fill_height=self.height() - _dock_height(self.height()),
                   shown=lambda f: logic.field_visible(f, snap))
        page.refresh_state(snap)
        page.show_profile(logic.product_profile(snap))
        page.set_read_only(self.project is not None and self.project.read_only)
        # as wide as the whole page was last time (a wide row further down, e.g. a row of check boxes, would
        # otherwise widen the page and re-wrap what is on screen when it is added)
        try:
            width = int(self.settings.value(f"page_width/{step_id}", 0) or 0)
        except (TypeError, ValueError):
            width = 0
        if width > 0 and not page.complete:
            page.form_area.setMinimumWidth(width)
        self.pages[step_id] = page  # incomplete (page.complete is False while fields remain)
        return page

    def _new_page(self, step_id: str) -> StepPage:
        from atmp_desktop.ui.step_page import StepPage
        page = StepPage(self.forms, self.forms.step(step_id), self.page_stack, build=False)
        page.edited.connect(self.on_edited)
        page.row_edits.connect(self.on_row_edits)
        page.problem.connect(self._field_problem)
        page.go_to.connect(self.go_to_field)
        self.page_stack.addWidget(page)
        return page

    def _page_ready(self, step_id: str, page: StepPage) -> None:
        """A complete page: which fields show, placeholders for the product, read-only state."""
        if page.form_area.minimumWidth():  # a launch's first screen, now whole: its own width from now on
            page.form_area.setMinimumWidth(0)
        from atmp_desktop.ui import glossary_starter
        glossary_starter.decorate(self, page)  # "Add the ATMP starter set" under the glossary (issue 11)
        if self.snap is not None:
            page.refresh_state(self.snap)
            from atmp_desktop.ui.logic import product_profile
            page.show_profile(product_profile(self.snap))
        page.set_read_only(self.project is not None and self.project.read_only)
        self.pages[step_id] = page
        if len(self.pages) == len(self.forms.steps):
            _gc_freeze()  # every page is built (prebuilt or visited): keep them out of later GC passes

    def _backup_if_due(self, tries: int = 30) -> None:
        """The store's backup of the file as opened, once the project is on screen and the window is idle (no
        page prebuilding, no check running; at most ~30 s later): at large 4x it copies 18 MB, which would
        otherwise hold up the first paint or a prebuild slice. The store makes it before the first change is
        written if that comes sooner."""
        if self.project is None or self.project.read_only:
            return
        if tries > 0 and (self._prebuild.isActive() or self._rows.isActive() or self.validation.busy
                          or self.validation._timer.isActive()):
            QTimer.singleShot(BACKUP_AFTER_PAINT_MS, self, lambda: self._backup_if_due(tries - 1))
            return
        self.project.backup_if_due(background=True)  # copied on a worker thread: the window stays responsive

    def documents_ready(self) -> None:
        """The document definitions are loaded (a launch loads them after its first paint): the help of the
        step on screen gains "This step feeds" if it went on screen without it."""
        if self._workspace_built and self.help.feeds_later:
            self.help.feeds_later = False
            if self.help.field is None and self.current_step:
                self.help.show_step(self.forms.step(self.current_step), self.snap)

    def _project_painted(self, first: str) -> None:
        if self.project is not None:
            self._rows.start()  # the tables the first page did not need: fetched while the user reads it
            self.page(first)
            _gc_freeze()  # the project's contents live as long as it is open: no GC pass need scan them again
            from atmp_desktop import allocator
            allocator.tune()  # large tables' edits reuse freed memory instead of fresh pages (allocator.py)
            self._start_prebuild()

    def _read_rows_slice(self) -> None:
        """One idle slice of the stored rows still to fetch, then of the row-id lookups a first new row needs
        (the store fetches the rest at once before any write and when a table is first read, and builds a
        lookup when first used, so nothing waits for these slices). The first runs SQLite's integrity
        check: a damaged file is closed, unchanged, with the sentence and the backups a failed open offers."""
        from atmp_desktop.store import DamagedFileError, ProjectFileError
        if self.project is None:
            self._rows.stop()
            return
        try:
            # every row read, the row-id indexes a first new row looks in: built here rather than in that edit
            more = self.project.read_rows(ROWS_SLICE) or self.project.index_rows(INDEX_SLICE)
        except DamagedFileError as exc:
            self._rows.stop()
            path = self.project.path
            self.close_project()
            _rescue().offer_backups(self, path, exc)
            return
        except ProjectFileError as exc:  # the file cannot be read any more (a disk removed): say so, once
            self._rows.stop()
            QtWidgets.QMessageBox.critical(self, "Cannot read project", _sentence(str(exc)))
            return
        if not more:
            self._rows.stop()
            from atmp_desktop.ui import affected
            affected.dependencies(self.forms)  # the map every edit reads: built now, not in the first edit (~4 ms)

    def _start_prebuild(self) -> None:
        if self.project is not None and not self._prebuild.isActive():
            self._prebuild.start()

    def _build_next_page(self) -> None:
        """One slice of idle-time prebuilding: part of the next page not yet built."""
        missing = [s.id for s in self.forms.steps if s.id not in self.pages]
        if self.project is None or not missing:
            self._prebuild.stop()
            if not self._finishing.isActive():
                self.validation.resume()
            return
        step_id = missing[0]
        page = self._building.get(step_id)
        if page is None:
            page = self._building[step_id] = self._new_page(step_id)
        if not page.complete:
            page.build(self.snap, PREBUILD_SLICE_MS)
        else:  # the finishing touches (visibility, placeholders) in a slice of their own
            del self._building[step_id]
            self._page_ready(step_id, page)

    def go_to_step(self, step_id: str, first_screen: bool = False) -> None:
        """Show a step's page. `first_screen` (the user choosing a step: navigator, Back/Next): a page not
        built yet shows the fields that fill the window at once and gets the rest in slices after it has
        painted (at large 4x the whole quality page took ~250 ms of CPU to build and show, its first screen
        ~50); code that needs the page's editors calls this without it, or `page(step)`, which finishes it."""
        if self.project is None:
            return
        if self.current_step and self.current_step != step_id and self.current_step in self.pages:
            self.pages[self.current_step].commit_all()
        if first_screen and step_id not in self.pages and step_id not in self._building:
            page = self._first_screen(step_id)
            self._show_page(step_id, page)
            if not page.complete:
                _after_paint(page, self._finishing.start)
            else:
                self._page_ready(step_id, page)
            return
        self._show_page(step_id, self.page(step_id))

    def _finish_next_slice(self) -> None:
        """One slice of the rest of a page shown as its first screen (the one on screen first): its new rows
        take the visibility and read-only state of the page at once, placeholders and the rest when whole."""
        unfinished = [s for s, p in self.pages.items() if not p.complete]
        if self.project is None or not unfinished:
            self._finishing.stop()
            if not self._prebuild.isActive():
                self.validation.resume()
            return
        step_id = self.current_step if self.current_step in unfinished else unfinished[0]
        page = self.pages[step_id]
        before = set(page.editors)
        page.build(self.snap, FINISH_SLICE_MS)
        page.refresh_state(self.snap, [p for p in page.editors if p not in before], applicability=False, added=True)
        if self.project.read_only:
            page.set_read_only(True)
        if page.complete:
            self._page_ready(step_id, page)

    def _show_page(self, step_id: str, page: StepPage) -> None:
        changed = step_id != self.current_step
        self.page_stack.setCurrentWidget(page)
        self.current_step = step_id
        if changed:
            self.help.show_step(page.step, self.snap)
        self.navigator.select_step(step_id)
        if changed:
            ids = [s.id for s in self.forms.steps]
            self.position_label.setText(f"Step {ids.index(step_id) + 1} of {len(ids)}")
        self._update_step_buttons()

    def _update_step_buttons(self) -> None:
        self.back_button.setEnabled(self._neighbour(-1) is not None)
        self.next_button.setEnabled(self._neighbour(1) is not None)

    def _focus_first_field(self) -> None:
        """Tab in the navigator goes to the first field of the step shown."""
        page = self.pages.get(self.current_step or "")
        first = page.first_field_widget() if page is not None else None
        if first is not None:
            first.setFocus(QtCore.Qt.TabFocusReason)

    def _neighbour(self, delta: int) -> str | None:
        from atmp_desktop.ui import logic
        """The next or previous step that applies to this product (steps that do not apply are skipped)."""
        ids = [s.id for s in self.forms.steps]
        i = ids.index(self.current_step) + delta
        while 0 <= i < len(ids):
            if self.snap is None or logic.step_applies(self.forms.steps[i], self.snap):
                return ids[i]
            i += delta
        return None

    def step_by(self, delta: int) -> None:
        if self.project is None:
            return
        target = self._neighbour(delta)
        if target:
            self.go_to_step(target, first_screen=True)
            first = self.pages[target].first_field_widget()
            if first is not None and self.focusWidget() in (self.back_button, self.next_button, None):
                pass  # keep focus on the button so repeated Enter keeps stepping
            elif first is not None:
                first.setFocus(QtCore.Qt.TabFocusReason)

    def _refresh_states(self, steps=None) -> None:
        """Navigator completeness of `steps` (None: all) and, for all, the Sections dock."""
        from atmp_desktop.ui import logic
        if self.snap is None:
            return
        chosen = self.forms.steps if steps is None else [s for s in self.forms.steps if s.id in steps]
        states = {s.id: logic.step_state(self.forms, s, self.snap) for s in chosen}
        self.navigator.update_states(states, self._step_counts())
        known = self.navigator.states()
        self.findings_dock.set_progress(sum(st.filled for st in known.values() if st.applies),
                                        sum(st.required for st in known.values() if st.applies))
        if steps is None:
            self.sections_dock.refresh(self.snap, self.findings)

    # ================================================================== editing
    def on_edited(self, path: str, value, label: str = "") -> None:
        self._write([(path, value)], path, label)

    def on_row_edits(self, path: str, operations, label: str) -> None:
        """Row operations of one table action (a cell, inserted, deleted or moved rows, a paste)."""
        self._write(list(operations), path, label)

    def _write(self, edits: list, path: str, label: str = "") -> None:
        """One user action: one transaction, one undo step; a refusal is explained and the field reloaded."""
        from atmp_desktop.store import FileChangedError, ProjectFileError
        if self.project is None or self.project.read_only:
            return
        try:
            change = self.project.apply(edits, label or None)
        except FileChangedError as exc:
            self._changed_under_us(str(exc))
            return
        except _field_value_error() as exc:
            self.status.showMessage(str(exc), 8000)
            QtWidgets.QMessageBox.warning(self, "Value not saved", _sentence(str(exc)))
            self._reload_fields([path])
            return
        except ProjectFileError as exc:  # disk full, file removed or made read-only meanwhile
            self._failed_write(_sentence(str(exc)))
            self._reload_fields([path])
            return
        except OSError as exc:
            self._failed_write(self._write_failed(exc))
            self._reload_fields([path])
            return
        except Exception:
            # a bug, not the user's input: the store rolled the transaction back, so the field shows what is
            # saved again and the exception goes on to the app-wide handler (logged, one sentence; ui/errors.py)
            self._reload_fields([path])
            raise
        self._write_error = ""
        failure = self.project.take_unsaved()
        if failure is not None:  # the commit of the change before this one failed: the file was read again
            self._after_change(failure.change)
            self._failed_write(_sentence(str(failure)))
        elif change is not None:
            try:
                self._after_change(change, source=path)
            except Exception:
                # saved, but the window is half refreshed: it reads the project again on the next turn
                QTimer.singleShot(0, self, self._reload_after_error)
                raise
        self._update_saved_label()  # "Saving…" while the commit is on its way to the disk

    def _reload_after_error(self) -> None:
        if self.project is not None:
            self._reload_everything()

    def _saved(self, wait: bool = False) -> None:
        """A commit behind the window has finished (or, `wait`, Close/Save/Save As waited for it): the status bar
        says saved, or a failed commit is told in one sentence and the window shows the file as it is (without
        that change; the store rolled it back and read the file again)."""
        if wait and self.project is not None:
            self.project.wait_saved()
        if self.project is None or self.project.saving:
            return  # a newer commit is on its way; its own end comes here too
        self.project.wait_saved()  # (done: takes its outcome)
        failure = self.project.take_unsaved()
        if failure is not None:
            self._after_change(failure.change)
            self._failed_write(_sentence(str(failure)))
            return
        self._update_saved_label()

    def _watch_file(self) -> None:
        """Every WATCH_MS: the file checked for others' changes, unless our own commit is on its way to the disk
        (checking waits for it: a 94 ms commit on a busy disk held an edit's repaint that long); the next tick
        checks."""
        if self.project is not None and self.project.saving:
            return
        self.check_file()

    def check_file(self) -> bool:
        """If another program changed the open file, show its contents now (True when it did)."""
        from atmp_desktop.store import ProjectFileError
        if self.project is None or not self.project.changed_on_disk():
            return False
        try:
            change = self.project.reload()
        except ProjectFileError as exc:
            self._watch.stop()
            QtWidgets.QMessageBox.critical(self, "Project changed on disk", _sentence(str(exc)))
            return True
        self._after_change(change)
        from datetime import datetime
        self._show_file_banner(f"“{self.project.path.name}” was changed by another program at "
                               f"{datetime.now():%H:%M}; the window shows the file as it is now.", False)
        return True

    def _changed_under_us(self, message: str) -> None:
        """A write refused because another program changed the file first: show the file, ask to redo."""
        self.check_file()
        QtWidgets.QMessageBox.warning(self, "Change not saved", _sentence(message))

    def _failed_write(self, message: str) -> None:
        self._write_error = message
        self._update_saved_label()
        QtWidgets.QMessageBox.critical(self, "Change not saved", message)

    def _field_problem(self, path: str, text: str) -> None:
        if text:
            self._problems[path] = text
        else:
            self._problems.pop(path, None)
        self._update_saved_label()

    def _update_saved_label(self) -> None:
        """The status bar's promise about saving, kept true: nothing on the start screen, the reason on a
        read-only file, and a warning while a typed value or the last write could not be saved."""
        if self.project is None:
            text, tip, bad = "", "", False
        elif self.project.read_only:
            reason = getattr(self.project, "read_only_reason", "") or "opened read-only"
            text, tip, bad = "Read-only: changes cannot be made", _sentence(reason), False
        elif self._write_error:
            text, tip, bad = "Last change NOT saved", self._write_error, True
        elif self._problems:
            path, problem = next(iter(self._problems.items()))
            text = f"Not saved: {self.forms.label(path)}" + (f" and {len(self._problems) - 1} more"
                                                             if len(self._problems) > 1 else "")
            tip, bad = problem, True
        elif self.project.saving:
            text, tip, bad = "Saving…", "", False
        else:
            text, tip, bad = "All changes are saved automatically", "", False
        before = self.__dict__.get("_saved_state")
        if (text, tip, bad) == before:
            return
        self._saved_state = (text, tip, bad)
        self.saved_label.setText(text)  # (per edit: "Saving…", then saved; the tip and look change rarely)
        if before is None or before[1] != tip:
            self.saved_label.setToolTip(tip)
        if before is None or before[2] != bad:
            from atmp_desktop.ui.style import role
            role(self.saved_label, "error" if bad else "plain")

    def _after_change(self, change: "ChangeSet", source: str | None = None, focus_step: str | None = None) -> None:
        """Refresh what the change set names, nothing else: the editors of the changed fields (not `source`,
        the editor the user is typing in), the visibility of fields whose conditions read a changed field,
        the applicability of steps that read one, the navigator rows of those steps and the Sections dock
        rows of the CTD sections they feed. Findings follow after the validation debounce."""
        from atmp_desktop.ui import affected, logic, share_menu
        share_menu.after_change(self, change)  # review badges, and the notice of an approval reset
        if change.everything:
            self._reload_everything()
            return
        self.snap = self._read_snapshot(change)
        hit = affected.affected(self.forms, change.paths)
        for step_id in hit.steps:
            page = self.pages.get(step_id) or self._building.get(step_id)
            if page is None:
                continue  # built later from the snapshot of that time
            prefix = step_id + "."
            page.load_fields(self.snap, [p for p in hit.paths if p.startswith(prefix)], keep=source)
            page.refresh_state(self.snap, [p for p in hit.visibility if p.startswith(prefix)],
                               applicability=step_id in hit.applicability)
        if hit.steps:
            self._refresh_states(hit.steps)
        dock_paths = set(hit.paths | hit.visibility)
        for step_id in hit.applicability:  # a step that stops applying hides all its fields from the sections
            dock_paths.update(f.path for f in self.forms.step(step_id).fields)
        self.sections_dock.refresh(self.snap, self.findings, paths=dock_paths, sections=change.sections)
        if hit.paths & logic.PROFILE_FIELDS:  # examples and placeholders follow the kind of product
            for page in self.pages.values():
                page.show_profile(logic.product_profile(self.snap))
        if self.help.field is not None:
            self.help.show_field(self.help.field, self.snap)  # redrawn only if its documents or examples change
        self._update_actions()
        if change.meta:
            self._update_title()
        self.validation.request(self.snap)
        self._collect.start()
        if focus_step:
            self.go_to_step(focus_step)
        elif hit.applicability and self.current_step:
            self._update_step_buttons()  # Back/Next skip steps that do not apply

    def _collect_after_edit(self) -> None:
        """Collect what the last edits left, then keep what survives out of later passes (gc.freeze, as after
        the first paint). Each edit of a large table makes new lists of its rows, which then live as long as
        the table: left to the collector, they piled up until a full pass over all of them came in the middle
        of some edit (~50-60 ms at large 4x, about one edit in 130 of a results sheet). This pass sees only
        what was made since the last one (median 2 ms at 4x; each change restarts its timer, so it waits for
        a pause). An edit leaves no garbage cycles (none found after 200 results typed with the collector
        off); the pass still frees whatever cycles other actions left."""
        if self.project is None:
            return
        import gc
        gc.collect()
        _gc_freeze()

    def _read_snapshot(self, change: "ChangeSet") -> "ProjectSnapshot":
        """The snapshot after a change (the store updates its cached snapshot per action: no re-read)."""
        return self.project.snapshot()

    def _reload_everything(self) -> None:
        """After a change that names no detail (restore, merge, file changed under us): reload all pages."""
        self.snap = self.project.snapshot()
        for page in self._building.values():  # half-built pages start again from the new contents
            self.page_stack.removeWidget(page)
            page.deleteLater()
        self._building.clear()
        for page in self.pages.values():
            page.load(self.snap)
        self._refresh_states()
        self._update_actions()
        self._update_title()
        self.validation.request(self.snap)
        if self.current_step:
            self.go_to_step(self.current_step)

    def _write_failed(self, exc: Exception) -> str:
        return (f"The change could not be written to “{self.project.path.name}” ({exc}); check that the file "
                "still exists, the disk is not full and you may write to it, then try again.")

    def _reload_fields(self, paths: list[str]) -> None:
        """Show the stored values again after a refused edit."""
        snap = self.project.snapshot()
        for page in self.pages.values():
            page.load_fields(snap, paths)

    def _commit_pending(self) -> None:
        for page in list(self.pages.values()):
            page.commit_all()

    def undo(self) -> None:
        self._undo_redo(redo=False)

    def redo(self) -> None:
        self._undo_redo(redo=True)

    def _undo_redo(self, redo: bool) -> None:
        from atmp_desktop.store import ProjectFileError
        if self.project is None or self.project.read_only:
            return
        self._commit_pending()
        try:
            action = self.project.redo() if redo else self.project.undo()
        except ProjectFileError as exc:
            QtWidgets.QMessageBox.critical(self, "Cannot undo" if not redo else "Cannot redo", _sentence(str(exc)))
            return
        except OSError as exc:
            QtWidgets.QMessageBox.critical(self, "Cannot undo" if not redo else "Cannot redo", self._write_failed(exc))
            return
        if action is None:
            return
        first = action.first_path()
        if first is None:  # a section status: show it in the Sections dock
            self._after_change(action)
            self.sections_dock.show()
            self.sections_dock.raise_()
        else:
            step = first.split(".", 1)[0]
            self._after_change(action, focus_step=step)
            self.pages[step].focus_field(first)
        self.status.showMessage(f"{'Redone' if redo else 'Undone'}: {action.label}", 5000)

    # ================================================================== findings and help
    def _step_counts(self) -> dict:
        """Findings per step and kind, counted once per set of findings (not again on every edit)."""
        cached = self.__dict__.get("_counts")
        if cached is None or cached[0] is not self.findings:
            from atmp_desktop.ui.findings import counts_by_step
            cached = self._counts = (self.findings, counts_by_step(self.forms, self.findings))
        return cached[1]

    def _findings_updated(self, findings, error: str) -> None:
        findings = list(findings)
        if findings == self.findings and error == self.findings_dock.error and not self.findings_dock.checking:
            return  # most edits change no finding: leave the docks alone
        self.findings = findings
        self.findings_dock.show_findings(self.findings, error)
        self.navigator.update_findings(self._step_counts())
        if self.snap is not None:
            self.sections_dock.refresh(self.snap, self.findings)

    def go_to_finding(self, finding) -> None:
        """Open the field a finding is about: its link (the field a CTD-code finding names), else its location."""
        from atmp_desktop.ui import logic
        if finding is None or self.project is None:
            return
        target = getattr(finding, "link", "") or finding.location
        step = (logic.step_of_location(self.forms, target) if target != finding.location else "") \
            or getattr(finding, "step", "") or logic.step_of_location(self.forms, finding.location)
        if not step:
            self.status.showMessage(f"{finding.location}: this finding is about the dossier as a whole.", 6000)
            return
        self.go_to_step(step)
        if not self.pages[step].focus_field(target):
            self.status.showMessage("That field is hidden by an earlier answer in this step.", 6000)

    def go_to_field(self, path: str) -> None:
        """Show the step of a field and focus it (from the Sections dock)."""
        from types import SimpleNamespace
        self.go_to_finding(SimpleNamespace(location=path, step=""))

    def _focus_changed(self, _old, new) -> None:
        if not self._workspace_built:  # only step pages have fields to explain
            return
        w = new
        from atmp_desktop.ui.step_page import FieldRow
        while w is not None and not isinstance(w, FieldRow):
            w = w.parentWidget()
        if w is not None and w.window() is self:
            self.help.show_field(w.field, self.snap)

    # ================================================================== dialogs
    def export(self) -> None:
        if self.project is None:
            return
        self._commit_pending()
        from atmp_desktop.ui.export_dialog import ExportDialog
        dialog = ExportDialog(self.forms, self.project.snapshot(), self.settings, self.project.path, self)
        dialog.exec()

    def about(self) -> None:
        from atmp_desktop.ui.about import about_html
        box = QtWidgets.QMessageBox(self)
        box.setWindowTitle(f"About {APP_NAME}")
        box.setTextFormat(QtCore.Qt.RichText)
        box.setText(about_html())
        box.setIconPixmap(QApplication.windowIcon().pixmap(64, 64))
        box.setStandardButtons(QtWidgets.QMessageBox.Close)
        box.exec()


class _CommitSignals(QtCore.QObject):
    done = QtCore.Signal()  # emitted on the commit's thread, delivered on the window's


class _PaintWatch(QtCore.QObject):
    """Calls `action` once, on the turn after `widget` (or the contents of its scroll area) first paints, or
    after `fallback_ms` if it never does (a minimised or hidden window)."""

    def __init__(self, widget: QWidget, action, fallback_ms: int):
        super().__init__(widget)
        self.action = action
        # the scroll area's own widget, not its viewport: wrapping the viewport (a QWidget made by Qt) would make
        # PySide realise every QWidget subclass before the first paint
        inner = widget.widget() if isinstance(widget, QScrollArea) else None
        self.watched = [widget] + ([inner] if inner is not None else [])
        for w in self.watched:
            w.installEventFilter(self)
        QTimer.singleShot(fallback_ms, self, self.fire)

    @qt_safe(False)
    def eventFilter(self, obj, event) -> bool:
        if event.type() == QtCore.QEvent.Paint and self.action is not None:
            QTimer.singleShot(0, self, self.fire)
        return False

    def fire(self) -> None:
        action, self.action = self.action, None
        if action is not None:
            for w in self.watched:
                w.removeEventFilter(self)
            action()


def _new_action(text: str, parent) -> QAction:
    """QAction(text, parent), made without PySide building QIcon's 157 enum members before the first paint: to
    choose between the constructors QAction(text, parent) and QAction(icon, text, parent) PySide realises QIcon."""
    act = QAction(parent)
    act.setText(text)
    return act


def _button(text: str, parent: QWidget) -> QPushButton:
    """QPushButton(text, parent) without realising QIcon (see _new_action)."""
    button = QPushButton(parent)
    button.setText(text)
    return button


def _gc_freeze() -> None:
    """Move every object alive now out of the garbage collector's passes (gc.freeze). A full pass over a
    large project's snapshot and pages takes ~50 ms at 4x and would come in the middle of some edit; what is
    frozen is released by reference counting as usual, and close_project unfreezes for the rest."""
    import gc
    gc.freeze()


def _after_paint(widget: QWidget, action, fallback_ms: int = 500) -> None:
    _PaintWatch(widget, action, fallback_ms)


def _dock_height(window_height: int) -> int:
    """The findings dock's first height: a fifth of the window, so a 1366x768 laptop at 125 % keeps room for
    the step (the user's own size is restored from the settings)."""
    return max(100, min(170, window_height // 5))


def _figures_ui():
    from atmp_desktop.ui import figure_panel
    return figure_panel


def _rescue():
    # imported when a file cannot be opened as it is (or a backup is asked for): the dialog classes it names
    # would cost every launch PySide's type and enum creation
    from atmp_desktop.ui import file_rescue
    return file_rescue


def _field_value_error():
    from atmp_desktop.core.values import FieldValueError
    return FieldValueError


def _held_elsewhere(path: Path) -> str:
    """Who holds the project's lock ('' when nobody, or only a process that has ended)."""
    from atmp_desktop.store import locking
    holder = locking.read_holder(path)
    if not holder or locking.is_stale(holder):
        return ""
    return locking.describe(holder)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _sentence(text: str) -> str:
    text = text.strip()
    if text and text[0].islower():
        text = text[0].upper() + text[1:]
    return text

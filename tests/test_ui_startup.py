"""What opening a project builds before its first paint and what follows after it (issue 8 start-up, issue 14):
only the step on screen is built at once, the other pages after the paint, the Sections dock when its tab is
chosen; what the user sees and what the file holds are the same as if everything had been built at once."""
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTabBar

from atmp_desktop.store import ProjectFile
from atmp_desktop.ui.sections_dock import COL_FIELDS, COL_NOTE
from atmp_desktop.ui.table_editor import TableEditor


def stored(path, forms):
    with ProjectFile.open(path, forms, read_only=True) as p:
        return p.snapshot()


def tab(window, title):
    for bar in window.findChildren(QTabBar):
        for i in range(bar.count()):
            if bar.tabText(i).startswith(title):
                return bar, i
    raise AssertionError(f"no tab {title!r}")


def test_only_the_step_on_screen_is_built_before_the_first_paint(window, sample_project, forms, qtbot):
    assert window.open_path(sample_project("car-t"))
    first = forms.steps[0].id
    assert set(window.pages) == {first} and not window._building  # nothing else yet
    assert not window._prebuild.isActive()
    qtbot.waitUntil(lambda: len(window.pages) == len(forms.steps), timeout=10000)  # the rest after the paint
    # a prebuilt page edits like any other: the value is in the file
    window.go_to_step("quality")
    page = window.pages["quality"]
    assert page.complete
    editor = next(e for e in page.editors.values() if not isinstance(e, TableEditor) and e.field.type == "text")
    editor.edit.setFocus()
    editor.edit.selectAll()
    qtbot.keyClicks(editor.edit, "Prebuilt page value")
    qtbot.keyClick(editor.edit, Qt.Key_Return)
    assert stored(window.project.path, forms).get(editor.field.path) == "Prebuilt page value"


def test_a_new_window_opening_on_the_last_step_builds_that_step_only(window, sample_project, forms, settings,
                                                                      qtbot):
    from atmp_desktop.ui.main_window import MainWindow
    path = sample_project("car-t")
    window.open_path(path)
    window.go_to_step("gmo")
    window.close()  # remembers the step, as on quitting
    again = MainWindow(forms, settings)  # the next launch
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    qtbot.wait(50)  # on screen and active, with the focus on the start screen, as when a launch opens a file
    assert again.open_path(path)
    assert again.current_step == "gmo"
    # not also step 1, which the step list would select (and build) when it is first shown
    assert set(again.pages) == {"gmo"}
    assert again.navigator.currentItem().data(Qt.UserRole) == "gmo"
    again.close_project()


def test_sections_tab_is_built_when_chosen_and_shows_the_file(window, sample_project, forms, qtbot):
    assert window.open_path(sample_project("car-t"))
    dock = window.sections_dock
    assert dock._items == {}  # a tab behind Findings: not built for the first paint
    window.go_to_step("product")
    window.on_edited("product.inn", "")  # an edit while the tab is hidden
    bar, i = tab(window, "Sections")
    qtbot.mouseClick(bar, Qt.LeftButton, pos=bar.tabRect(i).center())
    qtbot.waitUntil(lambda: bool(dock._items), timeout=5000)
    assert dock.on_screen
    fresh = type(dock)(forms, lambda: window.project)  # a dock built at once from the same file
    fresh.refresh(stored(window.project.path, forms), window.findings)
    fresh._ensure_current()
    for code in ("3.2.S.1.1", "3.2.P.1", "3.2.R"):
        assert dock._items[code].text(COL_FIELDS) == fresh._items[code].text(COL_FIELDS)
    # and it follows edits while on screen
    before = dock._items["3.2.S.1.1"].text(COL_FIELDS)
    window.on_edited("product.inn", "lumacel-leucel")
    assert dock._items["3.2.S.1.1"].text(COL_FIELDS) != before
    fresh.deleteLater()


def test_a_status_chosen_then_another_project_opened_shows_that_projects_status(window, sample_project,
                                                                                empty_project, forms, qtbot):
    window.open_path(sample_project("car-t"))
    bar, i = tab(window, "Sections")
    qtbot.mouseClick(bar, Qt.LeftButton, pos=bar.tabRect(i).center())
    qtbot.waitUntil(lambda: bool(window.sections_dock._items), timeout=5000)
    combo = window.sections_dock.combos["3.2.R"]
    combo.setCurrentIndex(combo.findText("Draft"))
    assert stored(window.project.path, forms).section_status["3.2.R"]["status"] == "draft"
    tab_bar, f = tab(window, "Findings")
    qtbot.mouseClick(tab_bar, Qt.LeftButton, pos=tab_bar.tabRect(f).center())
    window.open_path(empty_project)
    assert window.sections_dock.combos["3.2.R"].currentText() == "Not started"


def test_edits_made_while_the_sections_tab_is_behind_show_when_it_comes_back(window, sample_project, forms,
                                                                            qtbot):
    assert window.open_path(sample_project("car-t"))
    dock = window.sections_dock
    bar, i = tab(window, "Sections")
    qtbot.mouseClick(bar, Qt.LeftButton, pos=bar.tabRect(i).center())
    qtbot.waitUntil(lambda: bool(dock._items), timeout=5000)
    shown = dock._items["3.2.S.1.1"].text(COL_FIELDS)
    bar, f = tab(window, "Findings")
    qtbot.mouseClick(bar, Qt.LeftButton, pos=bar.tabRect(f).center())
    qtbot.waitUntil(lambda: not dock.on_screen, timeout=5000)
    window.go_to_step("product")
    window.on_edited("product.inn", "")  # while behind: only collected
    assert dock._items["3.2.S.1.1"].text(COL_FIELDS) == shown
    bar, i = tab(window, "Sections")
    qtbot.mouseClick(bar, Qt.LeftButton, pos=bar.tabRect(i).center())
    qtbot.waitUntil(lambda: dock._items["3.2.S.1.1"].text(COL_FIELDS) != shown, timeout=5000)
    filled, total = (int(x) for x in shown.split("/"))
    assert dock._items["3.2.S.1.1"].text(COL_FIELDS) == f"{filled - 1}/{total}"
    assert stored(window.project.path, forms).get("product.inn") is None


def test_the_findings_summary_says_checking_until_the_first_check_reports(window, sample_project, qtbot):
    assert window.open_path(sample_project("car-t"))
    dock = window.findings_dock
    assert dock.summary.text().endswith("Checking the project…")  # not "every check passed" before any ran
    qtbot.waitUntil(lambda: not dock.checking, timeout=10000)
    text = dock.summary.text()
    assert "Checking" not in text and "required fields filled" in text
    assert text.endswith(("passed.", "found.", "its field."))


def _launch(path, monkeypatch, qtbot):
    """What `atmp-desktop gui PATH` does, with the event loop run by qtbot."""
    from PySide6.QtWidgets import QApplication

    from atmp_desktop.ui import app as app_module
    from atmp_desktop.ui import main_window
    seen = {}
    original = main_window.MainWindow.__init__

    def init(self, *a, **k):
        original(self, *a, **k)
        seen["window"] = self

    monkeypatch.setattr(main_window.MainWindow, "__init__", init)
    monkeypatch.setattr(QApplication, "exec", lambda self=None: 0)
    assert app_module.run_gui(str(path)) == 0
    return seen["window"]


def test_a_launch_with_a_project_paints_opening_then_the_project_never_the_start_screen(sample_project, forms,
                                                                                       monkeypatch, qtbot):
    path = sample_project("car-t")
    w = _launch(path, monkeypatch, qtbot)
    assert w.stack.currentWidget().text().startswith("Opening “car-t.atmp”")  # the first paint says so
    qtbot.waitUntil(lambda: w.project is not None, timeout=10000)
    assert w.stack.currentWidget() is w.splitter
    assert not w.start._samples_loaded  # the start screen was never on screen
    w.close()  # and closing the project on Quit still works
    assert w.project is None


def test_a_launch_whose_project_does_not_open_shows_the_start_screen_with_its_samples(tmp_path, monkeypatch,
                                                                                     qtbot):
    from PySide6.QtWidgets import QMessageBox
    monkeypatch.setattr(QMessageBox, "critical", lambda *a, **k: None)
    missing = tmp_path / "gone.atmp"
    w = _launch(missing, monkeypatch, qtbot)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.start, timeout=10000)
    assert w.project is None
    assert w.start.samples.count() >= 1  # filled before it painted
    w.close()


# ------------------------------------------------------------------ the launch up to the project on screen
def _launch_watching(path, monkeypatch, qtbot, at_project_paint=None):
    """_launch, with `at_project_paint(window)` called on the event-loop turn after the first paint that shows
    the project (the earliest moment a user can act on it)."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    from atmp_desktop.ui import main_window
    seen = {"painted": False}
    original = main_window.MainWindow.__init__

    class Watch(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Paint and not seen["painted"] and obj.project is not None:
                seen["painted"] = True
                if at_project_paint is not None:
                    QTimer.singleShot(0, lambda: at_project_paint(obj))
            return False

    def init(self, *a, **k):
        original(self, *a, **k)
        self._test_watch = Watch(self)
        self.installEventFilter(self._test_watch)

    monkeypatch.setattr(main_window.MainWindow, "__init__", init)
    w = _launch(path, monkeypatch, qtbot)
    qtbot.waitUntil(lambda: seen["painted"], timeout=10000)
    return w


def test_a_launch_paints_the_fields_that_fill_the_window_and_builds_the_rest_of_the_step_after(
        sample_project, forms, monkeypatch, qtbot):
    from atmp_desktop.ui import logic, main_window
    first_screen = {}
    original = main_window.MainWindow._first_screen

    def record(self, step_id):
        page = original(self, step_id)
        first_screen.update(step=step_id, built=list(page.editors), complete=page.complete,
                            shown=[p for p in page.editors if page.is_field_shown(p)],
                            min_width=page.form_area.minimumWidth())
        return page
    monkeypatch.setattr(main_window.MainWindow, "_first_screen", record)
    path = sample_project("car-t")
    w = _launch_watching(path, monkeypatch, qtbot)
    step = forms.step(first_screen["step"])
    fields = [f.path for f in step.fields]
    assert "_start" not in w.__dict__  # the start screen was not even built
    assert not first_screen["complete"] and 0 < len(first_screen["built"]) < len(fields)
    assert first_screen["built"] == fields[:len(first_screen["built"])]  # the top of the step, in order
    page = w.pages[step.id]
    rows = sum(page.rows[p].sizeHint().height() for p in first_screen["shown"])
    assert rows >= w.page_stack.height()  # what was built fills the page's area (the rest is below it)
    qtbot.waitUntil(lambda: page.complete and w.pages[step.id] is page, timeout=10000)  # right after the paint
    assert list(page.editors) == fields
    snap = stored(path, forms)
    for f in step.fields:  # every field shows its stored value and is shown exactly when it applies
        assert page.is_field_shown(f.path) == logic.field_visible(f, snap), f.path
    assert page.editors["applicant.company_name"].edit.text() == snap.get("applicant.company_name")
    qtbot.waitUntil(lambda: len(w.pages) == len(forms.steps), timeout=15000)  # then the other pages
    whole_width = page.form_area.minimumSizeHint().width()
    w.close()
    # the next launch's first screen is as wide as the whole page was: rows added below never widen it
    w = _launch_watching(path, monkeypatch, qtbot)
    assert first_screen["min_width"] == whole_width > 0
    page = w.pages[step.id]
    qtbot.waitUntil(lambda: page.complete, timeout=10000)
    assert page.form_area.minimumWidth() == 0 and page.form_area.minimumSizeHint().width() == whole_width
    w.close()


def test_a_launch_checks_the_figures_images_after_the_project_is_on_screen_and_the_panel_shows_them(
        sample_project, forms, monkeypatch, qtbot):
    """The images (the largest values of a project) are neither checked nor even read before the first paint;
    Edit > Figures... then shows every figure the file holds, its bytes those of the file."""
    import sqlite3
    from atmp_desktop.core.figures import digest_of
    path = sample_project("car-t")
    conn = sqlite3.connect(path)
    stored = dict(conn.execute("SELECT digest, data FROM figure_images").fetchall())
    conn.close()
    at_paint = {}

    def seen(w):
        at_paint.update(checked=w.project._stored_figures is not None and w.project._stored_figures.checked,
                        fetched=w.project._rows.finished or not w.project._rows._queries)
    w = _launch_watching(path, monkeypatch, qtbot, seen)
    qtbot.waitUntil(lambda: bool(at_paint), timeout=10000)
    assert at_paint == {"checked": False, "fetched": False}
    w.act_figures.trigger()
    panel = w._figure_panel
    shown = {}
    for i in range(panel.place.count()):
        panel.place.setCurrentIndex(i)
        shown.update((f.digest, f.data) for f in panel.figures())
    assert shown == stored and all(digest_of(data) == digest for digest, data in shown.items())
    panel.place.setCurrentIndex(panel.place.findData("heading:3.2.A.1"))
    assert panel.list.count() == 1 and panel.details.text().startswith("PNG, 1")  # its size, read from it
    w.close()


def test_menu_shortcuts_work_as_soon_as_the_launched_project_is_on_screen(sample_project, monkeypatch, qtbot):
    from PySide6.QtTest import QTest
    pressed = {}

    def press(w):  # the turn right after the first paint with the project: Ctrl+S, Ctrl+F, F1 work
        w.navigator.setFocus()
        QTest.keyClick(w.navigator, Qt.Key_S, Qt.ControlModifier)
        pressed["save"] = w.status.currentMessage()
        QTest.keyClick(w.navigator, Qt.Key_F, Qt.ControlModifier)
        pressed["find"] = w._search.isVisible() if getattr(w, "_search", None) else False
        w._search.close()
        QTest.keyClick(w.navigator, Qt.Key_F1)
        pressed["guide"] = w._guide.isVisible() if getattr(w, "_guide", None) else False
        w._guide.close()
    w = _launch_watching(sample_project("car-t"), monkeypatch, qtbot, press)
    qtbot.waitUntil(lambda: "guide" in pressed, timeout=10000)
    assert "All changes are saved" in pressed["save"]
    assert pressed["find"] and pressed["guide"]
    w.close()


def test_garbage_collection_is_off_during_the_launch_and_on_once_the_project_is_on_screen(sample_project,
                                                                                         monkeypatch, qtbot):
    import gc

    from PySide6.QtWidgets import QApplication

    from atmp_desktop.ui import app as app_module
    from atmp_desktop.ui import main_window
    assert gc.isenabled()
    seen = {}
    first_screen = main_window.MainWindow._first_screen

    def record(self, step_id):
        seen["collecting while building"] = gc.isenabled()
        seen["window"] = self
        return first_screen(self, step_id)

    def loop(self=None):  # the event loop, until the project has painted and a moment after
        qtbot.waitUntil(lambda: "window" in seen and seen["window"].pages[seen["window"].current_step].complete,
                        timeout=10000)
        qtbot.waitUntil(gc.isenabled, timeout=5000)
        seen["collecting after the paint"] = gc.isenabled()
        return 0
    monkeypatch.setattr(main_window.MainWindow, "_first_screen", record)
    monkeypatch.setattr(QApplication, "exec", loop)
    assert app_module.run_gui(str(sample_project("car-t"))) == 0
    assert seen["collecting while building"] is False and seen["collecting after the paint"] is True
    assert gc.isenabled()
    seen["window"].close()


def test_a_launch_whose_window_closes_before_it_paints_leaves_garbage_collection_on(sample_project,
                                                                                    monkeypatch, qtbot):
    import gc
    w = _launch(sample_project("car-t"), monkeypatch, qtbot)  # the loop returns at once (QApplication.exec)
    assert gc.isenabled()
    w.close()


# A launch probe: `Probe.eventFilter` runs the lines between these two at the window's first paint with the
# project, then removes itself; the window is launched as `atmp-desktop gui PROJECT` launches it.
_PROBE_HEAD = ("import sys\n"
               "from PySide6.QtCore import QEvent, QObject\n"
               "from atmp_desktop.ui import app, main_window\n"
               "class Probe(QObject):\n"
               "    def eventFilter(self, obj, event):\n"
               "        if event.type() == QEvent.Paint and obj.project is not None:\n")
_PROBE_AT_FIRST_PAINT = ("            obj.removeEventFilter(self)\n"
                         "        return False\n"
                         "init = main_window.MainWindow.__init__\n"
                         "def watched(self, *a, **k):\n"
                         "    init(self, *a, **k)\n"
                         "    self._probe = Probe(self)\n"
                         "    self.installEventFilter(self._probe)\n"
                         "main_window.MainWindow.__init__ = watched\n"
                         "sys.exit(app.run_gui(sys.argv[1]))\n")


def _launch_probe(probe: str, project, tmp_path):
    """Run `probe` (a launch that quits once its project is open) in a fresh process, settings in tmp_path;
    its output once it ended well."""
    import os
    import subprocess
    import sys
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", ATMP_DESKTOP_QUIT_AFTER_OPEN="1", HOME=str(tmp_path),
               XDG_CONFIG_HOME=str(tmp_path / ".config"))
    out = subprocess.run([sys.executable, "-c", probe, str(project)], env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "window shown, project open" in out.stdout
    return out


def test_the_launch_imports_no_export_or_document_library_before_the_project_is_on_screen(sample_project,
                                                                                         tmp_path):
    """What `atmp-desktop gui PROJECT` loads up to the first paint of the project: none of the exporters and
    their libraries (they cost start-up time and are loaded when the user exports)."""
    path = sample_project("car-t")
    probe = ("import sys\n"
             "from atmp_desktop.ui.app import run_gui\n"
             "code = run_gui(sys.argv[1])\n"
             "print('MODULES', ' '.join(sorted(sys.modules)))\n"
             "sys.exit(code)\n")
    out = _launch_probe(probe, path, tmp_path)
    modules = next(line for line in out.stdout.splitlines() if line.startswith("MODULES ")).split()[1:]
    heavy = ("atmp_desktop.export", "atmp_desktop.cli_export", "docx", "reportlab", "pypdf", "pikepdf",
             "openpyxl", "PIL", "svglib", "lxml", "sqlite_utils", "hypothesis")
    loaded = [m for m in modules if m.split(".")[0] in heavy or m.startswith(heavy)]
    assert loaded == [], loaded


def test_the_launch_names_no_dialog_class_before_the_project_is_on_screen(sample_project, tmp_path):
    """PySide builds a Qt class's Python type, with all its enum types, when the class is first named; a launch
    that opens its project shows no dialog, so up to the first paint of the project it names none of them (and
    does not import the file-rescue dialogs). Probed in a fresh process, at that first paint."""
    probe = (_PROBE_HEAD +
             "            from PySide6 import QtCore, QtWidgets\n"
             "            named = [n for n in ('QMessageBox', 'QFileDialog', 'QDialog', 'QProgressDialog',\n"
             "                                 'QCalendarWidget') if n in vars(QtWidgets)]\n"
             "            named += [n for n in ('QThread', 'QEventLoop') if n in vars(QtCore)]\n"
             "            print('NAMED', *named, '|', 'atmp_desktop.ui.file_rescue' in sys.modules, flush=True)\n"
             + _PROBE_AT_FIRST_PAINT)
    out = _launch_probe(probe, sample_project("car-t"), tmp_path)
    line = next(line for line in out.stdout.splitlines() if line.startswith("NAMED"))
    assert line == "NAMED | False", line


def test_modules_answered_by_name_get_the_answer_pysides_source_scan_gives():
    """ui/app.py answers PySide6's per-import source scan from the module's name for our non-ui modules and
    the standard library, and from the file's bytes for our ui modules: for every module loaded now, the
    answer equals reading its source."""
    import sys

    import atmp_desktop.cli  # noqa: F401  (and with it the store, core and much of the standard library)
    import atmp_desktop.store  # noqa: F401
    from atmp_desktop.ui import app, logic, main_window  # noqa: F401  (logic: a ui module without PySide6)
    feature = sys.modules["shibokensupport.feature"]
    fast = feature._mod_uses_pyside
    assert getattr(fast, "by_name", False), "the scan is not answered by name (PySide6 changed?)"
    answered = 0
    ui_answers: dict[bool, int] = {}
    for name, module in list(sys.modules.items()):
        if module is None or not getattr(module, "__file__", None):
            continue
        expected = fast.original(module)
        assert fast(module) == expected, name
        answered += name.startswith("atmp_desktop.") and not name.startswith("atmp_desktop.ui")
        ui_answers.setdefault(expected, 0)
        ui_answers[expected] += name.startswith("atmp_desktop.ui.")
    assert answered > 20
    assert ui_answers[True] > 5 and ui_answers[False] >= 1  # both answers came from ui files' bytes


def test_a_step_first_chosen_shows_the_fields_that_fill_the_window_then_the_rest(window, sample_project, forms,
                                                                               monkeypatch, qtbot):
    """Issue 14: at large 4x the quality page took ~250 ms of CPU to build and show on its first visit, the
    fields that fill the window ~40. They come first; the rest follows in slices once they have painted, and
    the whole page then is what building it at once gave: every field, its stored value, shown as it applies."""
    from atmp_desktop.ui import logic
    monkeypatch.setattr(window, "_start_prebuild", lambda: None)  # no page built ahead: the visit builds it
    path = sample_project("car-t")
    assert window.open_path(path)
    step = forms.step("quality")
    fields = [f.path for f in step.fields]
    window.navigator.setCurrentItem(window.navigator._items[step.id])  # what a click on the step does
    page = window.pages[step.id]
    assert window.page_stack.currentWidget() is page and window.current_step == step.id
    built = list(page.editors)
    assert 0 < len(built) < len(fields) and built == fields[:len(built)]  # the top of the step, in order
    qtbot.waitUntil(lambda: page.complete, timeout=10000)
    qtbot.wait(20)  # Qt shows what the last slice added on the next turn
    assert list(page.editors) == fields and window.pages[step.id] is page
    snap = stored(path, forms)
    for f in step.fields:
        assert page.rows[f.path].isVisibleTo(page) == logic.field_visible(f, snap), f.path
        if not f.is_table:
            assert page.editors[f.path].value() == snap.get(f.path), f.path
    other = window.pages[step.id].editors  # and the rest edits like any field: the value is in the file
    editor = next(e for p, e in other.items() if p not in built and not e.field.is_table and e.field.type == "text")
    window.go_to_field(editor.field.path)
    editor.edit.selectAll()
    qtbot.keyClicks(editor.edit, "Added after the first screen")
    qtbot.keyClick(editor.edit, Qt.Key_Return)
    assert stored(path, forms).get(editor.field.path) == "Added after the first screen"


def test_a_launch_shows_what_the_step_feeds_in_the_help_right_after_the_first_paint(sample_project, forms,
                                                                                    monkeypatch, qtbot):
    """The help's "This step feeds" needs the document definitions, which a launch loads on the turn after the
    project is on screen; it then says exactly what a window opened in one go says."""
    from atmp_desktop.ui.help_panel import step_help_html
    seen = {}
    w = _launch_watching(sample_project("car-t"), monkeypatch, qtbot,
                         lambda w: seen.update(help=w.help.toPlainText()))
    qtbot.waitUntil(lambda: "help" in seen, timeout=5000)
    step = forms.step(w.current_step)
    assert seen["help"].startswith(step.title)  # on screen with the project: the step's own help
    qtbot.waitUntil(lambda: "This step feeds" in w.help.toPlainText(), timeout=5000)
    expected = type(w.help)()
    expected.setHtml(step_help_html(step, w.snap))
    assert w.help.toPlainText() == expected.toPlainText()
    w.close()


def test_a_launch_whose_document_definitions_are_broken_says_so_in_one_sentence_and_ends(sample_project,
                                                                                        monkeypatch, qtbot):
    from PySide6.QtWidgets import QApplication, QMessageBox

    from atmp_desktop.core import definitions
    said, codes = [], []

    def broken():
        raise definitions.DefinitionError("m3-2-s.yaml: heading '3.2.S.9': not a heading of the CTD")
    monkeypatch.setattr(definitions, "default_definitions", broken)
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *a: said.append(text))
    monkeypatch.setattr(QApplication, "exit", lambda *a: codes.append(a[-1]))
    w = _launch_watching(sample_project("car-t"), monkeypatch, qtbot)
    qtbot.waitUntil(lambda: bool(said), timeout=5000)
    assert said == ["The document definitions are broken and the app cannot start: m3-2-s.yaml: heading "
                    "'3.2.S.9': not a heading of the CTD"]
    assert codes == [2]
    w.close()


def test_a_launch_puts_the_project_first_in_the_recent_list_once_it_is_on_screen(sample_project, monkeypatch,
                                                                               qtbot):
    path = sample_project("car-t")
    w = _launch_watching(path, monkeypatch, qtbot)
    qtbot.waitUntil(lambda: w.settings.recent_files()[:1] == [str(path.resolve())], timeout=5000)
    w.close()



def test_the_launch_makes_no_plain_dataclass_starts_no_openssl_and_compiles_no_lazy_pattern_before_the_paint(
        sample_project, tmp_path):
    """Each plain dataclass costs the launch ~3.5 M instructions of compiling its generated methods
    (CPython 3.11); the classes made before the first paint of the project are records (core/records.py),
    which compile nothing. And hashlib's OpenSSL (~11 M to load and start) waits for the first digest (the
    checked forms are stamped by their files' times; figures are checked when first used); the regular
    expressions compiled when first used (core/patterns.py) are those the launch does not use. Probed in a
    fresh process, at that first paint: every class of our modules loaded by then that is a dataclass is a
    record, _hashlib is not loaded and no lazy pattern is compiled."""
    probe = (_PROBE_HEAD +
             "            from atmp_desktop.core.patterns import LazyPattern\n"
             "            plain, records, compiled = [], 0, []\n"
             "            for name, module in list(sys.modules.items()):\n"
             "                if not name.startswith('atmp_desktop'):\n"
             "                    continue\n"
             "                for key, value in list(vars(module).items()):\n"
             "                    if isinstance(value, LazyPattern) and value.compiled:\n"
             "                        compiled.append(f'{name}.{key}')\n"
             "                    if isinstance(value, type) and value.__module__ == name and \\\n"
             "                            '__dataclass_fields__' in vars(value):\n"
             "                        if '__record__' in vars(value):\n"
             "                            records += 1\n"
             "                        else:\n"
             "                            plain.append(f'{name}.{value.__qualname__}')\n"
             "            print('OPENSSL', '_hashlib' in sys.modules, flush=True)\n"
             "            print('LAZY', *sorted(compiled), flush=True)\n"
             "            print('PLAIN', records, *sorted(plain), flush=True)\n"
             + _PROBE_AT_FIRST_PAINT)
    out = _launch_probe(probe, sample_project("car-t"), tmp_path)
    line = next(line for line in out.stdout.splitlines() if line.startswith("PLAIN")).split()
    assert int(line[1]) >= 20, line  # the probe sees the launch's records
    assert line[2:] == [], line
    assert "OPENSSL False" in out.stdout.splitlines()
    assert "LAZY" in out.stdout.splitlines()  # no pattern compiled when first used was used before the paint


def test_the_launch_names_no_text_format_key_sequence_or_icon_before_the_project_and_binds_them_after(
        sample_project, tmp_path):
    """PySide builds a Qt class's enums when the class is first named: the QTextFormat family (164 members),
    QKeySequence (76) and QIcon (157) cost the launch ~30 M instructions. Up to the first paint with the project
    none is named (the rich-text boxes load plain text without them, the shortcuts and the window icon wait);
    on the turn after that paint the menus' shortcuts, the docks' and the window icon are all there."""
    probe = (_PROBE_HEAD +
             "            from PySide6 import QtCore, QtGui\n"
             "            named = [n for n in ('QTextFormat', 'QTextCharFormat', 'QTextBlockFormat', 'QTextListFormat',\n"
             "                                 'QKeySequence', 'QShortcut', 'QIcon') if n in vars(QtGui)]\n"
             "            print('NAMED', *named, flush=True)\n"
             "            def after(w=obj):\n"
             "                app = QtCore.QCoreApplication.instance()\n"
             "                keys = {a.text(): [k.toString() for k in a.shortcuts()] for a in\n"
             "                        (w.act_save, w.act_find, w.act_undo, w.act_findings, w.act_sections)}\n"
             "                print('AFTER', not app.windowIcon().isNull(), sorted(keys.items()), flush=True)\n"
             "            QtCore.QTimer.singleShot(0, after)\n"
             + _PROBE_AT_FIRST_PAINT)
    out = _launch_probe(probe, sample_project("car-t"), tmp_path)
    lines = out.stdout.splitlines()
    assert "NAMED" in lines, lines
    after = next(line for line in lines if line.startswith("AFTER"))
    assert after.startswith("AFTER True "), after  # the window icon
    for text, key in (("&Save", "Ctrl+S"), ("&Find…", "Ctrl+F"), ("&Undo", "Ctrl+Z"), ("&Findings", "Ctrl+Shift+F"),
                      ("CTD &Sections", "Ctrl+Shift+C")):
        assert f"('{text}', [" in after and f"'{key}'" in after.split(f"('{text}', [", 1)[1].split("]", 1)[0], after


def test_the_sections_trees_f2_edits_a_note_once_the_tab_is_chosen(window, sample_project, qtbot):
    """F2 on the Sections tree (its shortcut made with its rows, after the first paint) opens the note of the
    current section for editing, as before."""
    assert window.open_path(sample_project("car-t"))
    window.activateWindow()  # shortcuts reach the active window only
    bar, i = tab(window, "Sections")
    qtbot.mouseClick(bar, Qt.LeftButton, pos=bar.tabRect(i).center())
    dock = window.sections_dock
    qtbot.waitUntil(lambda: bool(dock._items), timeout=5000)
    tree = dock.tree
    tree.setCurrentItem(dock._items["3.2.R"], COL_NOTE)
    tree.setFocus()
    assert tree.state() != tree.State.EditingState
    qtbot.keyClick(tree, Qt.Key_F2)
    assert tree.state() == tree.State.EditingState and tree.currentColumn() == COL_NOTE

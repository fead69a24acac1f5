"""What opening a project builds before its first paint and what follows after it (issue 8 start-up, issue 14):
only the step on screen is built at once, the other pages after the paint, the Sections dock when its tab is
chosen; what the user sees and what the file holds are the same as if everything had been built at once."""
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTabBar

from atmp_desktop.store import ProjectFile
from atmp_desktop.ui.sections_dock import COL_FIELDS
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

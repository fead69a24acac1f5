"""A working day: open cell editors are kept, failed opens keep the project, honest status, search, help,
the Edit menu, keyboard paths and the export folder. Assertions read the project file where data is involved."""
import re

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractItemView, QApplication, QFileDialog, QMessageBox, QRadioButton

from atmp_desktop.core.paths import resources_dir
from atmp_desktop.store import ProjectFile
from atmp_desktop.ui.search import search


def stored(path, forms):
    with ProjectFile.open(path, forms, read_only=True) as p:
        return p.snapshot()


def open_cell_editor(qtbot, window, text="Leiden Cell Factory"):
    """Start typing into the first cell of the sites table and leave the editor open."""
    window.go_to_step("manufacturing")
    t = window.pages["manufacturing"].editors["manufacturing.sites"]
    qtbot.mouseClick(t.add_button, Qt.LeftButton)
    idx = t.model.index(0, 0)
    t.view.setCurrentIndex(idx)
    t.view.setFocus()
    qtbot.keyClicks(t.view, text[0])
    qtbot.keyClicks(t.view.indexWidget(idx), text[1:])
    assert t.view.state() == QAbstractItemView.EditingState
    return t


@pytest.fixture
def opened(window, empty_project):
    assert window.open_path(empty_project)
    window.activateWindow()
    return window


# ------------------------------------------------------------------------------------ open cell editors
@pytest.mark.parametrize("how", ["quit", "close", "step switch", "save as", "undo"])
def test_an_open_cell_editor_is_committed_first(opened, empty_project, forms, qtbot, tmp_path, monkeypatch, how):
    window = opened
    open_cell_editor(qtbot, window)
    path = empty_project
    if how == "quit":
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Q, Qt.ControlModifier)
    elif how == "close":
        window.act_close.trigger()
    elif how == "step switch":
        window.go_to_step("quality")
    elif how == "save as":
        path = tmp_path / "copy.atmp"
        monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
        window.act_save_as.trigger()
        window.close_project()
    elif how == "undo":  # the cell is written, then undone: one clean undo step
        window.act_undo.trigger()
        assert stored(path, forms).rows("manufacturing.sites") == []
        return
    assert stored(path, forms).rows("manufacturing.sites") == [{"name": "Leiden Cell Factory"}]


# ------------------------------------------------------------------------------------ files
def test_a_failed_open_leaves_the_current_project_open(opened, empty_project, tmp_path, monkeypatch, qtbot):
    bad = tmp_path / "not-a-project.atmp"
    bad.write_bytes(b"hello, this is not SQLite" * 40)
    before = bad.read_bytes()
    monkeypatch.setattr(QMessageBox, "critical", lambda *a, **k: None)
    assert not opened.open_path(bad)
    assert opened.project is not None and opened.project.path == empty_project
    assert opened.stack.currentIndex() == 1  # still the workspace, not the start screen
    assert bad.read_bytes() == before


def test_ctrl_s_says_that_everything_is_saved(opened, qtbot):
    qtbot.waitUntil(lambda: bool(opened.act_save.shortcuts()), timeout=3000)
    opened.navigator.setFocus()
    qtbot.keyClick(opened.navigator, Qt.Key_S, Qt.ControlModifier)
    assert "All changes are saved" in opened.status.currentMessage()


def test_the_status_bar_only_promises_what_is_true(window, empty_project, forms, qtbot, monkeypatch):
    assert window.saved_label.text() == ""  # start screen: nothing to save
    window.open_path(empty_project)
    assert window.saved_label.text() == "All changes are saved automatically"
    window.go_to_step("applicant")
    box = window.pages["applicant"].editors["applicant.planned_submission_date"].edit
    box.setFocus()
    qtbot.keyClicks(box, "31/02/2025")
    qtbot.keyClick(box, Qt.Key_Return)
    assert window.saved_label.text().startswith("Not saved:")
    qtbot.keyClick(box, Qt.Key_A, Qt.ControlModifier)
    qtbot.keyClicks(box, "2025-02-28")
    qtbot.keyClick(box, Qt.Key_Return)
    assert window.saved_label.text() == "All changes are saved automatically"
    window.close_project()
    assert window.saved_label.text() == ""
    window.open_path(empty_project, read_only=True)
    assert window.saved_label.text().startswith("Read-only")


# ------------------------------------------------------------------------------------ search
def test_search_finds_labels_values_ctd_codes_and_cells(forms, sample_project):
    snap = stored(sample_project("car-t"), forms)
    assert any(h.path == "product.inn" and h.matched == "label" for h in search(forms, snap, "INN"))
    inn = snap.get("product.inn")
    assert any(h.path == "product.inn" and h.matched == "value" for h in search(forms, snap, inn.split()[0]))
    assert any(h.matched == "CTD code" for h in search(forms, snap, "3.2.P.5"))
    site = snap.rows("manufacturing.sites")[0]["name"]
    hits = search(forms, snap, site)
    assert any(h.path == "manufacturing.sites[0].name" for h in hits)
    assert search(forms, snap, "zzqx-nothing") == []


def test_ctrl_f_jumps_to_the_field_or_cell(window, sample_project, forms, qtbot):
    window.open_path(sample_project("car-t"))
    qtbot.waitUntil(lambda: bool(window.act_find.shortcuts()), timeout=3000)
    window.navigator.setFocus()
    qtbot.keyClick(window.navigator, Qt.Key_F, Qt.ControlModifier)
    dialog = window._search
    assert dialog.isVisible()
    site = window.snap.rows("manufacturing.sites")[0]["name"]
    word = max((w for w in site.split() if w.isascii()), key=len)  # QTest types ASCII only
    qtbot.keyClicks(dialog.query, word)
    dialog.run()
    items = [dialog.results.topLevelItem(i) for i in range(dialog.results.topLevelItemCount())]
    cell = next(i for i in items if i.data(0, Qt.UserRole).startswith("manufacturing.sites["))
    dialog.results.setCurrentItem(cell)
    dialog.results.setFocus()
    qtbot.keyClick(dialog.results, Qt.Key_Return)
    assert window.current_step == "manufacturing"
    table = window.pages["manufacturing"].editors["manufacturing.sites"]
    assert word in table.model.rows[table.view.currentIndex().row()]["name"]
    dialog.query.clear()
    qtbot.keyClicks(dialog.query, "shelf life")
    dialog.run()
    assert dialog.results.topLevelItemCount() > 0
    qtbot.keyClick(dialog.query, Qt.Key_Return)
    assert window.current_step == "quality"


# ------------------------------------------------------------------------------------ help
def test_f1_opens_the_offline_guide_at_the_current_step(opened, qtbot):
    qtbot.waitUntil(lambda: bool(opened.act_guide.shortcuts()), timeout=3000)
    opened.go_to_step("quality")
    opened.navigator.setFocus()
    qtbot.keyClick(opened.navigator, Qt.Key_F1)
    guide = opened._guide
    assert guide.isVisible()
    assert "Quality control" in guide.browser.toPlainText()
    assert guide.browser.verticalScrollBar().value() > 0  # scrolled to the step's topic
    assert any(a.text() == "&User Guide" for m in opened.menuBar().findChildren(type(opened.view_menu))
               for a in m.actions())


def test_the_guide_has_a_topic_for_every_step(forms):
    html = (resources_dir() / "guide" / "index.html").read_text(encoding="utf-8")
    for step in forms.steps:
        assert f'name="{step.id}"' in html, step.id


# ------------------------------------------------------------------------------------ menus and keyboard
def test_every_menu_item_has_a_mnemonic(opened):
    opened._fill_recent_menu()
    for menu in [opened.menuBar()] + opened.menuBar().findChildren(type(opened.view_menu)):
        for act in menu.actions():
            if act.isSeparator() or not act.isEnabled() and act.text() == "No recent projects":
                continue
            assert "&" in act.text(), act.text()


def test_edit_menu_copy_and_paste_act_on_the_focused_field(opened, forms, qtbot):
    opened.go_to_step("product")
    name = opened.pages["product"].editors["product.invented_name"].edit
    other = opened.pages["product"].editors["product.company_code"].edit
    name.setFocus()
    qtbot.keyClicks(name, "Lumacel")
    opened.act_select_all.trigger()
    opened.act_copy.trigger()
    assert QApplication.clipboard().text() == "Lumacel"
    other.setFocus()
    opened.act_paste.trigger()
    qtbot.keyClick(other, Qt.Key_Return)
    assert stored(opened.project.path, forms).get("product.company_code") == "Lumacel"


def test_edit_menu_copies_and_pastes_table_cells(opened, forms, qtbot):
    opened.go_to_step("manufacturing")
    t = opened.pages["manufacturing"].editors["manufacturing.sites"]
    QApplication.clipboard().setText("Site A\tAddress A\nSite B\tAddress B")
    t.view.setFocus()
    opened.act_paste.trigger()
    rows = stored(opened.project.path, forms).rows("manufacturing.sites")
    assert [r["name"] for r in rows] == ["Site A", "Site B"]
    t.view.setFocus()
    opened.act_select_all.trigger()
    opened.act_copy.trigger()
    assert QApplication.clipboard().text().splitlines()[1].startswith("Site B\tAddress B")
    t.view.setCurrentIndex(t.model.index(1, 0))
    t.view.selectionModel().clearSelection()
    t.view.selectionModel().select(t.model.index(1, 0), QItemSelectionModel.Select)
    opened.act_cut.trigger()
    assert QApplication.clipboard().text() == "Site B"
    assert stored(opened.project.path, forms).rows("manufacturing.sites")[1] == {"address": "Address B"}


def test_tab_from_the_navigator_goes_to_the_first_field(opened, qtbot):
    opened.go_to_step("product")
    opened.navigator.setFocus()
    qtbot.keyClick(opened.navigator, Qt.Key_Tab)
    assert QApplication.focusWidget() is opened.pages["product"].first_field_widget()


def test_tab_into_a_yes_no_question_lands_on_the_checked_answer(opened, qtbot):
    opened.go_to_step("product")
    page = opened.pages["product"]
    gmo = page.editors["product.contains_gmo"]
    gmo.buttons[False].click()
    paths = list(page.rows)
    before = page.editors[paths[paths.index("product.contains_gmo") - 1]]
    while not page.is_field_shown(before.field.path):
        paths.remove(before.field.path)
        before = page.editors[paths[paths.index("product.contains_gmo") - 1]]
    target = before.focus_target()
    target.setFocus()
    qtbot.keyClick(target, Qt.Key_Tab)
    qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QRadioButton))
    qtbot.waitUntil(lambda: QApplication.focusWidget() is gmo.buttons[False])


# ------------------------------------------------------------------------------------ export folder
def test_export_defaults_beside_the_project_and_asks_before_replacing(opened, forms, qtbot, monkeypatch, tmp_path):
    from atmp_desktop.ui.export_dialog import ExportDialog
    monkeypatch.chdir(tmp_path / "..")
    d = ExportDialog(forms, opened.snap, opened.settings, opened.project.path, opened)
    qtbot.addWidget(d)
    assert d.out_dir.text() == str(opened.project.path.parent / "dossier-export")
    out = opened.project.path.parent / "dossier-export"
    existing = out / "cat-readiness.docx"
    out.mkdir()
    existing.write_bytes(b"edited by the writer")
    assert existing in d.existing_files(out, ["cat-readiness"], ("docx",))
    asked = []

    def answer(box):
        asked.append(box.text())
        box.clickedButton = lambda: next(b for b in box.buttons() if b.text() == "&New Folder")
        return 0
    monkeypatch.setattr(QMessageBox, "exec", answer)
    target = d._target_folder(out, ["cat-readiness"], ("docx",))
    assert asked and "would replace" in asked[0]
    assert target != out and re.search(r"dossier-export-\d{4}-\d\d-\d\d$", target.name)
    assert existing.read_bytes() == b"edited by the writer"


def test_alt_e_presses_export_in_the_export_dialog(opened, forms, qtbot):
    from atmp_desktop.ui.export_dialog import ExportDialog
    d = ExportDialog(forms, opened.snap, opened.settings, opened.project.path, opened)
    qtbot.addWidget(d)
    assert d.export_button.text() == "&Export"
    texts = [w.text() for w in d.findChildren(QAction)] + [b.text() for b in d.findChildren(type(d.export_button))]
    assert sum(1 for t in texts if "&E" in t or "&e" in t) == 1  # no other Alt+E in the dialog
